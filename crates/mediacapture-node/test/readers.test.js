'use strict';
// Frame readers are pushed from Rust: waiting readers occupy no libuv pool thread (fs goes on),
// they end when their track ends, the newest frames win when a reader is behind, and a reader
// never keeps the process alive after its track ended or it was closed.
const test = require('node:test');
const assert = require('node:assert/strict');
const asyncHooks = require('node:async_hooks');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { mc, devices } = require('../testlib/helpers');

// What the test itself causes while readers wait: promises, the fs read, and the timer that
// keeps the process alive while a read is pending. Work queued on libuv's pool by the addon
// (napi async work) would show up as another resource type.
const EXPECTED = new Set(['PROMISE', 'FSREQPROMISE', 'FILEHANDLE', 'FILEHANDLECLOSEREQ', 'Timeout', 'TickObject', 'Immediate']);

test('six readers waiting for frames queue nothing on the thread pool: fs.readFile completes while they wait; they end with their track', async () => {
  // A canvas track delivers nothing until the canvas is drawn: its readers wait.
  const canvas = mc.createCanvas(16, 16);
  const [track] = canvas.captureStream().getVideoTracks();
  const readers = Array.from({ length: 6 }, () => track.frames());
  const types = new Map();
  const hook = asyncHooks.createHook({
    init(id, type) {
      types.set(type, (types.get(type) ?? 0) + 1);
    },
  });
  hook.enable();
  let pending;
  try {
    pending = readers.map((r) => r.next());
    let settled = 0;
    for (const p of pending) p.then(() => settled++);
    const text = await fs.promises.readFile(__filename, 'utf8');
    assert.ok(text.includes('six readers'));
    assert.equal(settled, 0, 'the readers are still waiting');
  } finally {
    hook.disable();
  }
  const unexpected = [...types.keys()].filter((t) => !EXPECTED.has(t));
  assert.deepEqual(unexpected, [], `resources created while readers wait: ${JSON.stringify([...types])}`);
  // Drawing gives each reader its frame.
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'red';
  ctx.fillRect(0, 0, 16, 16);
  for (const { value, done } of await Promise.all(pending)) {
    assert.equal(done, false);
    assert.equal(value.width, 16);
  }
  // Waiting again; the track ends: every reader ends.
  const ends = readers.map((r) => r.next());
  track.stop();
  for (const r of await Promise.all(ends)) assert.deepEqual(r, { value: undefined, done: true });
  for (const r of await Promise.all(readers.map((r) => r.next()))) assert.equal(r.done, true, 'ended for good');
});

test('a reader ends when its track ends by itself (the device is unplugged), after the frames already captured', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const [t] = s.getTracks();
  const it = t.frames();
  const first = await it.next();
  assert.equal(first.done, false);
  // A handler (not a `once` listener) keeps the process alive until the event comes.
  const ended = new Promise((resolve) => (t.onended = resolve));
  mc.fake.removeDevice('cam0', md);
  await ended;
  let r = await it.next();
  let n = 0;
  while (!r.done) {
    n++;
    r = await it.next();
  }
  assert.ok(n <= 3, `${n} frames after the end: at most what the stream holds`);
  assert.equal(r.done, true);
});

test('a reader that is behind gets the newest frames and counts the ones dropped', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 320, height: 240 } });
  const [t] = s.getTracks();
  const slow = t.frames({ capacity: 1 });
  const fast = t.frames();
  try {
    await slow.next();
    assert.equal(slow.dropped, 0);
    // While the slow reader does not ask, the fast one reads ten frames.
    let last;
    for (let i = 0; i < 10; i++) last = (await fast.next()).value;
    const { value } = await slow.next();
    // Every frame the fast reader got was offered to the slow one first (it was attached
    // first): with room for one frame, the slow one gets the newest, not the oldest.
    assert.ok(value.timestamp >= last.timestamp, `slow got ${value.timestamp}, fast saw ${last.timestamp}`);
    assert.ok(slow.dropped >= 8, `${slow.dropped} dropped`);
  } finally {
    await slow.return();
    await fast.return();
    t.stop();
  }
});

test('an audio reader reads blocks of its capacity and ends on stop', async () => {
  const md = devices();
  const s = await md.getUserMedia({ audio: true });
  const [t] = s.getTracks();
  const it = t.frames({ capacity: 4 });
  const { value } = await it.next();
  assert.equal(value.format, 'f32');
  const end = it.next().then(async (r) => {
    while (!r.done) r = await it.next();
    return r;
  });
  t.stop();
  assert.equal((await end).done, true);
  assert.equal(typeof it.dropped, 'number');
});

const pkg = JSON.stringify(path.resolve(__dirname, '..'));

function run(script) {
  // The timeout only fires when the process fails to exit (a reader keeping it alive).
  return spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, MEDIACAPTURE_FAKE: '1' },
  });
}

test('a reader waiting when its track ends does not keep the process alive', () => {
  const r = run(`
    const mc = require(${pkg});
    mc.mediaDevices.getUserMedia({ video: true }).then(async (s) => {
      const [t] = s.getTracks();
      const it = t.frames();
      await it.next();
      const waiting = it.next();
      t.stop();
      while (!(await waiting).done);
      console.log('ended');
      // Nothing else: the process must exit now.
    });
  `);
  assert.equal(r.signal, null, 'the process had to be killed');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ended');
});

test('a closed reader of a live track does not keep the process alive', () => {
  const r = run(`
    const mc = require(${pkg});
    const canvas = mc.createCanvas(8, 8);
    const [t] = canvas.captureStream().getVideoTracks();
    const it = t.frames();
    const waiting = it.next(); // nothing is ever drawn: this read waits...
    it.return().then(() => waiting).then((r) => console.log('closed', r.done)); // ...until closed
  `);
  assert.equal(r.signal, null, 'the process had to be killed');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'closed true');
});

test('a pending read keeps the process alive until its frame comes', () => {
  const r = run(`
    const mc = require(${pkg});
    const canvas = mc.createCanvas(8, 8);
    const [t] = canvas.captureStream().getVideoTracks();
    t.frames().next().then(({ value }) => { console.log('frame', value.width); t.stop(); });
    // The frame is drawn from a timer that does not keep the process alive: only the
    // pending read does.
    setTimeout(() => canvas.getContext('2d').fillRect(0, 0, 8, 8), 50).unref();
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'frame 8');
});
