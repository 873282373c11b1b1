'use strict';
// The README examples, run UNCHANGED: every ```js block after an `<!-- example: NAME … -->`
// line in the root README and in this package's README is run as an ES module from the
// repository root (where its `import … from './crates/mediacapture-node/index.js'` points),
// on fake devices, and what it prints is checked. An example that stops working, or a README
// that drifts from the other, fails here.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const url = require('node:url');

const root = path.resolve(__dirname, '..', '..', '..');
const readmes = [path.join(root, 'README.md'), path.join(__dirname, '..', 'README.md')];

/** `{name: code}` of the marked examples of one README. */
function examples(file) {
  const text = fs.readFileSync(file, 'utf8');
  const out = {};
  const re = /<!-- example: ([\w-]+)[^>]*-->\s*```js\n([\s\S]*?)\n```/g;
  for (const m of text.matchAll(re)) out[m[1]] = m[2];
  return out;
}

/** Modules preloaded (`node --import`) for an example: what it takes as given. */
const preloads = {
  // `signalling`, the channel to a peer (here a second connection in the same process).
  'webrtc-send-short': path.join(__dirname, 'fixtures', 'signalling.mjs'),
};

/** Runs `code` as an ES module from the repository root; resolves with its stdout. */
function run(code, preload) {
  const pre = preload ? ['--import', url.pathToFileURL(preload).href] : [];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...pre, '--input-type=module', '-e', code],
      { cwd: root, env: { ...process.env, MEDIACAPTURE_FAKE: '1' }, timeout: 60000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** What each example must print (the process also has to exit by itself). */
const checks = {
  'still-photo': (out) => {
    // The fake camera is 640x480: the photo is 320 wide, 240 high, a PNG.
    assert.match(out, /^photo: 320x240, data:image\/png;base64,…$/m);
    const size = Number(/^blob: image\/png, (\d+) bytes$/m.exec(out)?.[1]);
    assert.ok(size > 1000, out);
  },
  'web-audio': (out) => {
    // The fake microphone's 440 Hz tone (not its short 880 Hz beep), within one analyser
    // bin (48000 / 2048 Hz).
    const hz = Number(/^microphone: mostly (\d+) Hz$/m.exec(out)?.[1]);
    assert.ok(Math.abs(hz - 440) <= 48000 / 2048, out);
    const bytes = Number(/^recorded: audio\/webm(;codecs=opus)?, (\d+) bytes$/m.exec(out)?.[2]);
    assert.ok(bytes > 1000, out);
  },
  'webrtc-send-short': (out) => {
    // The peer behind `signalling` gets both tracks, and both flow (it exits then).
    assert.match(out, /^peer: video flowing$/m);
    assert.match(out, /^peer: audio flowing$/m);
  },
  'webrtc-send': (out) => {
    // Both tracks arrive in the sender's stream, and both flow (each unmutes once decoded,
    // in either order).
    assert.match(out, /^peer: video track, stream matches$/m);
    assert.match(out, /^peer: audio track, stream matches$/m);
    assert.match(out, /^peer: video flowing$/m);
    assert.match(out, /^peer: audio flowing$/m);
  },
};

test('both READMEs carry the same examples', () => {
  const [a, b] = readmes.map(examples);
  assert.deepEqual(Object.keys(a).sort(), Object.keys(checks).sort());
  assert.deepEqual(a, b);
});

for (const [name, code] of Object.entries(examples(readmes[0]))) {
  test(`README example "${name}" runs unchanged`, async () => {
    const out = await run(code, preloads[name]);
    assert.ok(checks[name], `no check for ${name}`);
    checks[name](out);
  });
}

test('the README\'s Rust WebRTC example is the compiled example\'s code', () => {
  // cargo builds crates/mediacapture-webrtc/examples/send_camera.rs with the crate's tests.
  const text = fs.readFileSync(readmes[0], 'utf8');
  const m = /<!-- rust-example: send_camera[^>]*-->\s*```rust\n([\s\S]*?)\n```/.exec(text);
  assert.ok(m, 'the README has the example');
  const src = fs.readFileSync(path.join(root, 'crates', 'mediacapture-webrtc', 'examples', 'send_camera.rs'), 'utf8');
  const body = /\/\/ README begin\n([\s\S]*?)\n\s*\/\/ README end/.exec(src)?.[1];
  assert.ok(body, 'the example marks the README lines');
  const lines = (s) => s.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  assert.deepEqual(lines(m[1]), lines(body));
});
