'use strict';
// Media from JS: track.frames() (video and audio) and MediaStreamTrackProcessor.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, devices } = require('../testlib/helpers');

test('video frames: the track settings size, I420 planes, increasing timestamps, ends on stop', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 320, height: 240 } });
  const [t] = s.getTracks();
  const seen = [];
  for await (const f of t.frames()) {
    seen.push(f);
    if (seen.length === 5) break;
  }
  for (const f of seen) {
    assert.equal(f.width, 320);
    assert.equal(f.height, 240);
    assert.equal(f.format, 'I420');
    assert.ok(f.data instanceof Uint8Array);
    assert.equal(f.data.length, 320 * 240 * 1.5);
  }
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].timestamp > seen[i - 1].timestamp);
  const it = t.frames({ format: 'RGBA' });
  const { value } = await it.next();
  assert.equal(value.format, 'RGBA');
  assert.equal(value.data.length, 320 * 240 * 4);
  assert.ok([...value.data.subarray(3, 4 * 16)].filter((_, i) => i % 4 === 0).every((a) => a === 255), 'opaque alpha');
  const pending = it.next();
  t.stop();
  // Frames already captured may still come; then the iterator ends.
  let r = await pending;
  while (!r.done) r = await it.next();
  assert.equal(r.done, true);
  assert.throws(() => t.frames({ format: 'bogus' }));
});

test('a disabled track delivers black frames', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 320, height: 240 } });
  const [t] = s.getTracks();
  t.enabled = false;
  const it = t.frames();
  await it.next(); // may be a frame captured before the change
  const { value } = await it.next();
  const luma = value.data.subarray(0, 320 * 240);
  assert.ok(luma.every((y) => y <= 16), 'black (limited range)');
  await it.return();
  t.stop();
});

test('audio data: Float32Array blocks at the track settings', async () => {
  const md = devices();
  // Unprocessed (echoCancellation false): the test looks at the fake microphone's tone in
  // the very first block, which the processing stage may still be ramping up (gain control,
  // noise suppression) when it is delivered.
  const s = await md.getUserMedia({ audio: { channelCount: 1, echoCancellation: false } });
  const [t] = s.getTracks();
  const it = t.frames();
  const { value } = await it.next();
  assert.equal(value.format, 'f32');
  assert.equal(value.sampleRate, 48000);
  assert.equal(value.numberOfChannels, 1);
  assert.ok(value.data instanceof Float32Array);
  assert.equal(value.data.length, value.numberOfFrames * value.numberOfChannels);
  assert.ok(value.data.some((x) => Math.abs(x) > 0.01), 'the fake tone is audible');
  await it.return();
  t.stop();
});

test('MediaStreamTrackProcessor: a ReadableStream of frames', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: { width: 640, height: 480 } });
  const [t] = s.getTracks();
  const p = new mc.MediaStreamTrackProcessor({ track: t, maxBufferSize: 2 });
  assert.ok(p.readable instanceof ReadableStream);
  const reader = p.readable.getReader();
  const { value } = await reader.read();
  assert.equal(value.width, 640);
  await reader.cancel();
  assert.throws(() => new mc.MediaStreamTrackProcessor({}), TypeError);
  assert.throws(() => new mc.MediaStreamTrackProcessor({ track: t, maxBufferSize: -1 }), TypeError);
  t.stop();
  assert.throws(() => new mc.MediaStreamTrackProcessor({ track: t }), TypeError, 'an ended track');
});
