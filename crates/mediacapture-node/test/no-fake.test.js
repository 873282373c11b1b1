'use strict';
// Fake devices only when asked for: without MEDIACAPTURE_FAKE (or a fakeProfile), a machine
// without a camera rejects getUserMedia({video: true}) with NotFoundError, as a browser does.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const pkg = JSON.stringify(path.resolve(__dirname, '..'));

function hasCamera() {
  try {
    return fs.readdirSync('/dev').some((n) => /^video\d+$/.test(n));
  } catch {
    return false;
  }
}

test('without MEDIACAPTURE_FAKE and without a camera, getUserMedia({video}) is a NotFoundError', { skip: hasCamera() && 'this machine has a camera' }, () => {
  const env = { ...process.env };
  delete env.MEDIACAPTURE_FAKE;
  const r = spawnSync(process.execPath, ['-e', `
    require(${pkg}).install();
    navigator.mediaDevices.getUserMedia({ video: true }).then(
      (s) => { console.log(JSON.stringify({ ok: s.getVideoTracks()[0].label })); s.getTracks().forEach((t) => t.stop()); },
      (e) => console.log(JSON.stringify({ name: e.name, isDOMException: e instanceof DOMException })),
    );
  `], { encoding: 'utf8', env, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { name: 'NotFoundError', isDOMException: true });
});

test('MEDIACAPTURE_FAKE=1 opts into fake devices', () => {
  const r = spawnSync(process.execPath, ['-e', `
    require(${pkg}).install();
    navigator.mediaDevices.getUserMedia({ video: true }).then((s) => {
      console.log(s.getVideoTracks()[0].label);
      s.getTracks().forEach((t) => t.stop());
    });
  `], { encoding: 'utf8', env: { ...process.env, MEDIACAPTURE_FAKE: '1' }, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'Fake Camera');
});
