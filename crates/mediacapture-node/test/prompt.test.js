'use strict';
// setPromptHandler(): a "prompt" permission asks a JavaScript handler, as a browser asks its
// user (crates/mediacapture/src/devices.rs, getUserMedia step 8, and getDisplayMedia).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { mc, CAMERA, MIC, SCREEN, devices, rejection, nextEvent, sleep } = require('../testlib/helpers');

const pkg = JSON.stringify(path.resolve(__dirname, '..'));

function assertNotAllowed(e) {
  assert.ok(e instanceof DOMException, `${e} is a DOMException`);
  assert.equal(e.name, 'NotAllowedError');
}

function stopAll(stream) {
  stream.getTracks().forEach((t) => t.stop());
}

/** Installs `handler` for one test, recording every request it is asked. */
function prompting(t, answer) {
  const asked = [];
  mc.setPromptHandler((request) => {
    asked.push(request);
    return answer(request);
  });
  t.after(() => mc.setPromptHandler(null));
  return asked;
}

test('a granting handler: getUserMedia resolves, the grant is remembered, the request is right', async (t) => {
  const md = devices();
  mc.setPermission('camera', 'prompt', md);
  const asked = prompting(t, () => true);
  const s = await md.getUserMedia({ video: true });
  assert.equal(s.getVideoTracks()[0].label, CAMERA.label);
  assert.deepEqual(asked, [{ name: 'camera', origin: 'https://test.example', devices: [CAMERA.label] }]);
  assert.equal(mc.getPermission('camera', md), 'granted');
  stopAll(s);
  stopAll(await md.getUserMedia({ video: true }));
  assert.equal(asked.length, 1, 'a granted camera is not asked again');
  // "granted" is a yes too.
  mc.setPermission('microphone', 'prompt', md);
  mc.setPromptHandler(() => 'granted');
  stopAll(await md.getUserMedia({ audio: true }));
  assert.equal(mc.getPermission('microphone', md), 'granted');
});

test('a granted prompt fires change on navigator.permissions statuses', async (t) => {
  const g = {};
  mc.install(g);
  mc.setPermission('camera', 'prompt');
  t.after(() => mc.setPermission('camera', 'granted'));
  const status = await g.navigator.permissions.query({ name: 'camera' });
  assert.equal(status.state, 'prompt');
  prompting(t, () => true);
  const changed = nextEvent(status, 'change', 10000);
  stopAll(await mc.mediaDevices.getUserMedia({ video: true }));
  const e = await changed;
  assert.ok(e.isTrusted);
  assert.equal(status.state, 'granted');
});

test('a refusing handler: NotAllowedError, the permission stays "prompt"', async (t) => {
  const md = devices();
  mc.setPermission('camera', 'prompt', md);
  const answers = [false, 'denied', undefined, null, 1, 'yes', 'GRANTED', {}, [true]];
  let i = 0;
  const asked = prompting(t, () => answers[i++]);
  for (const a of answers) {
    const e = await rejection(md.getUserMedia({ video: true }));
    assertNotAllowed(e);
    assert.equal(mc.getPermission('camera', md), 'prompt', `after answering ${JSON.stringify(a)}`);
  }
  assert.equal(asked.length, answers.length, 'asked once per call');
});

test('an async handler: its promise answers, and the JavaScript thread never waits', async (t) => {
  const md = devices();
  mc.setPermission('camera', 'prompt', md);
  mc.setPermission('microphone', 'prompt', md);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  t.after(() => clearInterval(ticker));
  prompting(t, async (request) => {
    const before = ticks;
    // The user thinks it over while timers keep running.
    while (ticks < before + 3) await sleep(10);
    return request.name === 'camera' ? 'granted' : false;
  });
  stopAll(await md.getUserMedia({ video: true }));
  assert.equal(mc.getPermission('camera', md), 'granted');
  assertNotAllowed(await rejection(md.getUserMedia({ audio: true })));
  assert.equal(mc.getPermission('microphone', md), 'prompt');
  // A rejected promise refuses.
  mc.setPromptHandler(() => Promise.reject(new Error('dismissed')));
  assertNotAllowed(await rejection(md.getUserMedia({ audio: true })));
});

test('a throwing handler refuses (NotAllowedError) and raises no uncaught exception', async (t) => {
  const md = devices();
  mc.setPermission('microphone', 'prompt', md);
  const uncaught = [];
  const onUncaught = (e) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  t.after(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });
  prompting(t, () => {
    throw new Error('the prompt window crashed');
  });
  assertNotAllowed(await rejection(md.getUserMedia({ audio: true })));
  // A check that something does NOT happen: no event or clock can show an absence, so this
  // waits a little; it can only pass wrongly, never fail wrongly, on a slow machine.
  await sleep(50);
  assert.deepEqual(uncaught, []);
  assert.equal(mc.getPermission('microphone', md), 'prompt');
});

test('no handler, or a removed one: prompts are refused without asking', async (t) => {
  const md = devices();
  mc.setPermission('camera', 'prompt', md);
  assertNotAllowed(await rejection(md.getUserMedia({ video: true })));
  const asked = prompting(t, () => true);
  mc.setPromptHandler(null);
  assertNotAllowed(await rejection(md.getUserMedia({ video: true })));
  mc.setPromptHandler(undefined);
  assertNotAllowed(await rejection(md.getUserMedia({ video: true })));
  assert.deepEqual(asked, []);
  assert.equal(mc.getPermission('camera', md), 'prompt');
  // "granted" and "denied" permissions never ask.
  mc.setPromptHandler(() => {
    asked.push('asked');
    return true;
  });
  mc.setPermission('camera', 'granted', md);
  stopAll(await md.getUserMedia({ video: true }));
  mc.setPermission('camera', 'denied', md);
  assertNotAllowed(await rejection(md.getUserMedia({ video: true })));
  assert.deepEqual(asked, []);
});

test('setPromptHandler validates its argument', () => {
  for (const bad of [true, 'yes', 5, {}]) {
    assert.throws(() => mc.setPromptHandler(bad), TypeError, String(bad));
  }
});

test('display-capture asks on every getDisplayMedia and never stores the grant', async (t) => {
  const md = devices();
  mc.setPermission('display-capture', 'prompt', md);
  let first = true;
  const asked = prompting(t, () => {
    const yes = first;
    first = false;
    return yes;
  });
  const s = await md.getDisplayMedia();
  assert.equal(s.getVideoTracks()[0].label, SCREEN.label);
  stopAll(s);
  assert.equal(mc.getPermission('display-capture', md), 'prompt');
  assertNotAllowed(await rejection(md.getDisplayMedia()));
  assert.deepEqual(asked, [
    { name: 'display-capture', origin: 'https://test.example', devices: [SCREEN.label] },
    { name: 'display-capture', origin: 'https://test.example', devices: [SCREEN.label] },
  ]);
});

test('audio and video ask once per kind; a refused kind fails the call, a granted one stays', async (t) => {
  const md = devices();
  mc.setPermission('camera', 'prompt', md);
  mc.setPermission('microphone', 'prompt', md);
  // The kinds are asked in the spec's order (audio, then video); a refusal ends the call.
  const asked = prompting(t, (r) => r.name === 'microphone');
  assertNotAllowed(await rejection(md.getUserMedia({ audio: true, video: true })));
  assert.deepEqual(
    asked.map((r) => r.name),
    ['microphone', 'camera'],
  );
  assert.equal(mc.getPermission('microphone', md), 'granted');
  assert.equal(mc.getPermission('camera', md), 'prompt');

  const md2 = devices();
  mc.setPermission('camera', 'prompt', md2);
  mc.setPermission('microphone', 'prompt', md2);
  asked.length = 0;
  mc.setPromptHandler((r) => {
    asked.push(r);
    return true;
  });
  const s = await md2.getUserMedia({ audio: true, video: true });
  assert.equal(s.getTracks().length, 2);
  stopAll(s);
  assert.deepEqual(
    asked.map((r) => [r.name, r.devices]).sort(),
    [
      ['camera', [CAMERA.label]],
      ['microphone', [MIC.label]],
    ],
  );
  stopAll(await md2.getUserMedia({ audio: true, video: true }));
  assert.equal(asked.length, 2, 'both grants are remembered');
});

test('concurrent prompts are answered independently, in any order', async (t) => {
  const origins = ['https://a.example', 'https://b.example', 'https://c.example'];
  const mds = origins.map((o) => devices(undefined, o));
  for (const md of mds) mc.setPermission('camera', 'prompt', md);
  const answers = new Map(); // origin -> resolve
  prompting(t, (r) => new Promise((resolve) => answers.set(r.origin, resolve)));
  const calls = mds.map((md) => md.getUserMedia({ video: true }).then(stopAll, (e) => e));
  const deadline = Date.now() + 10000;
  while (answers.size < mds.length && Date.now() < deadline) await sleep(10);
  assert.equal(answers.size, mds.length, 'every call is asking');
  // Answer the last first: yes, no, yes.
  answers.get(origins[2])(true);
  answers.get(origins[1])(false);
  answers.get(origins[0])('granted');
  const results = await Promise.all(calls);
  assert.equal(results[0], undefined);
  assertNotAllowed(results[1]);
  assert.equal(results[2], undefined);
  assert.deepEqual(
    mds.map((md) => mc.getPermission('camera', md)),
    ['granted', 'prompt', 'granted'],
  );
});

function run(script, timeout = 10000) {
  return spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, MEDIACAPTURE_FAKE: '1' },
  });
}

test('an installed handler alone does not keep the process alive; a pending prompt does', () => {
  const idle = run(`
    const mc = require(${pkg});
    mc.setPromptHandler(() => true);
    console.log('set');
  `);
  assert.equal(idle.status, 0, idle.stderr);
  assert.equal(idle.stdout.trim(), 'set');
  assert.equal(idle.signal, null, 'exited by itself');

  // The handler answers from a promise nothing else keeps alive: the pending getUserMedia
  // keeps the process up until the answer, and the process exits after it.
  const pending = run(`
    const mc = require(${pkg});
    mc.setPermission('camera', 'prompt');
    let answer;
    mc.setPromptHandler(() => new Promise((r) => (answer = r)));
    mc.mediaDevices.getUserMedia({ video: true }).then((s) => {
      console.log('granted', mc.getPermission('camera'));
      s.getTracks().forEach((t) => t.stop());
    });
    const timer = setInterval(() => {
      if (answer) {
        clearInterval(timer);
        answer(true);
      }
    }, 10);
  `);
  assert.equal(pending.status, 0, pending.stderr);
  assert.equal(pending.stdout.trim(), 'granted granted');
  assert.equal(pending.signal, null, 'exited by itself');
});

/** `p`, or null when it has not settled within `ms` (the timer is cleared either way). */
async function within(p, ms) {
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms, null)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// More unanswered prompts than libuv's pool has threads (default 4).
const manyPrompts = (Number(process.env.UV_THREADPOOL_SIZE) || 4) + 2;

test('unanswered prompts do not hold up the thread pool (the handler may use it)', async (t) => {
  const answers = [];
  prompting(t, async () => {
    // A handler that reads a file or enumerates devices needs the pool while others wait.
    await require('node:fs/promises').readFile(__filename);
    return new Promise((resolve) => answers.push(resolve));
  });
  const mds = Array.from({ length: manyPrompts }, () => devices());
  const calls = mds.map((md) => {
    mc.setPermission('camera', 'prompt', md);
    return md.getUserMedia({ video: true });
  });
  const deadline = Date.now() + 10000;
  while (answers.length < manyPrompts && Date.now() < deadline) await sleep(10);
  assert.equal(answers.length, manyPrompts, 'every call is asking at once');
  const listed = await within(devices().enumerateDevices(), 10000);
  assert.ok(Array.isArray(listed), 'enumerateDevices ran on the thread pool');
  for (const answer of answers) answer(true);
  for (const s of await Promise.all(calls)) stopAll(s);
});

test('a worker terminated while its prompts are unanswered goes away', async () => {
  const { Worker } = require('node:worker_threads');
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const mc = require(${pkg});
    let asked = 0;
    mc.setPromptHandler(() => {
      if (++asked === ${manyPrompts}) parentPort.postMessage('all asking');
      return new Promise(() => {}); // never answered
    });
    for (let i = 0; i < ${manyPrompts}; i++) {
      const md = mc.createMediaDevices();
      mc.setPermission('camera', 'prompt', md);
      md.getUserMedia({ video: true }).catch(() => {});
    }
    `,
    { eval: true, env: { ...process.env, MEDIACAPTURE_FAKE: '1' } },
  );
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const exitCode = await within(worker.terminate(), 10000);
  assert.equal(exitCode, 1, 'terminate() resolved with the exit code of a terminated worker');
  // The main environment goes on: its own prompts still work.
  const md = devices();
  mc.setPermission('camera', 'prompt', md);
  mc.setPromptHandler(() => true);
  try {
    stopAll(await md.getUserMedia({ video: true }));
  } finally {
    mc.setPromptHandler(null);
  }
});
