'use strict';
// enumerateDevices() before and after permission ("creating a list of device info objects",
// "device information exposure"), as crates/mediacapture/tests/enumeration.rs, from JS.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, CAMERA, MIC, SPEAKER, SCREEN, devices } = require('../testlib/helpers');

test('before capture: one entry per input kind, empty strings, {} capabilities, no outputs', async () => {
  const md = devices([CAMERA, { ...CAMERA, id: 'cam1', label: 'Second' }, MIC, SPEAKER, SCREEN]);
  const list = await md.enumerateDevices();
  assert.deepEqual(
    list.map((d) => d.kind),
    ['audioinput', 'videoinput'],
  );
  for (const d of list) {
    assert.ok(d instanceof mc.InputDeviceInfo);
    assert.ok(d instanceof mc.MediaDeviceInfo);
    assert.equal(d.deviceId, '');
    assert.equal(d.label, '');
    assert.equal(d.groupId, '');
    assert.deepEqual(d.getCapabilities(), {});
  }
});

test('after a video capture: cameras exposed, microphones too (granted), outputs listed, order mic/cam/out', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const list = await md.enumerateDevices();
  assert.deepEqual(
    list.map((d) => d.kind),
    ['audioinput', 'videoinput', 'audiooutput'],
  );
  const cam = list.find((d) => d.kind === 'videoinput');
  assert.equal(cam.label, 'Test Camera');
  assert.notEqual(cam.deviceId, '');
  assert.equal(cam.deviceId, s.getVideoTracks()[0].getSettings().deviceId);
  assert.equal(cam.groupId, s.getVideoTracks()[0].getSettings().groupId);
  const caps = cam.getCapabilities();
  assert.equal(caps.width.max, 1280);
  assert.equal(caps.height.max, 720);
  assert.deepEqual(caps.facingMode, ['user']);
  assert.equal(list.find((d) => d.kind === 'audioinput').label, 'Test Mic');
  const out = list.find((d) => d.kind === 'audiooutput');
  assert.ok(out instanceof mc.MediaDeviceInfo);
  assert.ok(!(out instanceof mc.InputDeviceInfo), 'outputs are plain MediaDeviceInfo');
  assert.equal(out.getCapabilities, undefined);
  s.getTracks().forEach((t) => t.stop());
});

test('exposure is not extended to a kind whose permission is "prompt"', async () => {
  const md = devices();
  mc.setPermission('microphone', 'prompt', md);
  await md.getUserMedia({ video: true });
  const list = await md.enumerateDevices();
  const mic = list.find((d) => d.kind === 'audioinput');
  assert.equal(mic.label, '');
  assert.equal(mic.deviceId, '');
  assert.ok(list.every((d) => d.kind !== 'audiooutput'));
});

test('new objects on every call, equal values, toJSON() has exactly the four attributes', async () => {
  const md = devices();
  await md.getUserMedia({ audio: true, video: true });
  const a = await md.enumerateDevices();
  const b = await md.enumerateDevices();
  assert.notEqual(a[0], b[0]);
  assert.deepEqual(
    a.map((d) => d.toJSON()),
    b.map((d) => d.toJSON()),
  );
  const json = JSON.parse(JSON.stringify(a[0]));
  assert.deepEqual(Object.keys(json), ['deviceId', 'kind', 'label', 'groupId']);
  assert.equal(json.label, 'Test Mic');
});

test('device ids are stable for an origin and differ across origins', async () => {
  const one = devices(undefined, 'https://a.example');
  const two = devices(undefined, 'https://a.example');
  const other = devices(undefined, 'https://b.example');
  for (const md of [one, two, other]) await md.getUserMedia({ video: true });
  const id = async (md) => (await md.enumerateDevices()).find((d) => d.kind === 'videoinput').deviceId;
  assert.equal(await id(one), await id(two));
  assert.notEqual(await id(one), await id(other));
});

test('display surfaces are never enumerated', async () => {
  const md = devices();
  await md.getUserMedia({ audio: true, video: true });
  const list = await md.enumerateDevices();
  assert.ok(list.every((d) => !/screen/i.test(d.label)));
});

test('getSupportedConstraints() lists every spec property, display ones included', () => {
  const sc = mc.mediaDevices.getSupportedConstraints();
  for (const k of [
    'width', 'height', 'aspectRatio', 'frameRate', 'facingMode', 'resizeMode', 'sampleRate',
    'sampleSize', 'echoCancellation', 'autoGainControl', 'noiseSuppression', 'latency',
    'channelCount', 'deviceId', 'groupId', 'displaySurface', 'cursor',
  ]) {
    assert.equal(sc[k], true, k);
  }
  assert.notEqual(mc.mediaDevices.getSupportedConstraints(), sc, 'a new dictionary each call');
});

test('MEDIACAPTURE_FAKE=1 gives the default mediaDevices the fake backend', async () => {
  assert.deepEqual(mc.fake.backends(), ['fake']);
  const list = await mc.mediaDevices.enumerateDevices();
  assert.equal(list.length, 2);
});
