// The Node peer of the interop tests, on @roamhq/wrtc (libwebrtc): it sends a moving picture
// (a white bar sweeping a grey 640x480 frame, 30 fps) and beeps (880 Hz, 200 ms of every
// 500 ms), and counts the frames it decodes of ours. Usage: node wrtc-peer.mjs BASE_URL
import wrtc from "@roamhq/wrtc";
import { runPeer } from "./peer.js";

const { RTCPeerConnection, MediaStream, nonstandard } = wrtc;
const base = process.argv[2];
const W = 640;
const H = 480;
const timers = [];
const sinks = [];
const received = { videoFrames: 0, width: 0, height: 0, audioFrames: 0 };

function localTracks() {
  const video = new nonstandard.RTCVideoSource();
  let n = 0;
  timers.push(
    setInterval(() => {
      const data = new Uint8ClampedArray((W * H * 3) / 2);
      data.fill(128);
      data.fill(80, 0, W * H);
      const x0 = (n * 8) % W;
      for (let y = 0; y < H; y++) {
        data.fill(235, y * W + x0, y * W + Math.min(W, x0 + 40));
      }
      n++;
      video.onFrame({ width: W, height: H, data });
    }, 33),
  );
  const audio = new nonstandard.RTCAudioSource();
  let t = 0;
  timers.push(
    setInterval(() => {
      const samples = new Int16Array(480);
      for (let i = 0; i < 480; i++, t++) {
        const inPeriod = t % 24000;
        samples[i] = inPeriod < 9600 ? Math.round(12000 * Math.sin((2 * Math.PI * 880 * t) / 48000)) : 0;
      }
      audio.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
    }, 10),
  );
  return [video.createTrack(), audio.createTrack()];
}

function onTrack(track) {
  if (track.kind === "video") {
    const sink = new nonstandard.RTCVideoSink(track);
    sink.onframe = ({ frame }) => {
      received.videoFrames++;
      received.width = frame.width;
      received.height = frame.height;
    };
    sinks.push(sink);
  } else {
    const sink = new nonstandard.RTCAudioSink(track);
    sink.ondata = (d) => {
      received.audioFrames += d.numberOfFrames;
    };
    sinks.push(sink);
  }
}

function onClose() {
  for (const t of timers) clearInterval(t);
  for (const s of sinks) s.stop();
  setTimeout(() => process.exit(0), 100);
}

runPeer(base, {
  RTCPeerConnection,
  MediaStream,
  localTracks: async () => localTracks(),
  onTrack,
  onClose,
  received: () => ({ ...received }),
}).catch(async (e) => {
  await fetch(base + "/send", {
    method: "POST",
    body: JSON.stringify({ type: "error", text: `wrtc peer: ${e && e.name}: ${e && e.message}` }),
  });
  process.exit(1);
});
