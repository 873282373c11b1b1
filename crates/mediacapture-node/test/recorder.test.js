'use strict';
// MediaRecorder from JS: state machine, exceptions, trusted events in order, global Blobs,
// and a recording that ffprobe accepts.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { mc, devices, nextEvent, sleep } = require('../testlib/helpers');

function hasFfprobe() {
  try {
    execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function recordEvents(r) {
  const log = [];
  for (const t of ['start', 'stop', 'pause', 'resume', 'dataavailable', 'error']) {
    r.addEventListener(t, (e) => log.push({ type: t, trusted: e.isTrusted, state: r.state, event: e }));
  }
  return log;
}

test('isTypeSupported and the constructor', async () => {
  assert.equal(mc.MediaRecorder.isTypeSupported(''), true);
  assert.equal(mc.MediaRecorder.isTypeSupported('video/webm;codecs=vp8,opus'), true);
  assert.equal(mc.MediaRecorder.isTypeSupported('video/webm;codecs=vp9'), true);
  assert.equal(mc.MediaRecorder.isTypeSupported('audio/webm;codecs=opus'), true);
  assert.equal(mc.MediaRecorder.isTypeSupported('video/mp4'), false);
  assert.equal(mc.MediaRecorder.isTypeSupported('video/webm;codecs=vp8,vp9'), false);
  const md = devices();
  const s = await md.getUserMedia({ video: true, audio: true });
  assert.throws(() => new mc.MediaRecorder({}), TypeError);
  assert.throws(() => new mc.MediaRecorder(s, { mimeType: 'video/mp4' }), (e) => e instanceof DOMException && e.name === 'NotSupportedError');
  // Vorbis is a WebM codec this recorder cannot encode: the constructor refuses it.
  for (const mimeType of ['audio/webm; codecs="vorbis"', 'video/webm; codecs="vp8, vorbis"']) {
    assert.throws(() => new mc.MediaRecorder(s, { mimeType }), (e) => e instanceof DOMException && e.name === 'NotSupportedError', mimeType);
  }
  assert.throws(() => new mc.MediaRecorder(s, { audioBitrateMode: 'sometimes' }), TypeError);
  assert.throws(() => new mc.MediaRecorder(s, { videoKeyFrameIntervalDuration: NaN }), TypeError);
  assert.throws(() => new mc.MediaRecorder(s, 5), TypeError);
  const bps = new mc.MediaRecorder(s, { audioBitsPerSecond: 64000, audioBitrateMode: 'constant', unknown: 1 });
  assert.equal(bps.audioBitsPerSecond, 64000);
  assert.equal(bps.audioBitrateMode, 'constant');
  const r = new mc.MediaRecorder(s);
  assert.ok(r instanceof EventTarget);
  assert.equal(r.stream, s);
  assert.equal(r.state, 'inactive');
  assert.equal(r.mimeType, '', 'no default mimeType before start');
  assert.equal(r.audioBitrateMode, 'variable');
  assert.equal(typeof r.videoBitsPerSecond, 'number');
  const r2 = new mc.MediaRecorder(s, { mimeType: 'video/webm;codecs=vp9' });
  assert.equal(r2.mimeType, 'video/webm;codecs=vp9');
  s.getTracks().forEach((t) => t.stop());
});

test('state machine exceptions', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const r = new mc.MediaRecorder(s);
  const invalid = (e) => e instanceof DOMException && e.name === 'InvalidStateError';
  assert.throws(() => r.pause(), invalid);
  assert.throws(() => r.resume(), invalid);
  assert.throws(() => r.requestData(), invalid);
  r.stop(); // inactive: no-op, no throw
  r.start();
  assert.equal(r.state, 'recording');
  assert.throws(() => r.start(), invalid);
  r.pause();
  assert.equal(r.state, 'paused');
  r.pause(); // no-op
  r.resume();
  assert.equal(r.state, 'recording');
  const stopped = nextEvent(r, 'stop', 10000);
  r.stop();
  assert.equal(r.state, 'inactive');
  await stopped;
  s.getTracks()[0].stop();
  const ended = new mc.MediaRecorder(s);
  assert.throws(() => ended.start(), (e) => e instanceof DOMException && e.name === 'NotSupportedError', 'an inactive stream');
  const audioOnly = await md.getUserMedia({ video: true });
  const ar = new mc.MediaRecorder(audioOnly, { mimeType: 'audio/webm' });
  assert.throws(() => ar.start(), (e) => e instanceof DOMException && e.name === 'NotSupportedError', 'a video track in an audio type');
  audioOnly.getTracks()[0].stop();
});

test('events in order, trusted; dataavailable delivers global Blobs; the file plays', { timeout: 30000 }, async (t) => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
  const r = new mc.MediaRecorder(s);
  const log = recordEvents(r);
  let handlerCalls = 0;
  r.ondataavailable = () => handlerCalls++;
  r.start(200);
  await nextEvent(r, 'start');
  assert.equal(r.mimeType, 'video/webm;codecs=vp8,opus');
  // Media time comes from the recorder's own events, not from sleeping.
  await nextEvent(r, 'dataavailable', 10000);
  r.pause();
  await nextEvent(r, 'pause');
  r.resume();
  await nextEvent(r, 'resume');
  await nextEvent(r, 'dataavailable', 10000);
  let mimeInStop;
  r.addEventListener('stop', () => {
    mimeInStop = r.mimeType;
  });
  const stopped = nextEvent(r, 'stop', 10000);
  r.stop();
  await stopped;
  // "Inactivate the recorder" sets mimeType back to the constrained type (none here) before
  // stop fires, as Firefox does (Chromium keeps the full type): the README takes the type at
  // start.
  assert.equal(mimeInStop, '', 'mimeType in onstop');
  assert.equal(r.mimeType, '', 'mimeType after stop');
  const types = log.map((e) => e.type);
  assert.equal(types[0], 'start');
  assert.equal(types.at(-1), 'stop');
  assert.ok(types.indexOf('pause') < types.indexOf('resume'));
  assert.ok(log.every((e) => e.trusted), 'every event is trusted');
  const blobs = log.filter((e) => e.type === 'dataavailable').map((e) => e.event);
  assert.ok(blobs.length >= 2, `timeslice gives several blobs (${blobs.length})`);
  assert.equal(handlerCalls, blobs.length);
  for (const b of blobs) {
    assert.ok(b instanceof mc.BlobEvent);
    assert.ok(b.data instanceof Blob, 'a global Blob');
    assert.equal(b.data, b.data, '[SameObject]');
    assert.equal(b.data.type, 'video/webm;codecs=vp8,opus');
  }
  assert.equal(blobs[0].timecode, 0);
  for (let i = 1; i < blobs.length; i++) assert.ok(blobs[i].timecode > blobs[i - 1].timecode, `increasing timecodes: ${blobs.map((b) => b.timecode)}`);
  const whole = new Blob(
    blobs.map((b) => b.data),
    { type: blobs[0].data.type },
  );
  assert.equal(whole.type, 'video/webm;codecs=vp8,opus');
  const bytes = Buffer.from(await whole.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'an EBML (WebM) file');
  s.getTracks().forEach((tr) => tr.stop());
  if (!hasFfprobe()) {
    t.skip('ffprobe not installed');
    return;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mc-node-')), 'rec.webm');
  fs.writeFileSync(file, bytes);
  const probe = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-count_frames', file], { encoding: 'utf8' }),
  );
  const video = probe.streams.find((x) => x.codec_type === 'video');
  const audio = probe.streams.find((x) => x.codec_type === 'audio');
  assert.equal(video.codec_name, 'vp8');
  assert.equal(video.width, 320);
  assert.equal(video.height, 240);
  assert.ok(Number(video.nb_read_frames) >= 2, `decoded ${video.nb_read_frames} frames`);
  assert.equal(audio.codec_name, 'opus');
});

test('requestData() right after start gives a (possibly empty) blob; stopping the tracks stops the recorder', { timeout: 20000 }, async () => {
  const md = devices();
  const s = await md.getUserMedia({ audio: true });
  const r = new mc.MediaRecorder(s, { mimeType: 'audio/webm;codecs=opus' });
  const log = recordEvents(r);
  r.start();
  r.requestData();
  await nextEvent(r, 'dataavailable');
  const stopped = nextEvent(r, 'stop', 10000);
  s.getTracks()[0].stop();
  await stopped;
  assert.equal(r.state, 'inactive');
  const types = log.map((e) => e.type);
  assert.deepEqual(types.slice(0, 2), ['start', 'dataavailable']);
  assert.deepEqual(types.slice(-2), ['dataavailable', 'stop']);
});

test('script-made BlobEvent: requires a Blob, untrusted', () => {
  const b = new Blob(['x']);
  const e = new mc.BlobEvent('dataavailable', { data: b, timecode: 5 });
  assert.equal(e.data, b);
  assert.equal(e.timecode, 5);
  assert.equal(e.isTrusted, false);
  assert.throws(() => new mc.BlobEvent('dataavailable', {}), TypeError);
  assert.throws(() => new mc.BlobEvent('dataavailable'), TypeError);
});

test('changing the track set while recording: start, error (InvalidModificationError), dataavailable, stop', { timeout: 20000 }, async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true, audio: true });
  const r = new mc.MediaRecorder(s);
  const log = recordEvents(r);
  let onerror = null;
  r.onerror = (e) => {
    onerror = e;
  };
  const stopped = nextEvent(r, 'stop', 10000);
  r.start();
  const [audio] = s.getAudioTracks();
  s.removeTrack(audio);
  await stopped;
  assert.deepEqual(
    log.map((e) => e.type),
    ['start', 'error', 'dataavailable', 'stop'],
  );
  const err = log[1].event;
  assert.equal(onerror, err);
  assert.ok(err.isTrusted);
  assert.ok(err.error instanceof DOMException);
  assert.equal(err.error.name, 'InvalidModificationError');
  assert.equal(r.state, 'inactive');
  audio.stop();
  s.getTracks().forEach((t) => t.stop());
});
