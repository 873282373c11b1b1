'use strict';
// Node (this package's addon, fake devices): getUserMedia -> first requestVideoFrameCallback
// on an HTMLVideoElement, RUNS times, each run opening the camera afresh, as page.html does
// in Chromium. Prints {"times": [ms, ...]}.
const path = require('node:path');
const mc = require(path.resolve(__dirname, '../../crates/mediacapture-node/index.js'));

mc.install();
const runs = Number(process.argv[2] || 10);

(async () => {
  const video = new mc.HTMLVideoElement();
  video.muted = true;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const stream = await navigator.mediaDevices.getUserMedia(
      { video: { width: 640, height: 480, frameRate: 30 } });
    video.srcObject = stream;
    const first = new Promise((resolve) => video.requestVideoFrameCallback(resolve));
    video.play();
    await first;
    times.push(performance.now() - t0);
    stream.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
  }
  console.log(JSON.stringify({ times }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
