'use strict';
// Constraints and settings round trips, applyConstraints, as
// crates/mediacapture/tests/apply_constraints.rs, from JS.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, devices, rejection } = require('../testlib/helpers');

test('getUserMedia settings follow the constraints; getConstraints returns them converted', async () => {
  const md = devices();
  const c = { width: { ideal: 1280 }, frameRate: { max: 30 }, unknownThing: 5 };
  const s = await md.getUserMedia({ video: c });
  const t = s.getVideoTracks()[0];
  const st = t.getSettings();
  assert.equal(st.width, 1280);
  assert.equal(st.height, 720);
  assert.equal(st.frameRate, 30);
  assert.equal(st.facingMode, 'user');
  assert.equal(typeof st.deviceId, 'string');
  assert.equal(typeof st.groupId, 'string');
  assert.equal(st.sampleRate, undefined, 'audio-only settings are absent from video settings');
  assert.deepEqual(t.getConstraints(), { width: { ideal: 1280 }, frameRate: { max: 30 } });
  assert.notEqual(t.getSettings(), st, 'a new dictionary each call');
  t.stop();
});

test('audio settings and capabilities', async () => {
  const md = devices();
  const s = await md.getUserMedia({ audio: { channelCount: 2 } });
  const t = s.getAudioTracks()[0];
  assert.equal(t.kind, 'audio');
  const st = t.getSettings();
  assert.equal(st.sampleRate, 48000);
  assert.equal(st.channelCount, 2);
  const caps = t.getCapabilities();
  assert.deepEqual(caps.channelCount, { min: 1, max: 2 });
  assert.equal(st.width, undefined);
  t.stop();
});

test('applyConstraints: success changes constraints and settings', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const t = s.getVideoTracks()[0];
  const r = t.applyConstraints({ width: { exact: 320 }, height: { exact: 240 } });
  assert.ok(r instanceof Promise);
  assert.equal(await r, undefined);
  assert.equal(t.getSettings().width, 320);
  assert.equal(t.getSettings().height, 240);
  assert.deepEqual(t.getConstraints(), { width: { exact: 320 }, height: { exact: 240 } });
  // No argument means {}: the constraints are cleared, settings chosen afresh.
  await t.applyConstraints();
  assert.deepEqual(t.getConstraints(), {});
  t.stop();
});

test('applyConstraints: failure is an OverconstrainedError naming the constraint; nothing changes', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 640 } });
  const t = s.getVideoTracks()[0];
  const before = t.getSettings();
  const e = await rejection(t.applyConstraints({ width: { min: 5000 } }));
  assert.ok(e instanceof mc.OverconstrainedError);
  assert.equal(e.constraint, 'width');
  assert.deepEqual(t.getSettings(), before);
  assert.deepEqual(t.getConstraints(), { width: 640 });
  const te = await rejection(t.applyConstraints({ frameRate: Infinity }));
  assert.ok(te instanceof TypeError);
  const adv = await rejection(t.applyConstraints({ advanced: 'x' }));
  assert.ok(adv instanceof TypeError);
  t.stop();
});

test('advanced constraint sets are honoured when possible and skipped otherwise', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { advanced: [{ width: 99999 }, { width: 1280, height: 720 }] } });
  const st = s.getVideoTracks()[0].getSettings();
  assert.equal(st.width, 1280);
  assert.equal(st.height, 720);
  s.getTracks().forEach((t) => t.stop());
});

test('applyConstraints on an ended track resolves without looking at the constraints', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const t = s.getVideoTracks()[0];
  t.stop();
  await t.applyConstraints({ width: { exact: 99999 } });
});

test('a clone has its own constraints and settings', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 1280, height: 720 } });
  const t = s.getVideoTracks()[0];
  const c = t.clone();
  await c.applyConstraints({ width: 320, height: 180 });
  assert.equal(c.getSettings().width, 320);
  assert.equal(t.getSettings().width, 1280);
  assert.equal(c.getSettings().deviceId, t.getSettings().deviceId);
  t.stop();
  c.stop();
});

test('contentHint accepts the values of its kind and ignores others', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true, audio: true });
  const [a] = s.getAudioTracks();
  const [v] = s.getVideoTracks();
  assert.equal(v.contentHint, '');
  v.contentHint = 'detail';
  assert.equal(v.contentHint, 'detail');
  v.contentHint = 'speech';
  assert.equal(v.contentHint, 'detail');
  a.contentHint = 'music';
  assert.equal(a.contentHint, 'music');
  s.getTracks().forEach((t) => t.stop());
});

test("constraint strings over Chromium's limits: getUserMedia TypeError, applyConstraints OverconstrainedError", async () => {
  const md = devices();
  const long = 'g'.repeat(501);
  const e = await rejection(md.getUserMedia({ video: { groupId: { ideal: long } } }));
  assert.ok(e instanceof TypeError, String(e));
  assert.equal(e.message, 'Constraint string too long.');
  const e2 = await rejection(md.getUserMedia({ video: { deviceId: { ideal: Array(101).fill('x') } } }));
  assert.equal(e2.message, 'Constraint string sequence too long.');
  // 500 is still fine.
  const s = await md.getUserMedia({ video: { groupId: { ideal: 'g'.repeat(500) } } });
  const [t] = s.getVideoTracks();
  const before = t.getConstraints();
  const e3 = await rejection(t.applyConstraints({ groupId: { ideal: long } }));
  assert.ok(e3 instanceof mc.OverconstrainedError, String(e3));
  assert.equal(e3.constraint, '');
  assert.deepEqual(t.getConstraints(), before, 'nothing changed');
  const e4 = await rejection(md.getDisplayMedia({ video: { displaySurface: long } }));
  assert.ok(e4 instanceof TypeError);
  t.stop();
});
