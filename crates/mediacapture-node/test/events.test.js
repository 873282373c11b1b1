'use strict';
// Events and their order, as crates/mediacapture/tests/lifecycle_events.rs, from JS: trusted
// events on the JS thread, attribute handlers next to addEventListener, ended on revocation
// and unplugging (before the devicechange that removes the device), mute/unmute, devicechange
// with DeviceChangeEvent, and a throwing listener not stopping delivery.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { mc, CAMERA, MIC, devices, nextEvent, sleep } = require('../testlib/helpers');

test('revoking a permission ends live tracks of that kind with a trusted ended event', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true, audio: true });
  const [v] = s.getVideoTracks();
  const [a] = s.getAudioTracks();
  const seen = [];
  v.onended = function (e) {
    seen.push(['handler', this === v, e.isTrusted, e.type, e.target === v, e.bubbles, e.cancelable]);
  };
  v.addEventListener('ended', (e) => seen.push(['listener', e.isTrusted, e instanceof Event]));
  a.onended = () => seen.push(['audio ended']);
  const ended = nextEvent(v, 'ended');
  mc.setPermission('camera', 'denied', md);
  await ended;
  assert.deepEqual(seen, [
    ['handler', true, true, 'ended', true, false, false],
    ['listener', true, true],
  ]);
  assert.equal(v.readyState, 'ended');
  assert.equal(a.readyState, 'live', 'the microphone is untouched');
  assert.equal(s.active, true);
  a.stop();
});

test('unplugging a device: ended at its tracks, then devicechange without it', async () => {
  const md = devices([CAMERA, MIC, { ...CAMERA, id: 'cam2', label: 'Spare' }]);
  const s = await md.getUserMedia({ video: { deviceId: undefined, width: { exact: 640 } } });
  const [t] = s.getTracks();
  assert.equal(t.label, 'Test Camera');
  const order = [];
  t.addEventListener('ended', (e) => order.push(`ended:${e.isTrusted}`));
  md.addEventListener('devicechange', (e) => {
    order.push(`devicechange:${e.isTrusted}`);
    assert.ok(e instanceof mc.DeviceChangeEvent);
    assert.ok(Object.isFrozen(e.devices));
    assert.equal(e.devices, e.devices, '[SameObject]');
    assert.ok(e.devices.every((d) => d instanceof mc.MediaDeviceInfo));
    assert.ok(e.devices.every((d) => d.label !== 'Test Camera'));
    assert.ok(e.devices.some((d) => d.label === 'Spare'));
  });
  const change = nextEvent(md, 'devicechange');
  mc.fake.removeDevice('cam0', md);
  await change;
  assert.deepEqual(order, ['ended:true', 'devicechange:true']);
  assert.equal(t.readyState, 'ended');
});

test('plugging a device in: devicechange lists it in devices and userInsertedDevices', async () => {
  const md = devices([CAMERA, MIC]);
  const s = await md.getUserMedia({ video: true, audio: true });
  let handled = null;
  md.ondevicechange = (e) => {
    handled = e;
  };
  const change = nextEvent(md, 'devicechange');
  mc.fake.addDevice({ kind: 'videoinput', label: 'Hotplug Cam', id: 'hot', modes: [{ width: 320, height: 240, frameRate: 15 }] }, md);
  const e = await change;
  assert.equal(handled, e, 'the handler saw the same event');
  assert.ok(e.isTrusted);
  const hot = e.devices.find((d) => d.label === 'Hotplug Cam');
  assert.ok(hot instanceof mc.InputDeviceInfo);
  assert.deepEqual(
    e.userInsertedDevices.map((d) => d.label),
    ['Hotplug Cam'],
  );
  s.getTracks().forEach((t) => t.stop());
});

test('mute then unmute (a source that pauses), with muted following the events', async () => {
  const md = devices([{ ...CAMERA, muteAfterMs: 150, muteForMs: 300 }]);
  const s = await md.getUserMedia({ video: true });
  const [t] = s.getTracks();
  assert.equal(t.muted, false);
  const order = [];
  t.onmute = (e) => order.push(['mute', t.muted, e.isTrusted]);
  t.onunmute = (e) => order.push(['unmute', t.muted, e.isTrusted]);
  await nextEvent(t, 'unmute', 3000);
  assert.deepEqual(order, [
    ['mute', true, true],
    ['unmute', false, true],
  ]);
  t.stop();
});

test('a throwing listener does not stop delivery to the others or of later events', () => {
  // Node reports a listener's exception as an uncaught exception (a browser reports it to
  // window.onerror); the test runner treats those as failures, so this runs in a child.
  const script = `
    process.env.MEDIACAPTURE_FAKE = '1';
    const mc = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const errors = [];
    process.on('uncaughtException', (err) => errors.push(err.message));
    (async () => {
      const md = mc.mediaDevices;
      const s = await md.getUserMedia({ video: true, audio: true });
      const [v] = s.getVideoTracks();
      const [a] = s.getAudioTracks();
      const seen = [];
      v.addEventListener('ended', () => { throw new Error('listener 1 threw'); });
      v.addEventListener('ended', () => seen.push('video second listener'));
      a.onended = () => {
        seen.push('audio');
        // Print from a timer, after the thrown listener's error report: Node's EventTarget
        // reports it from process.nextTick, which runs before any timer (the length of the
        // pause does not matter).
        setTimeout(() => console.log(JSON.stringify({ seen, errors })), 20);
      };
      mc.setPermission('camera', 'denied');
      mc.setPermission('microphone', 'denied');
    })();
  `;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 });
  assert.deepEqual(JSON.parse(out), {
    seen: ['video second listener', 'audio'],
    errors: ['listener 1 threw'],
  });
});

test('event handler attributes: null removes, replacing keeps the position, non-callables are null', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const [t] = s.getTracks();
  const order = [];
  t.onended = () => order.push('first handler');
  t.addEventListener('ended', () => order.push('listener'));
  t.onended = () => order.push('replaced handler'); // keeps the first position
  assert.equal(typeof t.onended, 'function');
  t.onmute = 5;
  assert.equal(t.onmute, null);
  t.onunmute = () => {};
  t.onunmute = null;
  assert.equal(t.onunmute, null);
  const ended = nextEvent(t, 'ended');
  mc.setPermission('camera', 'denied', md);
  await ended;
  assert.deepEqual(order, ['replaced handler', 'listener']);
  assert.equal(mc.MediaStreamTrack.prototype.hasOwnProperty('onended'), true);
});

test('script-made events are untrusted; MediaStreamTrackEvent requires a track', async () => {
  const md = devices();
  const s = await md.getUserMedia({ audio: true });
  const [t] = s.getTracks();
  const e = new mc.MediaStreamTrackEvent('addtrack', { track: t });
  assert.equal(e.isTrusted, false);
  assert.equal(e.track, t);
  assert.equal(e.bubbles, false);
  let got = null;
  s.onaddtrack = (ev) => {
    got = ev;
  };
  s.dispatchEvent(e);
  assert.equal(got, e);
  assert.throws(() => new mc.MediaStreamTrackEvent('addtrack'), TypeError);
  assert.throws(() => new mc.MediaStreamTrackEvent('addtrack', {}), TypeError);
  assert.throws(() => new mc.MediaStreamTrackEvent('addtrack', { track: {} }), TypeError);
  const d = new mc.DeviceChangeEvent('devicechange');
  assert.deepEqual(d.devices, []);
  assert.deepEqual(d.userInsertedDevices, []);
  assert.equal(d.isTrusted, false);
  assert.throws(() => new mc.DeviceChangeEvent('devicechange', { devices: [{}] }), TypeError);
  t.stop();
});

test('devicechange fires only when the exposed list changes', async () => {
  const md = devices([CAMERA, MIC]);
  let fired = 0;
  md.ondevicechange = () => fired++;
  // Before any capture only one camera is exposed (with empty strings): a second camera does
  // not change what the page can see.
  mc.fake.addDevice({ ...CAMERA, id: 'second', label: 'Second' }, md);
  await mc.flushEvents();
  // A check that something does NOT happen: no event or clock can show an absence, so this
  // waits a little; it can only pass wrongly, never fail wrongly, on a slow machine.
  await sleep(50);
  assert.equal(fired, 0);
  const s = await md.getUserMedia({ video: true });
  const change = nextEvent(md, 'devicechange');
  mc.fake.addDevice({ ...CAMERA, id: 'third', label: 'Third' }, md);
  await change;
  assert.equal(fired, 1);
  s.getTracks().forEach((t) => t.stop());
});

test('a scripted disconnect ends the track; listeners may call back into the library', async () => {
  const md = devices([{ ...CAMERA, disconnectAfterMs: 300 }]);
  const s = await md.getUserMedia({ video: true });
  const [t] = s.getTracks();
  const deviceId = t.getSettings().deviceId;
  const inside = await new Promise((resolve) => {
    t.onended = async () => {
      resolve({
        readyState: t.readyState,
        settings: t.getSettings(),
        active: s.active,
        devices: (await md.enumerateDevices()).map((d) => d.kind),
      });
    };
  });
  assert.equal(inside.readyState, 'ended');
  assert.equal(inside.settings.deviceId, deviceId, 'an ended track keeps its deviceId');
  assert.equal(inside.active, false);
  assert.ok(!inside.devices.includes('videoinput'));
});
