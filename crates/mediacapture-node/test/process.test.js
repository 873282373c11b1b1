'use strict';
// The process exits when nothing is running, and stays while something waits for events.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const pkg = JSON.stringify(path.resolve(__dirname, '..'));
const env = { ...process.env, MEDIACAPTURE_FAKE: '1' };

function run(script, timeout = 8000) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout, env });
  return { ...r, ms: Date.now() - t0 };
}

test('the issue\'s one-liner prints the settings and exits', () => {
  const r = run(`require(${pkg}).install(); navigator.mediaDevices.getUserMedia({video:true}).then(s => console.log(JSON.stringify(s.getVideoTracks()[0].getSettings())))`);
  assert.equal(r.status, 0, r.stderr);
  const settings = JSON.parse(r.stdout);
  assert.equal(settings.width, 640);
  assert.equal(settings.height, 480);
  assert.equal(settings.frameRate, 30);
  assert.ok(r.ms < 5000, `exited after ${r.ms} ms`);
});

test('after every track stopped, a process with listeners exits within a few seconds', () => {
  const r = run(`
    const mc = require(${pkg});
    mc.mediaDevices.getUserMedia({ video: true, audio: true }).then(async (s) => {
      for (const t of s.getTracks()) { t.onended = () => {}; t.onmute = () => {}; }
      mc.mediaDevices.ondevicechange = () => {};
      const it = s.getVideoTracks()[0].frames();
      await it.next();
      const r = new mc.MediaRecorder(s);
      r.start();
      // Record for a while (how long does not matter): the test is that the process exits
      // after everything stops.
      await new Promise((res) => setTimeout(res, 200));
      r.stop();
      s.getTracks().forEach((t) => t.stop());
      console.log('stopped');
    });
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'stopped');
  assert.ok(r.ms < 5000, `exited after ${r.ms} ms`);
});

test('a live track with an ended listener keeps the process alive until it ends', () => {
  const r = run(`
    const mc = require(${pkg});
    mc.mediaDevices.getUserMedia({ video: true }).then((s) => {
      const [t] = s.getTracks();
      t.onended = () => console.log('ended');
      // Nothing else is scheduled: only the listener keeps the process alive.
      setTimeout(() => mc.setPermission('camera', 'denied'), 700).unref();
    });
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ended', 'the process was still there to see the event');
  assert.ok(r.ms >= 700, `exited after ${r.ms} ms`);
  assert.ok(r.ms < 5000, `exited after ${r.ms} ms`);
});

test('a once listener keeps the process alive until its event; an aborted one does not', () => {
  const r = run(`
    const mc = require(${pkg});
    mc.mediaDevices.getUserMedia({ video: true, audio: true }).then((s) => {
      const [a, v] = [s.getAudioTracks()[0], s.getVideoTracks()[0]];
      // The usual way to await an event: a promise around a once listener.
      new Promise((resolve) => v.addEventListener('ended', resolve, { once: true })).then(() => console.log('ended'));
      const aborted = new AbortController();
      a.addEventListener('ended', () => console.log('not this one'), { signal: aborted.signal });
      aborted.abort();
      setTimeout(() => mc.setPermission('camera', 'denied'), 700).unref();
    });
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ended', 'the process was still there to see the event, and then exited');
});

test('a started oscillator with an ended listener keeps the process alive until it ends', () => {
  const r = run(`
    const mc = require(${pkg});
    const ctx = new mc.AudioContext({ sinkId: { type: 'none' } });
    const osc = ctx.createOscillator();
    osc.connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.2);
    new Promise((resolve) => osc.addEventListener('ended', resolve, { once: true }))
      .then(() => ctx.close())
      .then(() => console.log('ended, closed', ctx.state));
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ended, closed closed');
});

test('closing a context releases its nodes\' hold on the process (they never end)', () => {
  const r = run(`
    const mc = require(${pkg});
    const ctx = new mc.AudioContext({ sinkId: { type: 'none' } });
    const osc = ctx.createOscillator();
    osc.onended = () => console.log('not fired: the context closed first');
    osc.connect(ctx.destination);
    osc.start();
    ctx.close().then(() => console.log(ctx.state));
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'closed');
});

test('worker threads have their own mediaDevices and receive their own events', async () => {
  const { Worker } = require('node:worker_threads');
  process.env.MEDIACAPTURE_FAKE = '1';
  const mc = require('..');
  const main = await mc.mediaDevices.getUserMedia({ video: true });
  const mainEvents = [];
  main.getTracks()[0].onended = (e) => mainEvents.push(e.type);
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const mc = require(${pkg});
    mc.mediaDevices.getUserMedia({ video: true }).then((s) => {
      const [t] = s.getTracks();
      t.onended = (e) => parentPort.postMessage({ type: e.type, trusted: e.isTrusted, state: t.readyState });
      mc.setPermission('camera', 'denied');
    });
    `,
    { eval: true, env: { ...process.env, MEDIACAPTURE_FAKE: '1' } },
  );
  const msg = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(msg, { type: 'ended', trusted: true, state: 'ended' });
  await mc.flushEvents();
  assert.deepEqual(mainEvents, [], "the worker's revocation is its own MediaDevices' business");
  assert.equal(main.getTracks()[0].readyState, 'live');
  const ended = new Promise((r) => main.getTracks()[0].addEventListener('ended', r));
  mc.setPermission('camera', 'denied');
  await ended;
  assert.deepEqual(mainEvents, ['ended']);
});

test('MEDIACAPTURE_FAKE=<profile path> pins the devices of the default mediaDevices', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-profile-'));
  const file = path.join(dir, 'profile.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      devices: [
        { kind: 'videoinput', label: 'Pinned Cam', modes: [{ width: 320, height: 240, frameRate: 15 }] },
        { kind: 'audioinput', label: 'Pinned Mic', sampleRate: [16000], channelCount: [1] },
      ],
    }),
  );
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `require(${pkg}).install();
       // Processing off: a processed track runs at the processing rate (48 kHz, as in
       // Chromium), the device's own format is what this test pins.
       const audio = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
       navigator.mediaDevices.getUserMedia({ video: true, audio }).then(async (s) => {
         const list = await navigator.mediaDevices.enumerateDevices();
         console.log(JSON.stringify({
           labels: list.map((d) => d.label),
           video: s.getVideoTracks()[0].getSettings(),
           audio: s.getAudioTracks()[0].getSettings(),
         }));
         s.getTracks().forEach((t) => t.stop());
       });`,
    ],
    { encoding: 'utf8', timeout: 8000, env: { ...process.env, MEDIACAPTURE_FAKE: file } },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.labels, ['Pinned Mic', 'Pinned Cam']);
  assert.equal(out.video.width, 320);
  assert.equal(out.video.frameRate, 15);
  assert.equal(out.audio.sampleRate, 16000);
  assert.equal(out.audio.channelCount, 1);
});
