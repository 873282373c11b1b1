'use strict';
// Screen capture details: windows and tabs (fake profile surfaces), monitorTypeSurfaces,
// CaptureController.setFocusBehavior's window of opportunity, restrictOwnAudio and
// suppressLocalAudioPlayback.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, devices, rejection } = require('../testlib/helpers');

const SURFACES = [
  { kind: 'screen', label: 'Screen', width: 1280, height: 720 },
  { kind: 'window', label: 'Editor', width: 800, height: 600 },
  { kind: 'browser', label: 'Docs tab', width: 640, height: 360 },
  { kind: 'systemaudio', label: 'System Audio' },
];
const isInvalidState = (e) => e instanceof DOMException && e.name === 'InvalidStateError';
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const stopAll = (s) => s.getTracks().forEach((t) => t.stop());

test('displaySurface "window" / "browser" give those surfaces; monitorTypeSurfaces "exclude" offers a window', async () => {
  const md = devices(SURFACES);
  const surface = async (options) => {
    const s = await md.getDisplayMedia(options);
    const [v] = s.getVideoTracks();
    const r = [v.getSettings().displaySurface, v.label, v.getSettings().width];
    stopAll(s);
    return r;
  };
  assert.deepEqual(await surface({ video: true }), ['monitor', 'Screen', 1280]);
  assert.deepEqual(await surface({ video: { displaySurface: 'window' } }), ['window', 'Editor', 800]);
  assert.deepEqual(await surface({ video: { displaySurface: 'browser' } }), ['browser', 'Docs tab', 640]);
  assert.deepEqual((await surface({ video: true, monitorTypeSurfaces: 'exclude' }))[0], 'window');
  await assert.rejects(md.getDisplayMedia({ video: { displaySurface: 'monitor' }, monitorTypeSurfaces: 'exclude' }), TypeError);
  const screensOnly = devices([SURFACES[0]]);
  const e = await rejection(screensOnly.getDisplayMedia({ monitorTypeSurfaces: 'exclude' }));
  assert.equal(e.name, 'NotFoundError');
});

test('setFocusBehavior: a captured window accepts it until the task after getDisplayMedia resolves', async () => {
  const md = devices(SURFACES);
  // Right after the promise resolves (same task): allowed, once.
  const c1 = new mc.CaptureController();
  const s1 = await md.getDisplayMedia({ video: { displaySurface: 'window' }, controller: c1 });
  c1.setFocusBehavior('focus-captured-surface');
  assert.throws(() => c1.setFocusBehavior('no-focus-change'), isInvalidState, 'the decision is final once made');
  stopAll(s1);
  // A tab, one task later: too late.
  const c2 = new mc.CaptureController();
  const s2 = await md.getDisplayMedia({ video: { displaySurface: 'browser' }, controller: c2 });
  await nextTask();
  assert.throws(() => c2.setFocusBehavior('focus-capturing-application'), isInvalidState);
  stopAll(s2);
  // A tab in time.
  const c3 = new mc.CaptureController();
  const s3 = await md.getDisplayMedia({ video: { displaySurface: 'browser' }, controller: c3 });
  c3.setFocusBehavior('no-focus-change');
  stopAll(s3);
});

test('setFocusBehavior: InvalidStateError for a monitor and for a stopped capture; before capture it is kept', async () => {
  const md = devices(SURFACES);
  const c = new mc.CaptureController();
  // Before getDisplayMedia ([[Source]] is null): stored, as the spec says (no exception).
  c.setFocusBehavior('no-focus-change');
  const s = await md.getDisplayMedia({ video: true, controller: c });
  assert.equal(s.getVideoTracks()[0].getSettings().displaySurface, 'monitor');
  assert.throws(() => c.setFocusBehavior('focus-captured-surface'), isInvalidState, 'not for a monitor');
  stopAll(s);
  const w = new mc.CaptureController();
  const sw = await md.getDisplayMedia({ video: { displaySurface: 'window' }, controller: w });
  stopAll(sw);
  assert.throws(() => w.setFocusBehavior('focus-captured-surface'), isInvalidState, 'not once the capture stopped');
});

test('restrictOwnAudio and suppressLocalAudioPlayback are settings of the system audio track', async () => {
  const md = devices(SURFACES);
  const s = await md.getDisplayMedia({ audio: { restrictOwnAudio: true, suppressLocalAudioPlayback: true } });
  const [a] = s.getAudioTracks();
  // The fake system audio never holds this process's playback: the restriction is applied.
  assert.equal(a.getSettings().restrictOwnAudio, true);
  assert.equal(a.getSettings().suppressLocalAudioPlayback, true);
  await a.applyConstraints({ restrictOwnAudio: false });
  assert.equal(a.getSettings().restrictOwnAudio, false);
  assert.equal(a.getSettings().suppressLocalAudioPlayback, false, 'unconstrained: false');
  assert.equal(mc.mediaDevices.getSupportedConstraints().restrictOwnAudio, true);
  assert.equal(mc.mediaDevices.getSupportedConstraints().suppressLocalAudioPlayback, true);
  stopAll(s);
});
