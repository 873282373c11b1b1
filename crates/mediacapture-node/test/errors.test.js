'use strict';
// Errors cross from Rust one way: every failing native call throws (or rejects with) the
// library's Error::to_json() text, and one function (errorFrom) makes the error a browser
// raises. One case per kind of call: synchronous, promise, constructor, event, argument check.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const os = require('node:os');
const { mc, devices, rejection } = require('../testlib/helpers');

function assertDOMException(e, name) {
  assert.ok(e instanceof DOMException, `${e} is a DOMException`);
  assert.equal(e.name, name);
  assert.ok(e.message.length > 0, 'with the library message');
}

test('promises: an OverconstrainedError names its constraint; NotFoundError is a DOMException', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const [t] = s.getTracks();
  const e = await rejection(t.applyConstraints({ width: { exact: 99999 } }));
  assert.ok(e instanceof mc.OverconstrainedError);
  assert.ok(e instanceof DOMException);
  assert.equal(e.name, 'OverconstrainedError');
  assert.equal(e.constraint, 'width');
  t.stop();
  const none = mc.createMediaDevices({ fakeProfile: { devices: [] } });
  assertDOMException(await rejection(none.getUserMedia({ video: true })), 'NotFoundError');
  assertDOMException(await rejection(none.getDisplayMedia({ video: true })), 'NotFoundError');
});

test('synchronous calls: state errors of a recorder and the fake hooks', async () => {
  const md = devices();
  const s = await md.getUserMedia({ audio: true });
  const r = new mc.MediaRecorder(s);
  assert.throws(() => r.pause(), (e) => e instanceof DOMException && e.name === 'InvalidStateError');
  assert.throws(() => r.requestData(), (e) => e instanceof DOMException && e.name === 'InvalidStateError');
  assert.throws(() => new mc.MediaRecorder(s, { mimeType: 'video/x-bogus' }), (e) => e instanceof DOMException && e.name === 'NotSupportedError');
  assert.throws(() => mc.fake.removeDevice('no-such-device', md), (e) => e instanceof DOMException && e.name === 'NotFoundError');
  assert.throws(() => mc.fake.addDevice({ kind: 'videoinput', id: 'cam0' }, md), TypeError, 'a raw id in use');
  s.getTracks().forEach((t) => t.stop());
});

test('argument checks made natively are TypeErrors', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const [t] = s.getTracks();
  assert.throws(() => t.frames({ format: 'bogus' }), (e) => e instanceof TypeError && /bogus/.test(e.message));
  assert.throws(() => mc.createMediaDevices({ fakeProfile: { devices: 5 } }), TypeError);
  t.stop();
});

test('canvas: IndexSizeError, RangeError, NotSupportedError and TypeErrors come from the Rust canvas', () => {
  const canvas = mc.createCanvas(8, 8);
  const ctx = canvas.getContext('2d');
  assert.throws(() => ctx.arc(0, 0, -1, 0, 1), (e) => e instanceof DOMException && e.name === 'IndexSizeError');
  assert.throws(() => ctx.getImageData(0, 0, 0, 1), (e) => e instanceof DOMException && e.name === 'IndexSizeError');
  assert.throws(() => ctx.createImageData(0, 5), (e) => e instanceof DOMException && e.name === 'IndexSizeError');
  assert.throws(() => ctx.getImageData(0, 0, 1 << 15, 1 << 14), RangeError);
  assert.throws(() => ctx.fill('bogus'), TypeError);
  assert.throws(() => mc.createCanvas(0, 10), TypeError);
  assert.throws(() => canvas.captureStream(-1), (e) => e instanceof DOMException && e.name === 'NotSupportedError');
  assert.throws(() => canvas.captureStream(NaN), TypeError);
});

test('media files: a missing file is a DOMException', () => {
  const missing = path.join(os.tmpdir(), `mediacapture-missing-${process.pid}.webm`);
  assert.throws(
    () => mc.openMediaFile(missing),
    (e) => e instanceof DOMException && ['NotFoundError', 'NotReadableError'].includes(e.name),
  );
});
