'use strict';
// RTCPeerConnection: Node <-> Node over loopback with the fake camera and microphone, the
// DOM shapes, and the spec's error names.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, devices, rejection } = require('../testlib/helpers');
const { waitFor, waitState, trickle, negotiate, statsUntil, statsOf, readFrameCounter, collectAudio, strongest } = require('../testlib/rtc');

const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCRtpTransceiver, RTCRtpSender, RTCRtpReceiver, RTCTrackEvent, RTCStatsReport, MediaStream, MediaStreamTrack } = mc;

const loopback = () => new RTCPeerConnection({}, { hostCandidates: 'loopback' });

// The fake microphone's steady 440 Hz tone, without the processing that would take it away.
const AUDIO = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };

async function call() {
  const md = devices();
  const stream = await md.getUserMedia({ video: { width: 640, height: 480 }, audio: AUDIO });
  const a = loopback();
  const b = loopback();
  trickle(a, b);
  for (const t of stream.getTracks()) a.addTrack(t, stream);
  const tracks = [];
  b.ontrack = (e) => tracks.push(e);
  const bothTracks = new Promise((resolve) => {
    b.addEventListener('track', () => tracks.length === 2 && resolve());
  });
  await negotiate(a, b);
  await Promise.all([waitState(a, 'connected'), waitState(b, 'connected'), bothTracks]);
  return { stream, a, b, tracks };
}

test('Node <-> Node: fake camera and microphone arrive as ordinary remote tracks', async (t) => {
  const { stream, a, b, tracks } = await call();
  try {
    // The track events: receiver, transceiver, the remote stream with both tracks.
    assert.deepEqual(tracks.map((e) => e.track.kind).sort(), ['audio', 'video']);
    for (const e of tracks) {
      assert.ok(e instanceof RTCTrackEvent);
      assert.equal(e.isTrusted, true);
      assert.ok(e.track instanceof MediaStreamTrack);
      assert.ok(e.receiver instanceof RTCRtpReceiver);
      assert.ok(e.transceiver instanceof RTCRtpTransceiver);
      assert.equal(e.receiver, e.transceiver.receiver);
      assert.equal(e.track, e.receiver.track);
      assert.equal(e.streams.length, 1);
      assert.equal(e.streams[0].id, stream.id, 'the remote stream has the sender stream id (a=msid)');
    }
    assert.equal(tracks[0].streams[0], tracks[1].streams[0], 'one MediaStream object for one remote stream');
    assert.deepEqual(tracks[0].streams[0].getTracks().map((x) => x.kind).sort(), ['audio', 'video']);
    assert.deepEqual(b.getReceivers().map((r) => r.track).sort(), tracks.map((e) => e.track).sort());
    assert.equal(a.signalingState, 'stable');
    assert.equal(b.signalingState, 'stable');
    // b answers with no track of its own: a sends only, b receives only.
    assert.equal(a.getTransceivers()[0].currentDirection, 'sendonly');
    assert.equal(b.getTransceivers()[0].currentDirection, 'recvonly');
    assert.ok(a.getSenders().every((s) => s instanceof RTCRtpSender && stream.getTracks().includes(s.track)));

    // Video flows: the sender encodes, the receiver gets frames (stats, webrtc-stats names).
    const report = await statsUntil(b, (r) => (statsOf(r, 'inbound-rtp', 'video')?.framesReceived ?? 0) >= 30, 'video framesReceived >= 30');
    assert.ok(report instanceof RTCStatsReport);
    const inbound = statsOf(report, 'inbound-rtp', 'video');
    assert.ok(inbound.bytesReceived > 0);
    assert.equal(report.get(inbound.id), inbound);
    const sent = await a.getStats();
    assert.ok(statsOf(sent, 'outbound-rtp', 'video').framesEncoded > 0);
    assert.ok([...sent.values()].some((s) => s.type === 'candidate-pair'));
    assert.ok([...sent.values()].some((s) => s.type === 'codec' && /VP8|VP9/.test(s.mimeType)));

    // Audio: the remote track carries the fake microphone's 440 Hz tone.
    const audio = tracks.find((e) => e.track.kind === 'audio').track;
    const { samples, sampleRate } = await collectAudio(audio, 1.5);
    const s = strongest(samples.subarray(Math.floor(sampleRate / 2)), sampleRate, [300, 440, 660, 1000, 1500]);
    assert.equal(s.freq, 440, `the tone in remote audio: ${JSON.stringify(s.powers)}`);

    // Remote video frames (decoded by the library's libvpx decoder) carry the fake camera's
    // counter, increasing.
    const video = tracks.find((e) => e.track.kind === 'video').track;
    const counters = [];
    for await (const f of video.frames({ format: 'I420' })) {
      const c = readFrameCounter(f);
      if (c !== null) counters.push(c);
      if (counters.length === 10) break;
    }
    assert.equal(counters.length, 10);
    assert.ok(counters.every((c, i) => i === 0 || c > counters[i - 1]), `frame counters increase: ${counters}`);
    const decoded = statsOf(await b.getStats(), 'inbound-rtp', 'video');
    assert.ok(decoded.framesDecoded > 0);
    assert.equal(decoded.decoderImplementation, 'libvpx');
  } finally {
    a.close();
    b.close();
    for (const x of stream.getTracks()) x.stop();
  }
});

test('close(): the remote side\'s tracks end; the closed side rejects with InvalidStateError', async () => {
  const { stream, a, b, tracks } = await call();
  const ended = tracks.map((e) => waitFor(e.track, 'ended'));
  const own = a.getReceivers().map((r) => r.track);
  a.close();
  assert.equal(a.signalingState, 'closed');
  assert.equal(a.connectionState, 'closed');
  await Promise.all(ended);
  assert.ok(tracks.every((e) => e.track.readyState === 'ended'));
  assert.equal(own.length, 2);
  assert.ok(own.every((t) => t.readyState === 'ended'), 'the closed side\'s receiver tracks end (no event)');
  const err = await rejection(a.createOffer());
  assert.equal(err.name, 'InvalidStateError');
  assert.throws(() => a.addTrack(stream.getTracks()[0]), { name: 'InvalidStateError' });
  b.close();
  for (const x of stream.getTracks()) x.stop();
});

test('malformed and misplaced descriptions are rejected with the spec\'s names', async () => {
  const pc = loopback();
  try {
    let err = await rejection(pc.setRemoteDescription({ type: 'offer', sdp: 'this is not SDP' }));
    assert.ok(err instanceof DOMException);
    assert.equal(err.name, 'OperationError');
    err = await rejection(pc.setRemoteDescription({ type: 'answer', sdp: 'v=0\r\n' }));
    assert.equal(err.name, 'InvalidStateError', 'an answer in stable');
    err = await rejection(pc.setRemoteDescription({ type: 'bogus', sdp: '' }));
    assert.ok(err instanceof TypeError);
    err = await rejection(pc.addIceCandidate({ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' }));
    assert.equal(err.name, 'InvalidStateError', 'a candidate before the remote description');
    err = await rejection(pc.addIceCandidate({ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' }));
    assert.ok(err instanceof TypeError, 'neither sdpMid nor sdpMLineIndex');
    err = await rejection(pc.createAnswer());
    assert.equal(err.name, 'InvalidStateError', 'an answer without a remote offer');
    // SDP that is not what createOffer returned (munging).
    pc.addTransceiver('audio');
    const offer = await pc.createOffer();
    err = await rejection(pc.setLocalDescription({ type: 'offer', sdp: offer.sdp.replace('a=sendrecv', 'a=recvonly') }));
    assert.equal(err.name, 'InvalidModificationError');
    assert.throws(() => new RTCPeerConnection({ iceServers: [{ urls: 'http://example.com' }] }), { name: 'SyntaxError' });
    assert.throws(() => new RTCPeerConnection({ iceServers: [{ urls: 'turn:example.com' }] }), { name: 'InvalidAccessError' });
    assert.throws(() => pc.addTransceiver('text'), TypeError);
  } finally {
    pc.close();
  }
});

test('the API shapes: descriptions, candidates, transceivers, parameters, events', async () => {
  const d = new RTCSessionDescription({ type: 'offer', sdp: 'v=0' });
  assert.deepEqual(d.toJSON(), { type: 'offer', sdp: 'v=0' });
  assert.throws(() => new RTCSessionDescription({}), TypeError);
  const c = new RTCIceCandidate({ candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.3 61665 typ srflx raddr 10.0.0.1 rport 54321', sdpMid: '0', sdpMLineIndex: 0 });
  assert.equal(c.foundation, '842163049');
  assert.equal(c.component, 'rtp');
  assert.equal(c.protocol, 'udp');
  assert.equal(c.priority, 1677729535);
  assert.equal(c.address, '192.0.2.3');
  assert.equal(c.port, 61665);
  assert.equal(c.type, 'srflx');
  assert.equal(c.relatedAddress, '10.0.0.1');
  assert.equal(c.relatedPort, 54321);
  assert.deepEqual(c.toJSON(), { candidate: c.candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null });
  assert.throws(() => new RTCIceCandidate({ candidate: '' }), TypeError);
  assert.ok(RTCRtpSender.getCapabilities('video').codecs.some((x) => x.mimeType === 'video/VP8'));
  assert.ok(RTCRtpReceiver.getCapabilities('audio').codecs.some((x) => x.mimeType === 'audio/opus'));
  assert.equal(RTCRtpSender.getCapabilities('text'), null);

  const md = devices();
  const stream = await md.getUserMedia({ video: { width: 320, height: 240 } });
  const [track] = stream.getVideoTracks();
  const pc = loopback();
  try {
    assert.equal(pc.signalingState, 'stable');
    assert.equal(pc.iceGatheringState, 'new');
    assert.equal(pc.connectionState, 'new');
    const negotiationneeded = waitFor(pc, 'negotiationneeded');
    const sender = pc.addTrack(track, stream);
    await negotiationneeded;
    assert.throws(() => pc.addTrack(track), { name: 'InvalidAccessError' });
    const [tr] = pc.getTransceivers();
    assert.equal(tr.sender, sender);
    assert.equal(pc.getTransceivers()[0], tr, '[SameObject]-like: one object per transceiver');
    assert.equal(tr.direction, 'sendrecv');
    assert.equal(tr.currentDirection, null);
    assert.equal(tr.mid, null);
    tr.direction = 'sendonly';
    assert.equal(tr.direction, 'sendonly');
    tr.direction = 'bogus'; // ignored, as WebIDL ignores an invalid enum value
    assert.equal(tr.direction, 'sendonly');
    assert.equal(tr.receiver.track.kind, 'video');
    assert.equal(tr.receiver.track.muted, true, 'a remote track is muted until media flows');

    const p = sender.getParameters();
    assert.equal(p.encodings.length, 1);
    p.encodings[0].maxBitrate = 300_000;
    p.encodings[0].scaleResolutionDownBy = 2;
    await sender.setParameters(p);
    assert.equal(sender.getParameters().encodings[0].maxBitrate, 300_000);
    let err = await rejection(sender.setParameters({ ...sender.getParameters(), transactionId: 'stale' }));
    assert.equal(err.name, 'InvalidModificationError');

    const vp8 = RTCRtpReceiver.getCapabilities('video').codecs.filter((x) => x.mimeType === 'video/VP8');
    tr.setCodecPreferences(vp8);
    assert.throws(() => tr.setCodecPreferences([{ mimeType: 'video/H265', clockRate: 90000 }]), { name: 'InvalidModificationError' });

    const clone = track.clone();
    await sender.replaceTrack(clone);
    assert.equal(sender.track, clone);
    await sender.replaceTrack(null);
    assert.equal(sender.track, null);
    const [audio] = (await md.getUserMedia({ audio: true })).getTracks();
    err = await rejection(sender.replaceTrack(audio));
    assert.ok(err instanceof TypeError, 'a track of another kind');
    audio.stop();
    clone.stop();

    // The implicit setLocalDescription, the signaling state, gathering and its candidates.
    const candidates = [];
    pc.onicecandidate = (e) => candidates.push(e.candidate);
    const states = [];
    pc.onsignalingstatechange = () => states.push(pc.signalingState);
    const gathered = Promise.all([
      waitFor(pc, 'icecandidate', (e) => e.candidate === null, 'end of candidates'),
      waitFor(pc, 'icegatheringstatechange', () => pc.iceGatheringState === 'complete', 'gathering complete'),
    ]);
    await pc.setLocalDescription();
    assert.deepEqual(states, ['have-local-offer'], 'signalingstatechange fires before the promise resolves');
    assert.equal(pc.localDescription.type, 'offer');
    assert.equal(pc.pendingLocalDescription.sdp, pc.localDescription.sdp);
    assert.equal(pc.currentLocalDescription, null);
    assert.equal(typeof tr.mid, 'string');
    assert.ok(pc.localDescription.sdp.includes(`a=mid:${tr.mid}`));
    await gathered;
    assert.equal(pc.iceGatheringState, 'complete');
    assert.ok(candidates.length >= 2);
    assert.equal(candidates.at(-1), null);
    assert.equal(candidates[0].type, 'host');
    assert.equal(candidates[0].address, '127.0.0.1');
    // Rollback.
    await pc.setLocalDescription({ type: 'rollback' });
    assert.equal(pc.signalingState, 'stable');
    assert.equal(pc.localDescription, null);

    pc.removeTrack(sender);
    assert.equal(sender.track, null);
    const other = loopback();
    assert.throws(() => other.removeTrack(sender), { name: 'InvalidAccessError' });
    other.close();

    const t2 = pc.addTransceiver('audio', { direction: 'recvonly' });
    assert.equal(t2.direction, 'recvonly');
    assert.equal(t2.sender.track, null);
    assert.deepEqual(pc.getReceivers(), pc.getTransceivers().map((x) => x.receiver));
  } finally {
    pc.close();
    track.stop();
  }
});

test('install() makes the WebRTC interfaces globals', () => {
  const g = {};
  mc.install(g);
  for (const name of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate', 'RTCRtpSender', 'RTCRtpReceiver', 'RTCRtpTransceiver', 'RTCTrackEvent', 'RTCPeerConnectionIceEvent', 'RTCStatsReport']) {
    assert.equal(g[name], mc[name], name);
  }
  assert.ok(MediaStream);
});
