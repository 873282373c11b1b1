'use strict';
// VideoTrackGenerator and MediaStreamTrackGenerator (mediacapture-transform): what is written
// reaches the track, a processor pipes into a generator, muted, close, the kind of chunks.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, devices, nextEvent } = require('../testlib/helpers');

const rgba = (width, height, v) => ({ format: 'RGBA', width, height, data: new Uint8Array(width * height * 4).fill(v) });

test('VideoTrackGenerator: a written frame reaches its track, whose settings follow the frame', async () => {
  const g = new mc.VideoTrackGenerator();
  assert.equal(g.writable, g.writable, 'the same WritableStream each time');
  assert.equal(g.track, g.track);
  assert.ok(g.track instanceof mc.MediaStreamTrack);
  assert.equal(g.track.kind, 'video');
  assert.equal(g.muted, false);
  const frames = g.track.frames({ format: 'RGBA' });
  const writer = g.writable.getWriter();
  await writer.write(rgba(8, 4, 200));
  const { value } = await frames.next();
  assert.deepEqual([value.width, value.height], [8, 4]);
  // Exact, alpha included: the track passes unscaled RGBA through (as a canvas's).
  assert.deepEqual([...value.data.subarray(0, 4)], [200, 200, 200, 200]);
  await mc.flushEvents();
  const s = g.track.getSettings();
  assert.deepEqual([s.width, s.height], [8, 4]);
  assert.equal(s.deviceId, undefined);
  // Closing the writable ends the track, with an ended event.
  const ended = nextEvent(g.track, 'ended', 20000);
  await writer.close();
  await ended;
  assert.equal(g.track.readyState, 'ended');
  await frames.return();
});

test('a MediaStreamTrackProcessor pipes a camera into a VideoTrackGenerator', async () => {
  const md = devices();
  const stream = await md.getUserMedia({ video: { width: 640, height: 480 } });
  const [camera] = stream.getVideoTracks();
  const processor = new mc.MediaStreamTrackProcessor({ track: camera });
  const g = new mc.VideoTrackGenerator();
  const piped = processor.readable.pipeTo(g.writable);
  const frames = g.track.frames();
  const { value } = await frames.next();
  assert.deepEqual([value.width, value.height], [640, 480]);
  // The camera's end closes the processor's readable, which closes the generator's writable:
  // the generated track ends too.
  const ended = nextEvent(g.track, 'ended', 20000);
  camera.stop();
  await piped;
  await ended;
  await frames.return();
});

test('VideoTrackGenerator.muted mutes its tracks and drops what is written meanwhile', async () => {
  const g = new mc.VideoTrackGenerator();
  const writer = g.writable.getWriter();
  const frames = g.track.frames();
  const mute = nextEvent(g.track, 'mute', 20000);
  g.muted = true;
  assert.equal(g.muted, true);
  await mute;
  assert.equal(g.track.muted, true);
  await writer.write(rgba(16, 16, 1));
  const unmute = nextEvent(g.track, 'unmute', 20000);
  g.muted = false;
  await unmute;
  await writer.write(rgba(4, 4, 2));
  const { value } = await frames.next();
  assert.equal(value.width, 4, 'the frame written while muted reached no track');
  g.track.stop();
  await frames.return();
});

test('a generator rejects what is not a frame of its kind, with a TypeError', async () => {
  const g = new mc.VideoTrackGenerator();
  const w1 = g.writable.getWriter();
  await assert.rejects(w1.write('not a frame'), TypeError);
  const g2 = new mc.VideoTrackGenerator();
  await assert.rejects(g2.writable.getWriter().write({ format: 'RGBA', width: 4, height: 4, data: new Uint8Array(3) }), TypeError);
  const a = new mc.MediaStreamTrackGenerator({ kind: 'audio' });
  await assert.rejects(a.writable.getWriter().write(rgba(4, 4, 0)), TypeError);
  for (const t of [g.track, g2.track, a]) t.stop();
});

test('MediaStreamTrackGenerator is a MediaStreamTrack of its kind; audio written reaches it', async () => {
  assert.throws(() => new mc.MediaStreamTrackGenerator(), TypeError);
  assert.throws(() => new mc.MediaStreamTrackGenerator({}), TypeError);
  assert.throws(() => new mc.MediaStreamTrackGenerator({ kind: 'text' }), TypeError);
  const a = new mc.MediaStreamTrackGenerator({ kind: 'audio' });
  assert.ok(a instanceof mc.MediaStreamTrack);
  assert.equal(Object.prototype.toString.call(a), '[object MediaStreamTrackGenerator]');
  assert.equal(a.kind, 'audio');
  assert.equal(a.readyState, 'live');
  const clone = a.clone();
  assert.equal(Object.getPrototypeOf(clone), mc.MediaStreamTrack.prototype, 'a clone is a plain track');
  clone.stop();
  const blocks = a.frames();
  const writer = a.writable.getWriter();
  const samples = new Float32Array(960).map((_, i) => Math.sin(i / 10) / 2);
  await writer.write({ sampleRate: 48000, numberOfChannels: 2, data: samples });
  const { value } = await blocks.next();
  assert.equal(value.sampleRate, 48000);
  assert.ok(value.numberOfFrames > 0);
  await mc.flushEvents();
  assert.equal(a.getSettings().channelCount, 2);
  a.stop();
  await blocks.return();
});
