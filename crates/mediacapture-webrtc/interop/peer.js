// The remote peer of the interop tests, for a browser page and for Node with @roamhq/wrtc.
// It talks to the Rust test over HTTP on 127.0.0.1: GET /next returns the next message for
// the peer (waiting for one), POST /send delivers a message to the test. Messages are JSON
// objects with a "type": offer, answer, candidate, make-offer, stats, close (to the peer);
// ready, offer, answer, candidate, stats, log, error (from the peer).
//
// `env` gives what differs between the two: RTCPeerConnection, a function that returns the
// local media tracks, and (Node) a hook that watches received tracks.

export async function runPeer(base, env) {
  const send = (msg) =>
    fetch(base + "/send", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(msg),
    });
  const log = (text) => send({ type: "log", text: String(text) });

  const pc = new env.RTCPeerConnection({});
  const pending = [];
  let remoteSet = false;
  pc.onicecandidate = (e) => {
    send({ type: "candidate", candidate: e.candidate ? e.candidate.toJSON() : null });
  };
  pc.ontrack = (e) => {
    log(`track ${e.track.kind} streams=${e.streams.map((s) => s.id).join(",")}`);
    if (env.onTrack) env.onTrack(e.track);
  };
  pc.onconnectionstatechange = () => log(`connectionState ${pc.connectionState}`);
  pc.oniceconnectionstatechange = () => log(`iceConnectionState ${pc.iceConnectionState}`);

  const tracks = await env.localTracks();
  const stream = env.MediaStream ? new env.MediaStream(tracks) : undefined;
  for (const t of tracks) pc.addTrack(t, ...(stream ? [stream] : []));

  const flush = async () => {
    remoteSet = true;
    while (pending.length) await pc.addIceCandidate(pending.shift());
  };

  await send({ type: "ready" });
  for (;;) {
    const res = await fetch(base + "/next");
    const msg = await res.json();
    try {
      if (msg.type === "none") continue;
      if (msg.type === "offer") {
        await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
        await flush();
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        await send({ type: "answer", sdp: pc.localDescription.sdp });
      } else if (msg.type === "make-offer") {
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        await send({ type: "offer", sdp: pc.localDescription.sdp });
      } else if (msg.type === "answer") {
        await pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
        await flush();
      } else if (msg.type === "candidate") {
        const c = msg.candidate || undefined;
        if (remoteSet) await pc.addIceCandidate(c);
        else pending.push(c);
      } else if (msg.type === "stats") {
        const report = await pc.getStats();
        const values = [];
        report.forEach((v) => values.push(v));
        const extra = env.received ? env.received() : {};
        await send({ type: "stats", report: values, extra });
      } else if (msg.type === "close") {
        pc.close();
        if (env.onClose) env.onClose();
        await send({ type: "closed" });
        return;
      }
    } catch (err) {
      await send({ type: "error", text: `${msg.type}: ${err && err.name}: ${err && err.message}` });
    }
  }
}
