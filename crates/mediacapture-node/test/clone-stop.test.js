'use strict';
// clone() and stop() semantics, MediaStream's track set, as
// crates/mediacapture/tests/clone_stop.rs, from JS.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, devices, sleep } = require('../testlib/helpers');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('stop(): ended at once, no ended event, active flips synchronously, inherent settings kept', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true, audio: true });
  const [v] = s.getVideoTracks();
  const [a] = s.getAudioTracks();
  let ended = 0;
  v.onended = () => ended++;
  v.addEventListener('ended', () => ended++);
  const settings = v.getSettings();
  assert.equal(v.readyState, 'live');
  v.stop();
  assert.equal(v.readyState, 'ended');
  assert.equal(s.active, true, 'the audio track is still live');
  a.stop();
  assert.equal(s.active, false);
  v.stop(); // a second stop is a no-op
  await mc.flushEvents();
  // A check that something does NOT happen: no event or clock can show an absence, so this
  // waits a little; it can only pass wrongly, never fail wrongly, on a slow machine.
  await sleep(50);
  assert.equal(ended, 0, 'stop() fires no ended event');
  assert.deepEqual(v.getSettings(), {
    deviceId: settings.deviceId,
    groupId: settings.groupId,
    facingMode: settings.facingMode,
  });
});

test('clone(): new id, same kind/label/settings/enabled, independent lifetime', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 1280 } });
  const [t] = s.getVideoTracks();
  t.enabled = false;
  const c = t.clone();
  assert.ok(c instanceof mc.MediaStreamTrack);
  assert.notEqual(c.id, t.id);
  assert.match(c.id, UUID);
  assert.equal(c.kind, t.kind);
  assert.equal(c.label, t.label);
  assert.equal(c.enabled, false, 'Chromium copies enabled to the clone');
  assert.deepEqual(c.getSettings(), t.getSettings());
  assert.deepEqual(c.getConstraints(), t.getConstraints());
  t.stop();
  assert.equal(c.readyState, 'live', 'stopping the original leaves the clone live');
  const frames = c.frames();
  const { value } = await frames.next();
  assert.equal(value.width, 1280, 'the clone still receives frames after the original stopped');
  await frames.return();
  const cc = c.clone();
  c.stop();
  cc.stop();
  const ce = c.clone();
  assert.equal(ce.readyState, 'ended', 'a clone of an ended track is ended');
});

test('enabled is stored even after the track ended', async () => {
  const md = devices();
  const s = await md.getUserMedia({ audio: true });
  const [t] = s.getTracks();
  t.stop();
  t.enabled = false;
  assert.equal(t.enabled, false);
  t.enabled = 1;
  assert.equal(t.enabled, true);
});

test('MediaStream: ids, constructors, addTrack/removeTrack without events, getTrackById, clone', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true, audio: true });
  assert.match(s.id, UUID);
  assert.ok(s.active);
  const empty = new mc.MediaStream();
  assert.match(empty.id, UUID);
  assert.equal(empty.active, false);
  assert.deepEqual(empty.getTracks(), []);
  const [v] = s.getVideoTracks();
  const [a] = s.getAudioTracks();
  const copy = new mc.MediaStream(s);
  assert.notEqual(copy.id, s.id);
  assert.deepEqual(copy.getTracks(), s.getTracks(), 'the same track objects, not clones');
  const fromList = new mc.MediaStream([v, v, a]);
  assert.equal(fromList.getTracks().length, 2, 'duplicates skipped');
  assert.throws(() => new mc.MediaStream([v, {}]), TypeError);
  assert.throws(() => new mc.MediaStream(5), TypeError);
  let events = 0;
  fromList.onaddtrack = () => events++;
  fromList.onremovetrack = () => events++;
  fromList.removeTrack(v);
  assert.deepEqual(fromList.getTracks(), [a]);
  fromList.removeTrack(v); // absent: no-op
  fromList.addTrack(v);
  fromList.addTrack(v); // present: no-op
  assert.deepEqual(fromList.getTracks(), [a, v]);
  assert.throws(() => fromList.addTrack({}), TypeError);
  assert.equal(fromList.getTrackById(v.id), v);
  assert.equal(fromList.getTrackById('nope'), null);
  assert.deepEqual(fromList.getAudioTracks(), [a]);
  assert.deepEqual(fromList.getVideoTracks(), [v]);
  assert.notEqual(fromList.getTracks(), fromList.getTracks(), 'a fresh sequence each call');
  const cl = s.clone();
  assert.notEqual(cl.id, s.id);
  assert.equal(cl.getTracks().length, 2);
  for (const t of cl.getTracks()) assert.ok(!s.getTracks().includes(t), 'clone() clones the tracks');
  await mc.flushEvents();
  assert.equal(events, 0, 'addTrack/removeTrack fire no events');
  const ended = new mc.MediaStream([v]);
  v.stop();
  assert.equal(ended.active, false, 'a stream of ended tracks is inactive');
  for (const st of [s, cl]) st.getTracks().forEach((t) => t.stop());
});

test('two getUserMedia calls share one device; each track has its own settings', async () => {
  const md = devices();
  const s1 = await md.getUserMedia({ video: { width: 1280, height: 720 } });
  const s2 = await md.getUserMedia({ video: { width: 320, height: 180 } });
  const [t1] = s1.getTracks();
  const [t2] = s2.getTracks();
  assert.equal(t1.getSettings().deviceId, t2.getSettings().deviceId);
  assert.equal(t1.getSettings().width, 1280);
  assert.equal(t2.getSettings().width, 320);
  t1.stop();
  t2.stop();
});
