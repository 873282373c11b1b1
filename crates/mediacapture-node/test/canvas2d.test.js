'use strict';
// The 2D context of `createCanvas`: state, transforms, paths, pixels (HTML's
// CanvasRenderingContext2D semantics), drawn natively with tiny-skia.
const test = require('node:test');
const assert = require('node:assert/strict');
const mc = require('..');

function setup(w = 40, h = 40) {
  const canvas = mc.createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  const px = (x, y) => [...ctx.getImageData(x, y, 1, 1).data];
  return { canvas, ctx, px };
}

const RED = [255, 0, 0, 255];
const BLUE = [0, 0, 255, 255];
const NONE = [0, 0, 0, 0];

test('fillRect, arc + fill: the colour inside, transparent outside', () => {
  const { ctx, px } = setup();
  ctx.fillStyle = 'red';
  ctx.beginPath();
  ctx.arc(20, 20, 10, 0, 2 * Math.PI);
  ctx.fill();
  assert.deepEqual(px(20, 20), RED, 'centre');
  assert.deepEqual(px(20, 12), RED, 'inside, near the top');
  assert.deepEqual(px(2, 2), NONE, 'outside the circle');
  assert.deepEqual(px(32, 20), NONE, 'just beyond the radius');
  assert.deepEqual(px(27, 27), NONE, 'outside, on the diagonal (distance 9.9 from the centre is 10.6 for the pixel centre)');
  ctx.fillStyle = '#00f';
  ctx.fillRect(0, 0, 5, 5);
  assert.deepEqual(px(4, 4), BLUE);
  assert.deepEqual(px(5, 5), NONE, 'the rectangle excludes its right and bottom edges');
  ctx.clearRect(15, 15, 10, 10);
  assert.deepEqual(px(20, 20), NONE, 'clearRect');
});

test('arc: a half disc, clockwise or anticlockwise', () => {
  const { ctx, px } = setup();
  ctx.fillStyle = '#ff0000';
  ctx.beginPath();
  ctx.arc(20, 20, 15, 0, Math.PI); // clockwise on screen: through +y (the lower half)
  ctx.fill();
  assert.deepEqual(px(20, 30), RED, 'lower half filled');
  assert.deepEqual(px(20, 10), NONE, 'upper half empty');
  ctx.clearRect(0, 0, 40, 40);
  ctx.beginPath();
  ctx.arc(20, 20, 15, 0, Math.PI, true); // anticlockwise: the upper half
  ctx.fill();
  assert.deepEqual(px(20, 10), RED);
  assert.deepEqual(px(20, 30), NONE);
  assert.throws(() => ctx.arc(0, 0, -1, 0, 1), (e) => e instanceof DOMException && e.name === 'IndexSizeError');
});

test('fill rules: evenodd leaves the hole of nested rectangles, nonzero fills it', () => {
  const { ctx, px } = setup();
  ctx.fillStyle = 'blue';
  ctx.beginPath();
  ctx.rect(0, 0, 40, 40);
  ctx.rect(10, 10, 20, 20);
  ctx.fill('evenodd');
  assert.deepEqual(px(5, 5), BLUE);
  assert.deepEqual(px(20, 20), NONE);
  ctx.fill('nonzero');
  assert.deepEqual(px(20, 20), BLUE);
  assert.throws(() => ctx.fill('bogus'), TypeError);
});

test('stroke, lineWidth, closePath and strokeRect', () => {
  const { ctx, px } = setup();
  ctx.strokeStyle = '#0000ff';
  ctx.lineWidth = 4;
  ctx.lineWidth = -1; // ignored
  ctx.lineWidth = NaN; // ignored
  assert.equal(ctx.lineWidth, 4);
  ctx.beginPath();
  ctx.moveTo(0, 20);
  ctx.lineTo(40, 20);
  ctx.stroke();
  assert.deepEqual(px(20, 18), BLUE, 'within the 4 px line (y 18..22)');
  assert.deepEqual(px(20, 21), BLUE);
  assert.deepEqual(px(20, 16), NONE);
  assert.deepEqual(px(20, 23), NONE);
  // A closed triangle strokes its closing side too; an open one does not.
  ctx.clearRect(0, 0, 40, 40);
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(5, 5);
  ctx.lineTo(35, 5);
  ctx.lineTo(35, 35);
  ctx.stroke();
  assert.deepEqual(px(20, 20), NONE, 'no closing diagonal yet');
  ctx.closePath();
  ctx.stroke();
  assert.deepEqual(px(20, 20), BLUE, 'the closing diagonal');
  ctx.clearRect(0, 0, 40, 40);
  ctx.strokeRect(10, 10, 20, 20);
  assert.deepEqual(px(10, 20), BLUE, 'left side (x 9..11)');
  assert.deepEqual(px(20, 20), NONE, 'not filled');
});

test('a scale transforms the stroke width too', () => {
  const { ctx, px } = setup();
  ctx.strokeStyle = 'blue';
  ctx.scale(4, 4);
  ctx.lineWidth = 1; // 4 device pixels
  ctx.beginPath();
  ctx.moveTo(0, 5);
  ctx.lineTo(10, 5);
  ctx.stroke();
  assert.deepEqual(px(20, 18), BLUE);
  assert.deepEqual(px(20, 21), BLUE);
  assert.deepEqual(px(20, 23), NONE);
});

test('save/restore keep fillStyle, strokeStyle, lineWidth, globalAlpha and the transform', () => {
  const { ctx, px } = setup();
  ctx.fillStyle = 'red';
  ctx.save();
  ctx.fillStyle = 'blue';
  ctx.strokeStyle = 'lime';
  ctx.lineWidth = 7;
  ctx.globalAlpha = 0.5;
  ctx.translate(20, 20);
  ctx.fillRect(0, 0, 5, 5);
  assert.equal(px(22, 22)[3], 128, 'drawn translated at half alpha');
  assert.deepEqual(px(2, 2), NONE);
  ctx.restore();
  assert.equal(ctx.fillStyle, '#ff0000');
  assert.equal(ctx.strokeStyle, '#000000');
  assert.equal(ctx.lineWidth, 1);
  assert.equal(ctx.globalAlpha, 1);
  assert.deepEqual(ctx.getTransform(), { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
  ctx.fillRect(0, 0, 5, 5);
  assert.deepEqual(px(2, 2), RED, 'identity transform and red again');
  ctx.restore(); // an empty stack: nothing happens
  assert.equal(ctx.fillStyle, '#ff0000');
});

test('transforms: translate, rotate, setTransform, resetTransform; non-finite is ignored', () => {
  const { ctx, px } = setup();
  ctx.fillStyle = 'red';
  ctx.translate(20, 20);
  ctx.rotate(Math.PI / 2); // x axis now points down
  ctx.fillRect(2, -1, 10, 2); // device x 19..21, y 22..32
  assert.deepEqual(px(20, 30), RED);
  assert.deepEqual(px(30, 20), NONE);
  ctx.translate(NaN, 1); // ignored
  ctx.rotate(Infinity); // ignored
  const t = ctx.getTransform();
  assert.ok(Math.abs(t.b - 1) < 1e-12 && Math.abs(t.c + 1) < 1e-12 && t.e === 20 && t.f === 20);
  ctx.setTransform(2, 0, 0, 2, 0, 0);
  ctx.fillStyle = 'blue';
  ctx.fillRect(0, 0, 2, 2);
  assert.deepEqual(px(3, 3), BLUE, 'scaled by 2');
  ctx.setTransform({ a: 1, d: 1, e: 10 });
  assert.deepEqual(ctx.getTransform(), { a: 1, b: 0, c: 0, d: 1, e: 10, f: 0 });
  ctx.resetTransform();
  assert.deepEqual(ctx.getTransform(), { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
  // Path points are transformed when added, not when filled.
  ctx.beginPath();
  ctx.translate(30, 30);
  ctx.rect(0, 0, 5, 5);
  ctx.resetTransform();
  ctx.fill();
  assert.deepEqual(px(32, 32), BLUE);
  assert.deepEqual(px(27, 27), NONE);
  ctx.fillRect(NaN, 0, 5, 5); // ignored, no throw
});

test('globalAlpha blends source-over', () => {
  const { ctx, px } = setup();
  ctx.fillStyle = '#0000ff';
  ctx.fillRect(0, 0, 10, 10);
  ctx.globalAlpha = 0.25;
  ctx.globalAlpha = 2; // out of range: ignored
  assert.equal(ctx.globalAlpha, 0.25);
  ctx.fillStyle = '#ff0000';
  ctx.fillRect(0, 0, 10, 10);
  const [r, g, b, a] = px(5, 5);
  assert.ok(Math.abs(r - 64) <= 2, `red ${r}`);
  assert.equal(g, 0);
  assert.ok(Math.abs(b - 191) <= 2, `blue ${b}`);
  assert.equal(a, 255);
  // On transparent pixels: the colour at a quarter of its alpha.
  ctx.fillRect(20, 20, 5, 5);
  const p = px(22, 22);
  assert.ok(Math.abs(p[3] - 64) <= 1 && p[0] >= 250, `${p}`);
});

test('colours: hex, rgb(), rgba(), percentages, names; invalid values are ignored', () => {
  const { ctx } = setup();
  const cases = [
    ['#abc', '#aabbcc'],
    ['#ABCDEF', '#abcdef'],
    ['#11223380', 'rgba(17, 34, 51, 0.5)'],
    ['#f008', 'rgba(255, 0, 0, 0.533)'], // 0.53 would be 135, not 136
    ['rgb(1, 2, 3)', '#010203'],
    ['rgba(300, -5, 0, 0.25)', 'rgba(255, 0, 0, 0.25)'],
    ['rgb(100%, 0%, 50%)', '#ff0080'],
    ['orange', '#ffa500'],
    ['transparent', 'rgba(0, 0, 0, 0)'],
  ];
  for (const [input, serialised] of cases) {
    ctx.fillStyle = input;
    assert.equal(ctx.fillStyle, serialised, input);
    ctx.strokeStyle = input;
    assert.equal(ctx.strokeStyle, serialised, input);
  }
  ctx.fillStyle = 'red';
  for (const bad of ['nonsense', '#12', 'rgb(1, 2)', 'rgb(1%, 2, 3)', '', 'constructor']) {
    ctx.fillStyle = bad;
    assert.equal(ctx.fillStyle, '#ff0000', `${bad} is ignored`);
  }
});

test('getImageData / putImageData: non-premultiplied RGBA, exact round trip for opaque pixels', () => {
  const { ctx } = setup(8, 8);
  const img = ctx.createImageData(4, 4);
  assert.equal(img.data.length, 64);
  for (let i = 0; i < img.data.length; i += 4) img.data.set([i * 3, 255 - i, (i * 7) % 256, 255], i);
  img.data.set([200, 100, 50, 128], 4); // one half-transparent pixel
  ctx.putImageData(img, 2, 3);
  const back = ctx.getImageData(2, 3, 4, 4);
  assert.equal(back.width, 4);
  assert.equal(back.height, 4);
  assert.ok(back.data instanceof Uint8ClampedArray);
  for (let i = 0; i < 64; i += 4) {
    if (i === 4) continue;
    assert.deepEqual([...back.data.subarray(i, i + 4)], [...img.data.subarray(i, i + 4)], `pixel ${i / 4}`);
  }
  const half = [...back.data.subarray(4, 8)];
  assert.equal(half[3], 128);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(half[c] - [200, 100, 50][c]) <= 2, `${half}`);
  // Outside the canvas: transparent black; negative sizes are normalised.
  const edge = ctx.getImageData(8, 8, -10, -10);
  assert.equal(edge.width, 10);
  assert.deepEqual([...edge.data.subarray(0, 4)], NONE, '(-2, -2) is off the canvas');
  assert.deepEqual([...edge.data.subarray((5 * 10 + 4) * 4, (5 * 10 + 4) * 4 + 4)], [...img.data.subarray(0, 4)], '(2, 3)');
  assert.throws(() => ctx.getImageData(0, 0, 0, 1), (e) => e instanceof DOMException && e.name === 'IndexSizeError');
  assert.throws(() => ctx.putImageData({ width: 1, height: 1, data: [1, 2, 3, 4] }, 0, 0), TypeError);
  // A dirty rectangle copies only part of the image.
  const blue = ctx.createImageData(2, 2);
  for (let i = 0; i < 16; i += 4) blue.data.set(BLUE, i);
  ctx.putImageData(blue, 0, 0, 1, 1, 1, 1);
  assert.deepEqual([...ctx.getImageData(1, 1, 1, 1).data], BLUE);
  assert.deepEqual([...ctx.getImageData(0, 0, 1, 1).data], NONE);
});

test('drawImage of another canvas: position, scaling, source rectangle, globalAlpha', () => {
  const src = setup(4, 4);
  src.ctx.fillStyle = 'red';
  src.ctx.fillRect(0, 0, 2, 4);
  src.ctx.fillStyle = 'blue';
  src.ctx.fillRect(2, 0, 2, 4);
  const { ctx, px } = setup(20, 20);
  ctx.drawImage(src.canvas, 10, 10);
  assert.deepEqual(px(10, 10), RED);
  assert.deepEqual(px(13, 13), BLUE);
  assert.deepEqual(px(14, 10), NONE);
  ctx.drawImage(src.canvas, 0, 0, 8, 8);
  assert.deepEqual(px(1, 1), RED);
  assert.deepEqual(px(6, 6), BLUE);
  ctx.clearRect(0, 0, 20, 20);
  ctx.drawImage(src.canvas, 2, 0, 2, 4, 0, 0, 8, 8); // only the blue half, stretched
  assert.deepEqual(px(0, 0), BLUE);
  assert.deepEqual(px(7, 7), BLUE);
  assert.deepEqual(px(8, 8), NONE);
  ctx.clearRect(0, 0, 20, 20);
  ctx.globalAlpha = 0.5;
  ctx.drawImage(src.canvas, 0, 0);
  assert.equal(px(1, 1)[3], 128);
  assert.throws(() => ctx.drawImage({}, 0, 0), TypeError);
});

test('resizing the canvas resets the context state', () => {
  const { canvas, ctx } = setup();
  ctx.fillStyle = 'red';
  ctx.translate(3, 3);
  ctx.save();
  canvas.width = 30;
  assert.equal(ctx.fillStyle, '#000000');
  assert.deepEqual(ctx.getTransform(), { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
});

test('path drawing calls give captured frames', async () => {
  const { canvas, ctx } = setup(32, 32);
  const [track] = canvas.captureStream().getVideoTracks();
  const frames = track.frames({ format: 'RGBA' });
  try {
    const next = frames.next();
    ctx.fillStyle = '#00ff00';
    ctx.beginPath();
    ctx.arc(16, 16, 8, 0, 2 * Math.PI);
    ctx.fill();
    const { value } = await next;
    assert.equal(value.width, 32);
    // The canvas's RGBA reaches the reader as it is (alpha kept, no trip through YUV).
    const near = (data, i, want) => want.every((v, c) => Math.abs(data[i + c] - v) <= 0);
    const i = (16 * 32 + 16) * 4;
    assert.ok(near(value.data, i, [0, 255, 0, 255]), `${value.data.subarray(i, i + 4)}`);
    // Outside the circle: transparent ("the alpha channel content of the canvas must be
    // captured and preserved").
    assert.ok(near(value.data, 0, [0, 0, 0, 0]), `${value.data.subarray(0, 4)}`);
    // putImageData paints too. Wait first so that the track's 60 fps cap cannot drop the
    // frame (frames are timestamped when painted).
    await new Promise((r) => setTimeout(r, 100));
    const second = frames.next();
    const img = ctx.createImageData(32, 32);
    img.data.fill(255);
    ctx.putImageData(img, 0, 0);
    const frame = (await second).value;
    assert.ok(near(frame.data, 0, [255, 255, 255, 255]), `${frame.data.subarray(0, 4)}`);
  } finally {
    track.stop();
  }
});
