#!/usr/bin/env node
// How long reading MediaRecorder attributes takes while recorders encode (#13.4): ten
// recorders on one 1280x720 camera stream, recording; every 10 ms the script reads `state`
// and `mimeType` of all ten and times each round. A 5 s timer measures how late the event
// loop runs. Not a test: figures depend on the machine.
//
//   MEDIACAPTURE_FAKE=1 node scripts/recorder-state.js [recorders=10] [seconds=5]
//
// Prints one JSON object: {recorders, rounds, stateMs: {median, p99, max}, mimeTypeMs: {…},
// timerLateMs}.
'use strict';
const path = require('node:path');

process.env.MEDIACAPTURE_FAKE = process.env.MEDIACAPTURE_FAKE || '1';
const mc = require(path.join(__dirname, '..', 'index.js'));

const count = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 5);

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const r = (x) => Math.round(x * 1000) / 1000;
  return { median: r(at(0.5)), p99: r(at(0.99)), max: r(s.at(-1)) };
}

function time(f) {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

(async () => {
  const stream = await mc.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
  const recorders = Array.from({ length: count }, () => new mc.MediaRecorder(stream));
  let chunks = 0;
  const started = recorders.map(
    (r) =>
      new Promise((resolve) => {
        r.onstart = resolve;
        r.ondataavailable = () => chunks++;
      }),
  );
  for (const r of recorders) r.start(1000);
  await Promise.all(started);
  const stateMs = [];
  const mimeMs = [];
  const t0 = Date.now();
  const timerLateMs = await new Promise((resolve) => {
    const due = Date.now() + seconds * 1000;
    const sampler = setInterval(() => {
      stateMs.push(time(() => recorders.forEach((r) => r.state)));
      mimeMs.push(time(() => recorders.forEach((r) => r.mimeType)));
    }, 10);
    setTimeout(() => {
      clearInterval(sampler);
      resolve(Date.now() - due);
    }, seconds * 1000);
  });
  const elapsed = Date.now() - t0;
  const stopped = recorders.map((r) => new Promise((resolve) => (r.onstop = resolve)));
  for (const r of recorders) r.stop();
  await Promise.all(stopped);
  stream.getTracks().forEach((t) => t.stop());
  console.log(
    JSON.stringify({
      recorders: count,
      seconds,
      elapsedMs: elapsed,
      rounds: stateMs.length,
      chunks,
      stateMs: stats(stateMs),
      mimeTypeMs: stats(mimeMs),
      timerLateMs,
    }),
  );
})();
