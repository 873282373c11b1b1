'use strict';
// Media files and canvases: nonstandard entry points for what a page gets from <video> and
// <canvas> elements. The canvas and its 2D context are the Rust ones
// (mediacapture_sources::canvas); this file only converts arguments as WebIDL does.

const { native, kInternal, kPrepareTrack, kCloneTrack } = require('./internal');
const { callNative } = require('./errors');
const { idlString, idlLong, idlDouble } = require('./webidl');
const { MediaStream } = require('./stream');
const { MediaStreamTrack } = require('./track');

/** `openMediaFile(path)`: a playing file with `captureStream()` (like `video.captureStream()`). */
function openMediaFile(path) {
  const n = callNative(() => native.openMediaFile(String(path)));
  let loop = false;
  return Object.freeze({
    captureStream: () => MediaStream[kInternal](callNative(() => n.captureStream())),
    play: () => callNative(() => n.play()),
    pause: () => n.pause(),
    seek: (seconds) => n.seek(Number(seconds)),
    get loop() {
      return loop;
    },
    set loop(v) {
      loop = Boolean(v);
      n.setLoop(loop);
    },
    get ended() {
      return n.ended;
    },
    get currentTime() {
      return n.currentTime;
    },
  });
}

/** The native canvas behind each `createCanvas` canvas (for `drawImage`). */
const nativeCanvases = new WeakMap();

/** `setTransform(transform)`: a DOMMatrix2DInit, validated and fixed up as DOMMatrix does. */
function matrix2D(init) {
  const o = init ?? {};
  if (typeof o !== 'object' && typeof o !== 'function') {
    throw new TypeError("Failed to execute 'setTransform': The provided value is not of type 'DOMMatrix2DInit'.");
  }
  const member = (name) => (o[name] === undefined ? undefined : Number(o[name]));
  const pairs = [
    ['a', 'm11', 1],
    ['b', 'm12', 0],
    ['c', 'm21', 0],
    ['d', 'm22', 1],
    ['e', 'm41', 0],
    ['f', 'm42', 0],
  ];
  return pairs.map(([short, long, initial]) => {
    const s = member(short);
    const l = member(long);
    // SameValueZero: NaN equals NaN, +0 equals -0.
    if (s !== undefined && l !== undefined && s !== l && !(Number.isNaN(s) && Number.isNaN(l))) {
      throw new TypeError(`Failed to execute 'setTransform': the ${short} and ${long} members differ.`);
    }
    return l ?? s ?? initial;
  });
}

function imageDataFrom({ width, height, data }) {
  return { width, height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), colorSpace: 'srgb' };
}

/** The 2D context of a `createCanvas` canvas: each call is one call of the native context. */
function createContext2D(canvas, c) {
  const num = (...xs) => xs.map(Number);
  return Object.freeze({
    canvas,
    // ---- state
    save: () => c.save(),
    restore: () => c.restore(),
    get fillStyle() {
      return c.fillStyle;
    },
    set fillStyle(v) {
      c.setFillStyle(idlString(v));
    },
    get strokeStyle() {
      return c.strokeStyle;
    },
    set strokeStyle(v) {
      c.setStrokeStyle(idlString(v));
    },
    get lineWidth() {
      return c.lineWidth;
    },
    set lineWidth(v) {
      c.setLineWidth(Number(v));
    },
    get globalAlpha() {
      return c.globalAlpha;
    },
    set globalAlpha(v) {
      c.setGlobalAlpha(Number(v));
    },
    // ---- transforms
    translate: (x, y) => c.translate(...num(x, y)),
    scale: (x, y) => c.scale(...num(x, y)),
    rotate: (angle) => c.rotate(Number(angle)),
    transform: (a, b, c_, d, e, f) => c.transform(...num(a, b, c_, d, e, f)),
    setTransform(a, b, c_, d, e, f) {
      // setTransform(transform: DOMMatrix2DInit = {}) or setTransform(a, b, c, d, e, f).
      if (arguments.length <= 1) c.setTransform(...matrix2D(a));
      else c.setTransform(...num(a, b, c_, d, e, f));
    },
    resetTransform: () => c.resetTransform(),
    getTransform() {
      const { a, b, c: c_, d, e, f } = c.getTransform();
      return { a, b, c: c_, d, e, f };
    },
    // ---- paths
    beginPath: () => c.beginPath(),
    moveTo: (x, y) => c.moveTo(...num(x, y)),
    lineTo: (x, y) => c.lineTo(...num(x, y)),
    closePath: () => c.closePath(),
    rect: (x, y, w, h) => c.rect(...num(x, y, w, h)),
    arc: (x, y, radius, startAngle, endAngle, anticlockwise = false) =>
      callNative(() => c.arc(...num(x, y, radius, startAngle, endAngle), Boolean(anticlockwise))),
    fill: (fillRule = undefined) => callNative(() => c.fill(fillRule === undefined ? undefined : idlString(fillRule))),
    stroke: () => c.stroke(),
    // ---- rectangles
    fillRect: (x, y, w, h) => c.fillRect(...num(x, y, w, h)),
    clearRect: (x, y, w, h) => c.clearRect(...num(x, y, w, h)),
    strokeRect: (x, y, w, h) => c.strokeRect(...num(x, y, w, h)),
    // ---- pixels
    createImageData(sw, sh) {
      // createImageData(imagedata): the same size.
      if (typeof sw === 'object' && sw !== null) [sw, sh] = [sw.width, sw.height];
      return imageDataFrom(callNative(() => c.createImageData(idlLong(sw), idlLong(sh))));
    },
    getImageData: (sx, sy, sw, sh) => imageDataFrom(callNative(() => c.getImageData(idlLong(sx), idlLong(sy), idlLong(sw), idlLong(sh)))),
    putImageData(imageData, dx, dy, ...dirty) {
      const d = imageData?.data;
      const w = imageData?.width;
      const h = imageData?.height;
      if (!(d instanceof Uint8ClampedArray) || !Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0 || d.length !== w * h * 4) {
        throw new TypeError("Failed to execute 'putImageData': parameter 1 is not of type 'ImageData'.");
      }
      if (dirty.length !== 0 && dirty.length !== 4) throw new TypeError('putImageData takes 3 or 7 arguments');
      const bytes = new Uint8Array(d.buffer, d.byteOffset, d.length);
      callNative(() => c.putImageData(bytes, w, idlLong(dx), idlLong(dy), dirty.length ? dirty.map(idlLong) : undefined));
    },
    drawImage(image, ...args) {
      // A <video> draws the frame it shows (lib/media_element.js).
      const { nativeElementOf, drawMediaElement } = require('./media_element');
      const element = nativeElementOf(image);
      if (element !== undefined) {
        if (![2, 4, 8].includes(args.length)) throw new TypeError(`drawImage takes 3, 5 or 9 arguments, not ${args.length + 1}`);
        drawMediaElement(c, element, args);
        return;
      }
      const src = nativeCanvases.get(image);
      if (!src) throw new TypeError('drawImage: the image is not a canvas made by createCanvas or a media element');
      if (![2, 4, 8].includes(args.length)) throw new TypeError(`drawImage takes 3, 5 or 9 arguments, not ${args.length + 1}`);
      callNative(() => c.drawImage(src, args.map(Number)));
    },
  });
}

// ------------------------------------------------------------------------------------------
// CanvasCaptureMediaStreamTrack (mediacapture-fromelement)

let constructingCanvasTrack = null;

/** The video track of a canvas's `captureStream()`: a MediaStreamTrack with `canvas` and `requestFrame()`. */
class CanvasCaptureMediaStreamTrack extends MediaStreamTrack {
  #canvas;
  #capture;
  constructor() {
    const c = constructingCanvasTrack;
    constructingCanvasTrack = null;
    if (c === null) throw new TypeError('Illegal constructor');
    MediaStreamTrack[kPrepareTrack](c.native);
    super();
    this.#canvas = c.canvas;
    this.#capture = c.capture;
  }
  get canvas() {
    return this.#canvas;
  }
  /** Sets the track's [[frameCaptureRequested]]: the next paint is captured, whatever the rate. */
  requestFrame() {
    this.#capture.requestFrame();
  }
  // A clone captures the same canvas (Chromium's clone of a canvas track is one too).
  [kCloneTrack](n) {
    return canvasTrack(n, this.#canvas, this.#capture);
  }
}

function canvasTrack(native, canvas, capture) {
  constructingCanvasTrack = { native, canvas, capture };
  return new CanvasCaptureMediaStreamTrack();
}

/**
 * `captureStream(frameRequestRate)` of the native canvas `n`, whose JavaScript face is
 * `canvas` (a `createCanvas` canvas, or an HTMLCanvasElement of a DOM that `install()`
 * extended): a stream with one CanvasCaptureMediaStreamTrack.
 */
function captureCanvas(n, canvas, frameRequestRate) {
  const rate = frameRequestRate === undefined ? undefined : idlDouble(frameRequestRate, "Failed to execute 'captureStream' on 'HTMLCanvasElement': The provided double value");
  const capture = callNative(() => n.captureStream(rate));
  return MediaStream[kInternal](capture.stream(), (nt) => canvasTrack(nt, canvas, capture));
}

/**
 * `createCanvas(width, height)`: a drawing surface with `getContext('2d')` (a
 * CanvasRenderingContext2D subset: see index.d.ts), `width`/`height` (setting one resizes,
 * clears and resets the context, as on an HTML canvas), `toPNG()` and
 * `captureStream(frameRequestRate)`, whose video track is a CanvasCaptureMediaStreamTrack.
 */
function createCanvas(width, height) {
  const n = callNative(() => native.createCanvas(width >>> 0, height >>> 0));
  const canvas = {};
  const ctx = createContext2D(canvas, n.context());
  Object.defineProperties(canvas, {
    width: { get: () => n.width, set: (w) => callNative(() => n.setSize(w >>> 0, n.height)), enumerable: true },
    height: { get: () => n.height, set: (h) => callNative(() => n.setSize(n.width, h >>> 0)), enumerable: true },
    getContext: { value: (type) => (type === '2d' ? ctx : null) },
    toPNG: { value: () => callNative(() => n.toPng()) },
    // HTML's toDataURL / toBlob: PNG is the one type here, and HTML says an unsupported
    // type gives PNG.
    toDataURL: { value: () => `data:image/png;base64,${callNative(() => n.toPng()).toString('base64')}` },
    toBlob: {
      value: (callback, type = undefined, quality = undefined) => {
        if (typeof callback !== 'function') throw new TypeError("Failed to execute 'toBlob' on 'HTMLCanvasElement': parameter 1 is not of type 'BlobCallback'.");
        const png = callNative(() => n.toPng());
        setImmediate(() => callback(new Blob([png], { type: 'image/png' })));
      },
    },
    captureStream: { value: (frameRequestRate = undefined) => captureCanvas(n, canvas, frameRequestRate) },
  });
  Object.freeze(canvas);
  nativeCanvases.set(canvas, n);
  return canvas;
}

module.exports = { openMediaFile, createCanvas, createContext2D, captureCanvas, nativeCanvases, CanvasCaptureMediaStreamTrack };
