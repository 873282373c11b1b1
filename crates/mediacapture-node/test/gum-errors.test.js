'use strict';
// Every getUserMedia / getDisplayMedia error path with its class and name, in the spec's
// order, as crates/mediacapture/tests/gum_errors.rs and display.rs, from JS.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, CAMERA, MIC, SCREEN, devices, rejection, alreadyRejected } = require('../testlib/helpers');

function assertDOMException(e, name) {
  assert.ok(e instanceof DOMException, `${e} is a DOMException`);
  assert.equal(e.name, name);
}

test('nothing requested: TypeError, already rejected (synchronous step)', async () => {
  const md = devices();
  for (const c of [undefined, null, {}, { video: false }, { audio: false, video: false }, { doesnotexist: true }, { video: 0, audio: '' }]) {
    const p = md.getUserMedia(c);
    assert.equal(await alreadyRejected(p), true, JSON.stringify(c));
    const e = await rejection(p);
    assert.ok(e instanceof TypeError, `${JSON.stringify(c)}: ${e}`);
    assert.ok(!(e instanceof DOMException));
  }
  const e = await rejection(md.getUserMedia());
  assert.ok(e instanceof TypeError);
});

test('WebIDL conversion: wrong types are TypeErrors naming the member; unknown members ignored', async () => {
  const md = devices();
  let e = await rejection(md.getUserMedia({ video: { advanced: 5 } }));
  assert.ok(e instanceof TypeError);
  assert.match(e.message, /advanced/);
  e = await rejection(md.getUserMedia({ video: { frameRate: NaN } }));
  assert.ok(e instanceof TypeError, 'a non-finite double is a TypeError');
  assert.match(e.message, /frameRate/);
  e = await rejection(md.getUserMedia({ video: { facingMode: { exact: 'sideways' } } }));
  // facingMode is a DOMString constraint, not an enum: an unknown value just finds no device.
  assert.equal(e.name, 'OverconstrainedError');
  e = await rejection(md.getUserMedia(5));
  assert.ok(e instanceof TypeError, 'a number is not a dictionary');
  // [Clamp] unsigned long: "wide" converts (NaN -> 0) without error, as in a browser.
  const s = await md.getUserMedia({ video: { width: 'wide', unknownMember: { exact: 1 } } });
  assert.equal(s.getVideoTracks().length, 1);
  // Members are read with [[Get]]: inherited and getter members count.
  const proto = { video: true };
  const s2 = await md.getUserMedia(Object.create(proto));
  assert.equal(s2.getVideoTracks().length, 1);
  const s3 = await md.getUserMedia({
    get audio() {
      return true;
    },
  });
  assert.equal(s3.getAudioTracks().length, 1);
  // A throwing getter rejects with its exception.
  const boom = new Error('boom');
  e = await rejection(
    md.getUserMedia({
      get video() {
        throw boom;
      },
    }),
  );
  assert.equal(e, boom);
  for (const st of [s, s2, s3]) st.getTracks().forEach((t) => t.stop());
});

test('NotFoundError when no device of the kind, even before a disallowed required constraint', async () => {
  const md = devices([MIC]);
  assertDOMException(await rejection(md.getUserMedia({ video: true })), 'NotFoundError');
  assertDOMException(await rejection(md.getUserMedia({ video: { backgroundBlur: { exact: true } } })), 'NotFoundError');
});

test('a required constraint not allowed for device selection is a TypeError', async () => {
  const md = devices();
  const e = await rejection(md.getUserMedia({ video: { backgroundBlur: { exact: true } } }));
  assert.ok(e instanceof TypeError);
  const s = await md.getUserMedia({ video: { backgroundBlur: true } });
  s.getTracks().forEach((t) => t.stop());
});

test('constraints for the other kind are ignored, even required ones', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { sampleRate: { exact: 1 } } });
  assert.equal(s.getVideoTracks().length, 1);
  s.getTracks().forEach((t) => t.stop());
});

test('OverconstrainedError: a DOMException subclass, constraint hidden until device info can be exposed', async () => {
  const md = devices();
  let e = await rejection(md.getUserMedia({ video: { width: { min: 4000 } } }));
  assert.ok(e instanceof mc.OverconstrainedError);
  assert.ok(e instanceof DOMException);
  assert.equal(e.name, 'OverconstrainedError');
  assert.equal(e.code, 0);
  assert.equal(e.constraint, '', 'hidden before exposure');
  const s = await md.getUserMedia({ video: true });
  e = await rejection(md.getUserMedia({ video: { width: { min: 4000 } } }));
  assert.equal(e.constraint, 'width');
  e = await rejection(md.getUserMedia({ video: { deviceId: { exact: 'nope' } } }));
  assert.equal(e.constraint, 'deviceId');
  e = await rejection(md.getUserMedia({ audio: { sampleRate: { exact: 8000 } } }));
  assert.equal(e.constraint, 'sampleRate');
  s.getTracks().forEach((t) => t.stop());
});

test('denied permission: NotAllowedError, also in place of NotFound and Overconstrained', async () => {
  const md = devices();
  mc.setPermission('camera', 'denied', md);
  assert.equal(mc.getPermission('camera', md), 'denied');
  assertDOMException(await rejection(md.getUserMedia({ video: true })), 'NotAllowedError');
  assertDOMException(await rejection(md.getUserMedia({ video: { width: { exact: 12345 } } })), 'NotAllowedError');
  assertDOMException(await rejection(md.getUserMedia({ audio: true, video: true })), 'NotAllowedError');
  const s = await md.getUserMedia({ audio: true });
  s.getTracks().forEach((t) => t.stop());

  const micOnly = devices([MIC]);
  mc.setPermission('camera', 'denied', micOnly);
  assertDOMException(await rejection(micOnly.getUserMedia({ video: true })), 'NotAllowedError');
});

test('"prompt" without a prompt handler: the request is refused with NotAllowedError', async () => {
  const md = devices();
  mc.setPermission('microphone', 'prompt', md);
  assertDOMException(await rejection(md.getUserMedia({ audio: true })), 'NotAllowedError');
  mc.setPermission('microphone', 'granted', md);
  const s = await md.getUserMedia({ audio: true });
  s.getTracks().forEach((t) => t.stop());
});

test('a busy device: NotReadableError', async () => {
  const md = devices([{ ...CAMERA, busy: true }]);
  assertDOMException(await rejection(md.getUserMedia({ video: true })), 'NotReadableError');
});

test('at most one track per kind; the fitness distance and deviceId choose the device', async () => {
  const md = devices([
    { kind: 'videoinput', label: 'A', id: 'a', modes: [{ width: 640, height: 480, frameRate: 30 }] },
    { kind: 'videoinput', label: 'B', id: 'b', modes: [{ width: 1280, height: 720, frameRate: 30 }] },
  ]);
  const s = await md.getUserMedia({ video: { width: 1280 } });
  assert.equal(s.getTracks().length, 1);
  assert.equal(s.getVideoTracks()[0].label, 'B');
  const list = await md.enumerateDevices();
  const a = list.find((d) => d.label === 'A');
  const s2 = await md.getUserMedia({ video: { deviceId: { exact: a.deviceId } } });
  assert.equal(s2.getVideoTracks()[0].label, 'A');
  const s3 = await md.getUserMedia({ video: { deviceId: a.deviceId, width: 1280 } });
  assert.equal(s3.getVideoTracks()[0].label, 'A', 'a bare deviceId is ideal and still wins');
  for (const st of [s, s2, s3]) st.getTracks().forEach((t) => t.stop());
});

test('setPermission validates its arguments', () => {
  assert.throws(() => mc.setPermission('geolocation', 'granted'), TypeError);
  assert.throws(() => mc.setPermission('camera', 'maybe'), TypeError);
});

test('getDisplayMedia: synchronous TypeErrors, Overconstrained max below floor, NotAllowed, NotFound', async () => {
  const md = devices();
  for (const o of [
    { video: false },
    { video: false, audio: true },
    { video: { width: { min: 100 } } },
    { video: { width: { exact: 100 } } },
    { video: { advanced: [{ width: 100 }] } },
    { selfBrowserSurface: 'sometimes' },
  ]) {
    const p = md.getDisplayMedia(o);
    assert.equal(await alreadyRejected(p), true, JSON.stringify(o));
    const e = await rejection(p);
    assert.ok(e instanceof TypeError, `${JSON.stringify(o)}: ${e}`);
  }
  const oc = md.getDisplayMedia({ video: { width: { max: 0 } } });
  assert.equal(await alreadyRejected(oc), true);
  const over = await rejection(oc);
  assert.ok(over instanceof mc.OverconstrainedError);
  assert.equal(over.constraint, 'width');
  const e = await rejection(md.getDisplayMedia({ video: { controller: 1 }, controller: {} }));
  assert.ok(e instanceof TypeError, 'controller must be a CaptureController');
  mc.setPermission('display-capture', 'denied', md);
  assertDOMException(await rejection(md.getDisplayMedia()), 'NotAllowedError');
  mc.setPermission('display-capture', 'granted', md);
  const s = await md.getDisplayMedia({ audio: true });
  assert.equal(s.getVideoTracks().length, 1);
  assert.equal(s.getAudioTracks().length, 0, 'audio may be omitted');
  const settings = s.getVideoTracks()[0].getSettings();
  assert.equal(settings.displaySurface, 'monitor');
  assert.equal(settings.width, 1280);
  s.getTracks().forEach((t) => t.stop());
  assertDOMException(await rejection(devices([CAMERA]).getDisplayMedia()), 'NotFoundError');
});

test('CaptureController: binds once (InvalidStateError), validates setFocusBehavior', async () => {
  const md = devices([SCREEN]);
  const c = new mc.CaptureController();
  assert.ok(c instanceof EventTarget);
  c.setFocusBehavior('no-focus-change'); // before capture: stored
  assert.throws(() => c.setFocusBehavior('bogus'), TypeError);
  const s = await md.getDisplayMedia({ controller: c });
  const e = await rejection(md.getDisplayMedia({ controller: c }));
  assertDOMException(e, 'InvalidStateError');
  // A monitor surface: focus cannot be changed.
  assert.throws(() => c.setFocusBehavior('focus-captured-surface'), (x) => x instanceof DOMException && x.name === 'InvalidStateError');
  s.getTracks().forEach((t) => t.stop());
});
