'use strict';
// Streams from canvases and media files (mediacapture-fromelement, natively).
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { mc } = require('../testlib/helpers');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('canvas: no frame before drawing, frames after, settings follow a resize', async () => {
  const canvas = mc.createCanvas(64, 48);
  const ctx = canvas.getContext('2d');
  const stream = canvas.captureStream();
  assert.ok(stream instanceof mc.MediaStream);
  const [track] = stream.getVideoTracks();
  assert.equal(track.canvas, canvas);
  assert.deepEqual([track.getSettings().width, track.getSettings().height], [64, 48]);
  const frames = track.frames({ format: 'RGBA' });
  const first = frames.next();
  // A check that something does NOT happen: no event or clock can show an absence, so this
  // waits a little; it can only pass wrongly, never fail wrongly, on a slow machine.
  const none = await Promise.race([first, sleep(300).then(() => 'nothing')]);
  assert.equal(none, 'nothing', 'no frame until the canvas is drawn to');
  ctx.fillStyle = '#ff0000';
  ctx.fillRect(0, 0, 64, 48);
  const { value } = await first;
  assert.equal(value.width, 64);
  // Exact: the canvas's RGBA reaches the reader without a trip through YUV.
  assert.deepEqual([...value.data.subarray(0, 4)], [255, 0, 0, 255]);
  canvas.width = 32;
  await mc.flushEvents();
  assert.equal(track.getSettings().width, 32);
  assert.equal(canvas.width, 32);
  track.stop();
});

test('canvas: frameRequestRate 0 sends frames only on requestFrame()', async () => {
  const canvas = mc.createCanvas(16, 16);
  const ctx = canvas.getContext('2d');
  const [track] = canvas.captureStream(0).getVideoTracks();
  const frames = track.frames();
  ctx.fillRect(0, 0, 16, 16); // the initial request is still pending: one frame
  await frames.next();
  ctx.fillRect(0, 0, 8, 8); // no request: no frame
  const second = frames.next();
  // A check that something does NOT happen: no event or clock can show an absence, so this
  // waits a little; it can only pass wrongly, never fail wrongly, on a slow machine.
  const none = await Promise.race([second, sleep(300).then(() => 'nothing')]);
  assert.equal(none, 'nothing');
  track.requestFrame();
  ctx.fillRect(0, 0, 4, 4);
  const { value } = await Promise.race([second, sleep(2000).then(() => ({ value: null }))]);
  assert.ok(value, 'requestFrame() then a draw gives a frame');
  track.stop();
  assert.throws(() => canvas.captureStream(-1), (e) => e instanceof DOMException && e.name === 'NotSupportedError');
  ctx.fillStyle = 'not a colour';
  assert.equal(ctx.fillStyle, '#000000', 'an unparsable fillStyle is ignored');
  assert.ok(canvas.toPNG().subarray(1, 4).equals(Buffer.from('PNG')));
});

test('media file: captureStream plays it and the tracks end at its end', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-file-'));
  const file = path.join(dir, 'in.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15', '-f', 'lavfi',
    '-i', 'sine=f=440:sample_rate=48000', '-t', '1', '-c:v', 'libvpx', '-c:a', 'libopus', file]);
  const media = mc.openMediaFile(file);
  const stream = media.captureStream();
  assert.equal(stream.getVideoTracks().length, 1);
  assert.equal(stream.getAudioTracks().length, 1);
  const [video] = stream.getVideoTracks();
  assert.equal(video.getSettings().width, 160);
  const ended = new Promise((resolve) => { video.onended = resolve; });
  const ev = await Promise.race([ended, sleep(5000).then(() => null)]);
  assert.ok(ev, 'ended fires at the end of the file');
  assert.equal(video.readyState, 'ended');
  assert.equal(media.ended, true);
  assert.throws(() => mc.openMediaFile(path.join(dir, 'missing.webm')), (e) => e instanceof DOMException);
  fs.writeFileSync(path.join(dir, 'junk.webm'), Buffer.from('not a media file at all'));
  assert.throws(() => mc.openMediaFile(path.join(dir, 'junk.webm')), (e) => e instanceof DOMException);
  fs.rmSync(dir, { recursive: true, force: true });
});
