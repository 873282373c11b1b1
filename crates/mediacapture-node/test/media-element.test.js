'use strict';
// HTMLMediaElement / HTMLVideoElement / HTMLAudioElement / Audio playing MediaStreams:
// shapes, the load events in HTML's order, play()/pause() promises, setSinkId and
// selectAudioOutput, captureStream, requestVideoFrameCallback, drawImage(video), bad input.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, nextEvent, rejection } = require('../testlib/helpers');

const { HTMLMediaElement, HTMLVideoElement, HTMLAudioElement, Audio } = mc;

/** Every event of `types` fired at `el`, in order. */
function eventLog(el, types) {
  const log = [];
  for (const t of types) el.addEventListener(t, (e) => log.push(e.isTrusted ? t : `untrusted ${t}`));
  return log;
}

/** Resolves once `el` presented a video frame (requestVideoFrameCallback). */
function nextFrame(el, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no video frame within ${ms} ms`)), ms);
    el.requestVideoFrameCallback((now, metadata) => {
      clearTimeout(t);
      resolve({ now, metadata });
    });
  });
}

test('interfaces and defaults', () => {
  assert.throws(() => new HTMLMediaElement(), TypeError);
  const v = new HTMLVideoElement();
  assert.ok(v instanceof HTMLMediaElement && v instanceof EventTarget);
  assert.equal(Object.prototype.toString.call(v), '[object HTMLVideoElement]');
  const a = new Audio();
  assert.ok(a instanceof HTMLAudioElement && a instanceof Audio);
  assert.equal(a.preload, 'auto');
  assert.equal(new Audio('x.ogg').src, 'x.ogg');
  assert.throws(() => Audio(), TypeError);
  for (const el of [v, a, new HTMLAudioElement()]) {
    assert.equal(el.srcObject, null);
    assert.equal(el.paused, true);
    assert.equal(el.ended, false);
    assert.equal(el.readyState, HTMLMediaElement.HAVE_NOTHING);
    assert.equal(el.networkState, el.NETWORK_EMPTY);
    assert.ok(Number.isNaN(el.duration));
    assert.equal(el.currentTime, 0);
    assert.equal(el.volume, 1);
    assert.equal(el.muted, false);
    assert.equal(el.sinkId, '');
    assert.equal(el.error, null);
    assert.equal(el.buffered.length, 0);
    assert.equal(el.canPlayType('video/webm'), '');
  }
  assert.equal(v.videoWidth, 0);
  assert.equal(HTMLMediaElement.HAVE_ENOUGH_DATA, 4);
  assert.equal(typeof v.requestVideoFrameCallback, 'function');
  assert.equal(a.requestVideoFrameCallback, undefined, 'rVFC is HTMLVideoElement only');
});

test('a video loads in HTML order, plays, presents frames and pauses', async () => {
  const stream = await mc.mediaDevices.getUserMedia({ video: { width: 640 }, audio: true });
  const v = new HTMLVideoElement();
  const log = eventLog(v, ['loadstart', 'durationchange', 'loadedmetadata', 'loadeddata', 'canplay', 'canplaythrough', 'play', 'playing', 'waiting', 'pause', 'timeupdate']);
  let sizeAtMetadata = null;
  v.onloadedmetadata = () => {
    sizeAtMetadata = [v.videoWidth, v.videoHeight];
  };
  v.srcObject = stream;
  assert.equal(v.srcObject, stream);
  // The load goes on after this script (HTML's "await a stable state"; Chromium: a task).
  assert.equal(v.networkState, v.NETWORK_NO_SOURCE);
  assert.equal(v.preload, 'none', 'a MediaStream cannot be preloaded');
  await v.play();
  assert.equal(v.paused, false);
  assert.deepEqual(sizeAtMetadata, [640, 480]);
  assert.equal(v.readyState, v.HAVE_ENOUGH_DATA);
  assert.equal(v.duration, Infinity);
  const { now, metadata } = await nextFrame(v);
  assert.equal(typeof now, 'number');
  assert.equal(metadata.width, 640);
  assert.ok(metadata.presentedFrames >= 1);
  assert.ok(metadata.captureTime > 0);
  await nextFrame(v);
  assert.ok(v.currentTime > 0, 'the timeline moves while playing');
  const pause = nextEvent(v, 'pause');
  v.pause();
  assert.equal(v.paused, true);
  await pause;
  const t = v.currentTime;
  v.currentTime = 0; // ignored: a MediaStream cannot seek
  assert.ok(v.currentTime >= t);
  // play() fires `play` (and, without data yet, `waiting`) at once (HTML's internal play
  // steps), before the load's `loadstart`, which comes after this script; `playing` only
  // once the element has future data. Chromium's order (156, headless, its fake camera).
  assert.deepEqual(log, ['play', 'waiting', 'loadstart', 'durationchange', 'loadedmetadata', 'loadeddata', 'canplay', 'playing', 'canplaythrough', 'timeupdate', 'pause']);
  stream.getTracks().forEach((tr) => tr.stop());
});

test('play() and pause() promises, and the end of the stream', async () => {
  const v = new HTMLVideoElement();
  const e = await rejection(v.play());
  assert.ok(e instanceof DOMException && e.name === 'NotSupportedError', String(e));
  const stream = await mc.mediaDevices.getUserMedia({ video: true });
  v.srcObject = stream;
  const pending = v.play();
  v.pause();
  const aborted = await rejection(pending);
  assert.ok(aborted instanceof DOMException && aborted.name === 'AbortError', String(aborted));
  v.autoplay = true;
  v.srcObject = stream; // a new load: autoplay starts it
  await nextEvent(v, 'playing', 10000);
  const ended = nextEvent(v, 'ended', 10000);
  stream.getTracks().forEach((tr) => tr.stop());
  await ended;
  assert.equal(v.ended, true);
  assert.equal(v.paused, true);
});

test('bad input: srcObject, volume, an ended stream', async () => {
  const v = new HTMLVideoElement();
  assert.throws(() => {
    v.srcObject = {};
  }, TypeError);
  assert.throws(() => {
    v.volume = 1.5;
  }, (e) => e instanceof DOMException && e.name === 'IndexSizeError');
  assert.throws(() => {
    v.volume = NaN;
  }, TypeError);
  const change = nextEvent(v, 'volumechange');
  v.volume = 0.25;
  await change;
  assert.equal(v.volume, 0.25);
  // An ended stream: the element loads (nothing to wait for) and nothing breaks.
  const stream = await mc.mediaDevices.getUserMedia({ video: true });
  stream.getTracks().forEach((tr) => tr.stop());
  v.srcObject = stream;
  await nextEvent(v, 'canplaythrough', 10000);
  assert.equal(v.videoWidth, 0);
  await v.play();
  v.srcObject = null;
  assert.equal(v.networkState, v.NETWORK_EMPTY);
  assert.equal(v.readyState, v.HAVE_NOTHING);
});

test('setSinkId and selectAudioOutput', async () => {
  const a = new Audio();
  const unknown = await rejection(a.setSinkId('no-such-device'));
  assert.ok(unknown instanceof DOMException && unknown.name === 'NotFoundError', String(unknown));
  await assert.rejects(a.setSinkId(), TypeError);
  const stream = await mc.mediaDevices.getUserMedia({ audio: true });
  const speakers = (await mc.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audiooutput');
  assert.ok(speakers.length >= 1);
  await a.setSinkId(speakers[0].deviceId);
  assert.equal(a.sinkId, speakers[0].deviceId);
  await a.setSinkId('');
  assert.equal(a.sinkId, '');
  const chosen = await mc.mediaDevices.selectAudioOutput();
  assert.ok(chosen instanceof mc.MediaDeviceInfo);
  assert.equal(chosen.kind, 'audiooutput');
  assert.equal(chosen.deviceId, speakers[0].deviceId);
  assert.ok(Object.keys(mc.MediaDevices.prototype).includes('selectAudioOutput') || 'selectAudioOutput' in mc.mediaDevices);
  a.srcObject = stream;
  await a.play();
  assert.equal(a.paused, false);
  a.pause();
  stream.getTracks().forEach((tr) => tr.stop());
});

test('captureStream() gives tracks that carry the element, muted while paused', async () => {
  const stream = await mc.mediaDevices.getUserMedia({ video: { width: 640 }, audio: true });
  const v = new HTMLVideoElement();
  v.srcObject = stream;
  const captured = v.captureStream();
  assert.ok(captured instanceof mc.MediaStream);
  const added = [];
  captured.onaddtrack = (e) => added.push(e.isTrusted && e instanceof mc.MediaStreamTrackEvent && e.track);
  await nextEvent(v, 'loadedmetadata', 10000);
  await mc.flushEvents();
  assert.deepEqual(added.map((t) => t.kind).sort(), ['audio', 'video'], 'addtrack for each captured track');
  assert.ok(added.every((t) => captured.getTracks().includes(t)));
  const kinds = captured.getTracks().map((t) => t.kind).sort();
  assert.deepEqual(kinds, ['audio', 'video']);
  const [cv] = captured.getVideoTracks();
  assert.equal(cv.getSettings().width, 640);
  assert.equal(cv.muted, true, 'muted while paused');
  const unmute = nextEvent(cv, 'unmute');
  await v.play();
  await unmute;
  const reader = cv.frames({ format: 'RGBA' });
  const { value: frame } = await reader.next();
  assert.equal(frame.width, 640);
  await reader.return();
  const ended = nextEvent(cv, 'ended', 10000);
  const removed = nextEvent(captured, 'removetrack', 10000);
  v.srcObject = null;
  await ended;
  await removed;
  stream.getTracks().forEach((tr) => tr.stop());
});

test('the MDN "still photo" example: drawImage(video) takes the shown frame', async () => {
  const stream = await mc.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  const video = new HTMLVideoElement();
  const canvas = mc.createCanvas(640, 480);
  let width = 0;
  let height = 0;
  const ready = new Promise((resolve) => {
    video.addEventListener('canplay', () => {
      width = 640;
      height = video.videoHeight / (video.videoWidth / width);
      resolve();
    }, false);
  });
  video.srcObject = stream;
  video.play();
  await ready;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0, width, height);
  const data = context.getImageData(0, 0, width, height).data;
  // The fake camera's colour bars: the first (grey 191) and the sixth (red) at the bottom.
  const px = (x, y) => Array.from(data.slice((y * width + x) * 4, (y * width + x) * 4 + 3));
  const near = (a, b) => a.every((v, i) => Math.abs(v - b[i]) <= 12);
  assert.ok(near(px(40, 440), [191, 191, 191]), String(px(40, 440)));
  assert.ok(near(px(440, 440), [191, 0, 0]), String(px(440, 440)));
  stream.getTracks().forEach((t) => t.stop());
});
