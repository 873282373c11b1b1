'use strict';
// getDisplayMedia from JS, as crates/mediacapture/tests/display.rs.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, CAMERA, devices } = require('../testlib/helpers');

const MONITOR = { kind: 'screen', label: 'Monitor', id: 'mon', width: 1920, height: 1080, frameRate: 30 };
const WINDOW = { kind: 'screen', label: 'Window', id: 'win', width: 800, height: 600, frameRate: 30, displaySurface: 'window' };

test('defaults capture the whole screen as a monitor surface', async () => {
  const md = devices([MONITOR]);
  const s = await md.getDisplayMedia();
  const [t] = s.getTracks();
  assert.equal(s.getTracks().length, 1);
  assert.equal(t.kind, 'video');
  const st = t.getSettings();
  assert.equal(st.width, 1920);
  assert.equal(st.height, 1080);
  assert.equal(st.displaySurface, 'monitor');
  assert.equal(st.facingMode, undefined, 'no facingMode for a display surface');
  assert.equal(typeof st.deviceId, 'string');
  const caps = t.getCapabilities();
  assert.equal(caps.displaySurface, 'monitor');
  t.stop();
});

test('max width downscales without cropping (aspect ratio kept)', async () => {
  const md = devices([MONITOR]);
  const s = await md.getDisplayMedia({ video: { width: { max: 960 } } });
  const st = s.getTracks()[0].getSettings();
  assert.equal(st.width, 960);
  assert.equal(st.height, 540);
  const it = s.getTracks()[0].frames();
  const { value } = await it.next();
  assert.equal(value.width, 960);
  assert.equal(value.height, 540);
  await it.return();
  s.getTracks()[0].stop();
});

test('displaySurface is only a preference: it reorders, never rules out', async () => {
  const md = devices([MONITOR, WINDOW]);
  const w = await md.getDisplayMedia({ video: { displaySurface: 'window' } });
  assert.equal(w.getTracks()[0].label, 'Window');
  assert.equal(w.getTracks()[0].getSettings().displaySurface, 'window');
  const onlyMonitor = devices([MONITOR]);
  const m = await onlyMonitor.getDisplayMedia({ video: { displaySurface: 'browser' } });
  assert.equal(m.getTracks()[0].getSettings().displaySurface, 'monitor');
  for (const s of [w, m]) s.getTracks().forEach((t) => t.stop());
});

test('display surfaces cannot be chosen by getUserMedia and are not enumerated', async () => {
  const md = devices([MONITOR]);
  const e = await md.getUserMedia({ video: true }).catch((x) => x);
  assert.equal(e.name, 'NotFoundError');
  const withCam = devices([CAMERA, MONITOR]);
  const s = await withCam.getUserMedia({ video: true });
  assert.equal(s.getTracks()[0].label, 'Test Camera');
  const list = await withCam.enumerateDevices();
  assert.ok(list.every((d) => d.label !== 'Monitor'));
  s.getTracks()[0].stop();
});

test('revoking display-capture ends the display track', async () => {
  const md = devices([MONITOR]);
  const s = await md.getDisplayMedia();
  const [t] = s.getTracks();
  const ended = new Promise((r) => (t.onended = r));
  mc.setPermission('display-capture', 'denied', md);
  const e = await ended;
  assert.ok(e.isTrusted);
  assert.equal(t.readyState, 'ended');
});

test('audio: true adds the system audio track after the video track', async () => {
  const md = devices([MONITOR, { kind: 'systemaudio' }]);
  const s = await md.getDisplayMedia({ video: true, audio: true });
  const tracks = s.getTracks();
  assert.equal(tracks.length, 2);
  assert.equal(tracks[0].kind, 'video');
  const [a] = s.getAudioTracks();
  assert.equal(a, tracks[1]);
  assert.equal(a.kind, 'audio');
  assert.equal(a.label, 'System Audio');
  const st = a.getSettings();
  assert.equal(st.sampleRate, 48000);
  assert.equal(typeof st.deviceId, 'string');
  assert.equal(st.restrictOwnAudio, false, 'not asked for (test/screen-capture.test.js has the rest)');
  assert.equal(st.suppressLocalAudioPlayback, false);
  const list = await md.enumerateDevices();
  assert.ok(list.every((d) => d.label !== 'System Audio'));
  tracks.forEach((t) => t.stop());
  // Without system audio in the profile, or without asking for audio: video only.
  const noAudio = await devices([MONITOR]).getDisplayMedia({ video: true, audio: true });
  assert.equal(noAudio.getTracks().length, 1);
  noAudio.getTracks()[0].stop();
  const videoOnly = await md.getDisplayMedia({ video: true });
  assert.equal(videoOnly.getTracks().length, 1);
  videoOnly.getTracks()[0].stop();
});
