'use strict';
// DOMs in Node (jsdom, happy-dom): `install(window)` makes their <canvas> elements draw with
// this package's 2D context (the Rust one behind `createCanvas`) and stream with
// `captureStream()`, and makes MediaRecorder's blobs the window's own Blobs.
//
// Neither DOM draws by itself: jsdom's getContext('2d') needs the `canvas` npm package
// (node-canvas), happy-dom's returns null. Each element gets a native canvas of its size the
// first time it is drawn on or captured; setting `width` / `height` resizes (and clears) it,
// as on an HTML canvas.

const { native, kRealmBlob, kInstalled } = require('./internal');
const { callNative } = require('./errors');
const { webidlInterface, findMember } = require('./webidl');
const { createContext2D, captureCanvas, nativeCanvases } = require('./sources');
const { MediaRecorder, realmBlobs, NodeBlob } = require('./recorder');
const { installMediaElements } = require('./dom_media');

const surfaces = new WeakMap(); // canvas element -> { n: NativeCanvas, ctx }

// An HTML canvas may be 0 pixels wide or high; the native one has at least one pixel.
const side = (v) => Math.max(1, Number(v) >>> 0);

function surfaceOf(el) {
  let s = surfaces.get(el);
  if (s === undefined) {
    const n = callNative(() => native.createCanvas(side(el.width), side(el.height)));
    s = { n, ctx: createContext2D(el, n.context()) };
    surfaces.set(el, s);
    nativeCanvases.set(el, n);
  }
  return s;
}

function installCanvas(globalObject) {
  const Element = globalObject.HTMLCanvasElement;
  if (typeof Element !== 'function' || Element.prototype.captureStream?.[kInstalled]) return;
  const proto = Element.prototype;
  const originalGetContext = proto.getContext;

  // width / height: the DOM's own accessors, then the native canvas follows (resized and
  // cleared, its context reset, even for an unchanged value, as the HTML spec says).
  for (const name of ['width', 'height']) {
    const d = findMember(proto, name);
    if (!d || typeof d.set !== 'function') continue;
    const accessors = {
      get [name]() {
        return d.get.call(this);
      },
      set [name](v) {
        d.set.call(this, v);
        const s = surfaces.get(this);
        if (s !== undefined) callNative(() => s.n.setSize(side(this.width), side(this.height)));
      },
    };
    const own = Object.getOwnPropertyDescriptor(accessors, name);
    Object.defineProperty(proto, name, { get: own.get, set: own.set, configurable: true, enumerable: d.enumerable });
  }

  // A TypeError of these functions' realm (Node's), as WebIDL's brand checks throw.
  const brand = (obj, what) => {
    if (!(obj instanceof Element)) throw new TypeError(`Failed to execute '${what}' on 'HTMLCanvasElement': Illegal invocation`);
  };
  const members = {
    getContext(contextId, options = null) {
      brand(this, 'getContext');
      if (arguments.length < 1) throw new TypeError("Failed to execute 'getContext' on 'HTMLCanvasElement': 1 argument required, but only 0 present.");
      if (String(contextId) === '2d') return surfaceOf(this).ctx;
      // Another kind of context on a canvas that has a 2D one: null, as the HTML spec says.
      if (surfaces.has(this)) return null;
      return typeof originalGetContext === 'function' ? originalGetContext.call(this, contextId, options) : null;
    },
    captureStream(frameRequestRate = undefined) {
      brand(this, 'captureStream');
      return captureCanvas(surfaceOf(this).n, this, frameRequestRate);
    },
    toDataURL() {
      brand(this, 'toDataURL');
      // PNG whatever type is asked for (the HTML spec's fallback for unsupported types).
      if (Number(this.width) === 0 || Number(this.height) === 0) return 'data:,';
      return `data:image/png;base64,${callNative(() => surfaceOf(this).n.toPng()).toString('base64')}`;
    },
    toBlob(callback) {
      brand(this, 'toBlob');
      if (typeof callback !== 'function') throw new TypeError("Failed to execute 'toBlob' on 'HTMLCanvasElement': The callback provided as parameter 1 is not a function.");
      const WindowBlob = typeof globalObject.Blob === 'function' ? globalObject.Blob : NodeBlob;
      const empty = Number(this.width) === 0 || Number(this.height) === 0;
      const blob = empty ? null : new WindowBlob([callNative(() => surfaceOf(this).n.toPng())], { type: 'image/png' });
      setImmediate(() => callback(blob));
    },
  };
  for (const [name, value] of Object.entries(members)) {
    Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: true });
  }
  Object.defineProperty(members.captureStream, kInstalled, { value: true });
}

/**
 * A window whose Blob is not Node's gets a MediaRecorder of its own (a subclass of the
 * package's, one per window, as each browser window has its own interface objects) whose
 * `dataavailable` blobs are that window's Blobs: a DOM's Blob constructor reads only its own
 * Blobs, so a page's `new Blob(chunks)` would otherwise hold "[object Blob]".
 */
function installRealmRecorder(globalObject) {
  const WindowBlob = globalObject.Blob;
  if (typeof WindowBlob !== 'function' || WindowBlob === NodeBlob) return;
  realmBlobs.add(WindowBlob);
  const RealmRecorder = class MediaRecorder extends BaseRecorder {
    static get [kRealmBlob]() {
      return WindowBlob;
    }
  };
  webidlInterface(RealmRecorder);
  Object.defineProperty(globalObject, 'MediaRecorder', { value: RealmRecorder, writable: true, configurable: true, enumerable: false });
}

const BaseRecorder = MediaRecorder;

/** What `install(globalObject)` adds for a DOM; nothing for a global object without one. */
function installDom(globalObject) {
  if (typeof globalObject.document !== 'object' || globalObject.document === null) return;
  installCanvas(globalObject);
  installMediaElements(globalObject);
  installRealmRecorder(globalObject);
}

module.exports = { installDom };
