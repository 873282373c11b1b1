'use strict';
// navigator.mediaDevices for Node.js, shaped like the browser's (Media Capture and Streams,
// the getDisplayMedia part of Screen Capture, and a MediaStreamTrackProcessor), on the
// `mediacapture` Rust library (the native half is src/lib.rs, loaded from mediacapture.node).
//
// What lives here: the DOM shapes. Every interface is a class whose attributes are getters on
// its prototype; every event target extends the global EventTarget and has its `on…`
// attributes; events the implementation fires are trusted (`isTrusted === true`); errors are
// DOMExceptions named as the spec names them (OverconstrainedError extends DOMException) or
// plain TypeErrors where WebIDL says so; dictionaries are converted from JavaScript values as
// WebIDL converts them (src/lib.rs finishes the conversion with the Rust library's rules).

const path = require('node:path');

const native = loadNative();

function loadNative() {
  const file = path.join(__dirname, 'mediacapture.node');
  try {
    return require(file);
  } catch (e) {
    const err = new Error(
      `mediacapture: cannot load the native addon ${file} (${e.message}). ` +
        'Build it first: cd crates/mediacapture-node && npm install && npm run build',
    );
    err.cause = e;
    throw err;
  }
}

// Constructs objects whose public constructor is "Illegal constructor" (MediaStreamTrack,
// MediaDevices, MediaDeviceInfo, InputDeviceInfo) from inside this module only.
const kInternal = Symbol('mediacapture.internal');

// ------------------------------------------------------------------------------------------
// Trusted events.
//
// Node's Event sets isTrusted only when its options carry an internal symbol (the one Node
// uses for its own AbortSignal "abort" events). The symbol is not exported, but Event's
// constructor looks it up in the options object: a Proxy sees the lookup and answers true.
// The result is an ordinary, genuinely trusted Node Event.

let kTrustEvent = null;
{
  const probe = new Proxy(
    {},
    {
      get(target, key) {
        if (typeof key === 'symbol' && key.description === 'kTrustEvent') kTrustEvent = key;
        return undefined;
      },
    },
  );
  new Event('probe', probe); // eslint-disable-line no-new
}

function trusted(init = {}) {
  return new Proxy(init, {
    get(target, key, receiver) {
      if (kTrustEvent !== null && key === kTrustEvent) return true;
      return Reflect.get(target, key, receiver);
    },
  });
}

// ------------------------------------------------------------------------------------------
// Event handler attributes (HTML "event handler IDL attributes").
//
// The first non-null assignment registers one listener at that point of the listener list;
// later assignments replace the callback in place (keeping its position); null removes it.
// Non-objects are treated as null ([LegacyTreatNonObjectAsNull]); a non-callable object is
// stored and does nothing when the event fires. A handler returning false cancels the event.

const handlerMaps = new WeakMap();

function defineEventHandlers(cls, types) {
  for (const type of types) {
    Object.defineProperty(cls.prototype, `on${type}`, {
      configurable: true,
      enumerable: true,
      get() {
        brand(cls, this);
        const h = handlerMaps.get(this)?.get(type);
        return h ? h.value : null;
      },
      set(value) {
        brand(cls, this);
        let map = handlerMaps.get(this);
        if (!map) {
          map = new Map();
          handlerMaps.set(this, map);
        }
        const v = (typeof value === 'object' && value !== null) || typeof value === 'function' ? value : null;
        const h = map.get(type);
        if (v === null) {
          if (h) {
            this.removeEventListener(type, h.listener);
            map.delete(type);
          }
          return;
        }
        if (h) {
          h.value = v;
          return;
        }
        const entry = {
          value: v,
          listener(event) {
            const f = entry.value;
            if (typeof f !== 'function') return;
            const r = f.call(event.currentTarget, event);
            if (r === false) event.preventDefault();
          },
        };
        map.set(type, entry);
        this.addEventListener(type, entry.listener);
      },
    });
  }
}

function brand(cls, obj) {
  if (!(obj instanceof cls)) throw new TypeError('Illegal invocation');
}

// ------------------------------------------------------------------------------------------
// Errors.

class OverconstrainedError extends DOMException {
  #constraint;
  constructor(constraint, message = '') {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'OverconstrainedError': 1 argument required, but only 0 present.");
    }
    super(message === undefined ? '' : String(message), 'OverconstrainedError');
    this.#constraint = String(constraint);
  }
  get constraint() {
    if (!(#constraint in this)) throw new TypeError('Illegal invocation');
    return this.#constraint;
  }
}
Object.defineProperty(OverconstrainedError.prototype, Symbol.toStringTag, {
  value: 'OverconstrainedError',
  configurable: true,
});

function errorFrom(json) {
  const e = typeof json === 'string' ? JSON.parse(json) : json;
  if (e.name === 'TypeError') return new TypeError(e.message);
  if (e.name === 'OverconstrainedError') return new OverconstrainedError(e.constraint ?? '', e.message);
  return new DOMException(e.message, e.name);
}

// ------------------------------------------------------------------------------------------
// WebIDL conversion of a JavaScript value to JSON text.
//
// The dictionaries' own conversion (member types, [Clamp], enums, TypeErrors naming the
// member) is done by the Rust side from JSON with JavaScript's rules; this step only makes a
// JavaScript value representable as JSON without changing what WebIDL would see:
// - dictionary members are read with [[Get]], so inherited and getter-defined members count
//   (not just own enumerable ones as JSON.stringify would); undefined members are absent;
// - NaN and ±Infinity become the strings "NaN" / "Infinity" / "-Infinity", which ToNumber
//   turns back into the same values (so `double` members still reject them with TypeError);
// - iterable objects (Set, generators) become arrays, as sequence conversion iterates them;
// - cycles are cut (a browser would only follow the members it knows).
// Known gap: ToBoolean("NaN") is true where ToBoolean(NaN) is false.

function toIdlJson(value, skipTopLevel) {
  const seen = new Set();
  function conv(v, depth) {
    switch (typeof v) {
      case 'undefined':
        return undefined;
      case 'boolean':
      case 'string':
        return v;
      case 'number':
        if (Number.isNaN(v)) return 'NaN';
        if (v === Infinity) return 'Infinity';
        if (v === -Infinity) return '-Infinity';
        return v;
      case 'bigint':
        return String(v);
      case 'symbol':
        throw new TypeError('Cannot convert a Symbol value to a string');
      default:
        break;
    }
    if (v === null) return null;
    if (v instanceof String || v instanceof Number || v instanceof Boolean) return conv(v.valueOf(), depth);
    if (seen.has(v) || depth > 64) return null;
    seen.add(v);
    try {
      if (Array.isArray(v) || (typeof v[Symbol.iterator] === 'function' && typeof v !== 'function')) {
        return Array.from(v, (x) => {
          const c = conv(x, depth + 1);
          return c === undefined ? null : c;
        });
      }
      const out = {};
      for (const key of allKeys(v)) {
        if (depth === 0 && skipTopLevel && skipTopLevel.includes(key)) continue;
        const c = conv(v[key], depth + 1);
        if (c !== undefined) out[key] = c;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  }
  const r = conv(value, 0);
  return JSON.stringify(r === undefined ? {} : r);
}

const builtinProtos = new Set([Object.prototype, Function.prototype, Array.prototype]);

function allKeys(obj) {
  const keys = new Set();
  for (let o = obj; o !== null && !builtinProtos.has(o); o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k !== 'constructor' && k !== '__proto__') keys.add(k);
    }
  }
  return keys;
}

function idlString(v) {
  if (typeof v === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return String(v);
}

// ------------------------------------------------------------------------------------------
// Native event delivery and keeping the process alive.
//
// Every native event arrives through one threadsafe function, in the order the library fired
// it. That function is weak: what keeps node's event loop alive is one timer, referenced only
// while something waits for native events: a live track with an `ended` / `mute` / `unmute`
// listener (or handler), or a recording MediaRecorder. Pending promises and frame reads keep
// the loop alive by themselves. A live track nobody listens to does not: a script that gets a
// stream, prints its settings and returns exits, as does one that stops every track.

const targets = new Map(); // target id -> object receiving native events
let nextTargetInEnv = 1;
// Target ids carry this environment's number (main thread, or a worker) in their top 8 bits.
const nextTarget = () => envNumber * 2 ** 24 + nextTargetInEnv++;
const watchers = new Set(); // objects that keep the process alive
let keepAliveTimer = null;

function watch(obj, on) {
  if (on) watchers.add(obj);
  else watchers.delete(obj);
  if (watchers.size > 0) {
    if (keepAliveTimer === null) keepAliveTimer = setInterval(() => {}, 1 << 30);
    keepAliveTimer.ref();
  } else if (keepAliveTimer !== null) {
    keepAliveTimer.unref();
  }
}

const envNumber = native.setEventSink((...args) => {
  // napi hands the (target, type, payload) tuple over as one array.
  const [target, type, payload] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  const obj = targets.get(target);
  if (obj) obj[kNativeEvent](type, payload);
});

const kNativeEvent = Symbol('mediacapture.nativeEvent');

// ------------------------------------------------------------------------------------------
// MediaStreamTrack

const kTrackState = Symbol('mediacapture.trackState');
let constructingTrack = null;

class MediaStreamTrack extends EventTarget {
  #n;
  #target;
  #readyState;
  #muted;
  #kind;
  #id;
  #label;

  constructor() {
    const n = constructingTrack;
    constructingTrack = null;
    if (n === null) throw new TypeError('Illegal constructor');
    super();
    this.#n = n;
    this.#kind = n.kind;
    this.#id = n.id;
    this.#label = n.label;
    this.#readyState = n.readyState;
    this.#muted = n.muted;
    this.#target = nextTarget();
    if (this.#readyState === 'live') {
      targets.set(this.#target, this);
      n.listen(this.#target);
    }
  }

  static [kInternal](n) {
    constructingTrack = n;
    return new MediaStreamTrack();
  }

  #listeners = new Map(); // type -> Set of callbacks, for the keep-alive decision

  #ended() {
    this.#readyState = 'ended';
    targets.delete(this.#target);
    watch(this, false);
  }

  #updateWatch() {
    let any = false;
    for (const type of ['ended', 'mute', 'unmute']) any ||= (this.#listeners.get(type)?.size ?? 0) > 0;
    watch(this, any && this.#readyState === 'live');
  }

  addEventListener(type, callback, options) {
    super.addEventListener(type, callback, options);
    if (callback !== null && callback !== undefined && !(options && typeof options === 'object' && options.once)) {
      const t = String(type);
      if (!this.#listeners.has(t)) this.#listeners.set(t, new Set());
      this.#listeners.get(t).add(callback);
      this.#updateWatch();
    }
  }

  removeEventListener(type, callback, options) {
    super.removeEventListener(type, callback, options);
    this.#listeners.get(String(type))?.delete(callback);
    this.#updateWatch();
  }

  [kNativeEvent](type) {
    if (this.#readyState === 'ended') return;
    if (type === 'ended') {
      this.#ended();
      this.dispatchEvent(new Event('ended', trusted()));
    } else if (type === 'mute' || type === 'unmute') {
      const muted = type === 'mute';
      if (this.#muted === muted) return;
      this.#muted = muted;
      this.dispatchEvent(new Event(type, trusted()));
    }
  }

  static [kTrackState](t) {
    return { native: t.#n, live: t.#readyState === 'live' };
  }

  get kind() {
    return this.#kind;
  }

  get id() {
    return this.#id;
  }

  get label() {
    return this.#label;
  }

  get enabled() {
    return this.#n.enabled;
  }

  set enabled(v) {
    this.#n.setEnabled(Boolean(v));
  }

  get muted() {
    return this.#muted;
  }

  get readyState() {
    return this.#readyState;
  }

  /** mst-content-hint: "" or, for audio, speech / speech-recognition / music; for video, motion / detail / text. */
  get contentHint() {
    return this.#n.contentHint;
  }

  set contentHint(v) {
    this.#n.setContentHint(idlString(v));
  }

  clone() {
    const c = MediaStreamTrack[kInternal](this.#n.cloneTrack());
    // The clone copies this track's state as JavaScript sees it.
    if (this.#readyState === 'ended') c.#ended();
    c.#muted = this.#muted;
    return c;
  }

  stop() {
    if (this.#readyState === 'ended') return;
    this.#n.stop();
    this.#ended();
  }

  getCapabilities() {
    return JSON.parse(this.#n.capabilities());
  }

  getConstraints() {
    return JSON.parse(this.#n.constraints());
  }

  getSettings() {
    return JSON.parse(this.#n.settings());
  }

  applyConstraints(constraints = undefined) {
    const n = this.#n;
    let json;
    try {
      json = toIdlJson(constraints === undefined || constraints === null ? {} : constraints);
    } catch (e) {
      return Promise.reject(e);
    }
    return n.applyConstraints(json).then((err) => {
      if (err) throw errorFrom(err);
    });
  }

  /**
   * Nonstandard: an async iterator over this track's media. Video: `{timestamp, duration,
   * width, height, format, data: Uint8Array}` (tightly packed planes of the visible picture;
   * `format` is what the track delivers, MJPEG decoded to I420, unless `options.format` asks
   * for I420, NV12, YUYV, RGBA or BGRA); audio:
   * `{timestamp, duration, sampleRate, numberOfChannels, numberOfFrames, format: "f32",
   * data: Float32Array}` (interleaved). Timestamps are microseconds of capture time. It holds
   * at most `options.capacity` items (default 2) and drops the oldest when the reader is
   * behind. It ends when the track ends; `break` (or `return()`) stops it.
   */
  frames(options = {}) {
    const n = this.#n;
    const format = options && options.format !== undefined ? idlString(options.format) : undefined;
    const capacity = options && options.capacity !== undefined ? Math.max(1, Math.floor(Number(options.capacity)) || 1) : undefined;
    const reader = n.reader(format, capacity);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        reader.close();
      }
      return { value: undefined, done: true };
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (!done) {
          const c = await reader.read(250);
          if (c.kind === 'timeout') continue;
          if (c.kind === 'ended') break;
          if (done) break;
          return { value: chunkToObject(c), done: false };
        }
        return finish();
      },
      async return() {
        return finish();
      },
      get dropped() {
        return reader.dropped;
      },
    };
  }
}
defineEventHandlers(MediaStreamTrack, ['mute', 'unmute', 'ended']);

function chunkToObject(c) {
  if (c.kind === 'video') {
    const data = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
    return {
      timestamp: c.timestamp,
      duration: c.duration || null,
      width: c.width,
      height: c.height,
      format: c.format,
      data,
    };
  }
  const b = c.data;
  const data =
    b.byteOffset % 4 === 0
      ? new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)
      : new Float32Array(new Uint8Array(b).buffer);
  return {
    timestamp: c.timestamp,
    duration: c.duration || null,
    sampleRate: c.sampleRate,
    numberOfChannels: c.numberOfChannels,
    numberOfFrames: c.numberOfFrames,
    format: c.format,
    data,
  };
}

function isTrack(t) {
  return t instanceof MediaStreamTrack;
}

// ------------------------------------------------------------------------------------------
// MediaStream

let constructingStream = null;

class MediaStream extends EventTarget {
  #n;
  #tracks = [];

  constructor(arg = undefined) {
    const fromNative = constructingStream;
    constructingStream = null;
    let tracks = [];
    if (fromNative === null && arguments.length > 0 && arg !== undefined) {
      if (arg instanceof MediaStream) {
        tracks = arg.getTracks();
      } else if (arg !== null && typeof arg === 'object' && typeof arg[Symbol.iterator] === 'function') {
        tracks = Array.from(arg);
        for (const t of tracks) {
          if (!isTrack(t)) {
            throw new TypeError("Failed to construct 'MediaStream': Failed to convert value to 'MediaStreamTrack'.");
          }
        }
      } else {
        throw new TypeError("Failed to construct 'MediaStream': No matching constructor signature.");
      }
    }
    super();
    if (fromNative !== null) {
      this.#n = fromNative.stream;
      this.#tracks = fromNative.tracks;
      return;
    }
    this.#n = new native.NativeStream();
    for (const t of tracks) this.addTrack(t);
  }

  static [kInternal](nativeStream) {
    const tracks = nativeStream.tracks().map((nt) => MediaStreamTrack[kInternal](nt));
    constructingStream = { stream: nativeStream, tracks };
    return new MediaStream();
  }

  get id() {
    return this.#n.id;
  }

  get active() {
    return this.#tracks.some((t) => t.readyState === 'live');
  }

  getTracks() {
    return this.#tracks.slice();
  }

  getAudioTracks() {
    return this.#tracks.filter((t) => t.kind === 'audio');
  }

  getVideoTracks() {
    return this.#tracks.filter((t) => t.kind === 'video');
  }

  getTrackById(trackId) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'getTrackById': 1 argument required.");
    const id = idlString(trackId);
    return this.#tracks.find((t) => t.id === id) ?? null;
  }

  addTrack(track) {
    if (!isTrack(track)) {
      throw new TypeError("Failed to execute 'addTrack' on 'MediaStream': parameter 1 is not of type 'MediaStreamTrack'.");
    }
    if (this.#tracks.includes(track)) return;
    this.#tracks.push(track);
    this.#n.addTrack(MediaStreamTrack[kTrackState](track).native);
  }

  removeTrack(track) {
    if (!isTrack(track)) {
      throw new TypeError("Failed to execute 'removeTrack' on 'MediaStream': parameter 1 is not of type 'MediaStreamTrack'.");
    }
    const i = this.#tracks.indexOf(track);
    if (i < 0) return;
    this.#tracks.splice(i, 1);
    this.#n.removeTrack(MediaStreamTrack[kTrackState](track).native);
  }

  clone() {
    return new MediaStream(this.#tracks.map((t) => t.clone()));
  }

  /** @internal the native stream, for MediaRecorder */
  static [kTrackState](s) {
    return s.#n;
  }
}
defineEventHandlers(MediaStream, ['addtrack', 'removetrack']);

class MediaStreamTrackEvent extends Event {
  #track;
  constructor(type, eventInitDict) {
    if (arguments.length < 2) {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': 2 arguments required.");
    }
    if (eventInitDict === null || typeof eventInitDict !== 'object') {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': The provided value is not of type 'MediaStreamTrackEventInit'.");
    }
    const track = eventInitDict.track;
    if (track === undefined) {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': required member track is undefined.");
    }
    if (!isTrack(track)) {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': member track is not of type 'MediaStreamTrack'.");
    }
    super(idlString(type), eventInitDict);
    this.#track = track;
  }
  get track() {
    return this.#track;
  }
}

// ------------------------------------------------------------------------------------------
// MediaDeviceInfo / InputDeviceInfo / DeviceChangeEvent

let constructingInfo = null;

class MediaDeviceInfo {
  #deviceId;
  #kind;
  #label;
  #groupId;
  constructor() {
    const d = constructingInfo;
    constructingInfo = null;
    if (d === null) throw new TypeError('Illegal constructor');
    this.#deviceId = d.deviceId;
    this.#kind = d.kind;
    this.#label = d.label;
    this.#groupId = d.groupId;
  }
  get deviceId() {
    return this.#deviceId;
  }
  get kind() {
    return this.#kind;
  }
  get label() {
    return this.#label;
  }
  get groupId() {
    return this.#groupId;
  }
  toJSON() {
    // [Default] toJSON: the attributes, in IDL order.
    return { deviceId: this.#deviceId, kind: this.#kind, label: this.#label, groupId: this.#groupId };
  }
}

const kCapabilities = new WeakMap();

class InputDeviceInfo extends MediaDeviceInfo {
  getCapabilities() {
    if (!kCapabilities.has(this)) throw new TypeError('Illegal invocation');
    return structuredClone(kCapabilities.get(this));
  }
}

function deviceInfoFrom(d) {
  constructingInfo = d;
  if (d.kind === 'audioinput' || d.kind === 'videoinput') {
    const info = new InputDeviceInfo();
    kCapabilities.set(info, d.capabilities ?? {});
    return info;
  }
  return new MediaDeviceInfo();
}

function deviceInfoSequence(v, what) {
  if (v === undefined) return [];
  if (v === null || typeof v !== 'object' || typeof v[Symbol.iterator] !== 'function') {
    throw new TypeError(`Failed to construct 'DeviceChangeEvent': ${what} is not iterable.`);
  }
  const list = Array.from(v);
  for (const d of list) {
    if (!(d instanceof MediaDeviceInfo)) {
      throw new TypeError(`Failed to construct 'DeviceChangeEvent': ${what} contains a value that is not a MediaDeviceInfo.`);
    }
  }
  return list;
}

const kUserInserted = Symbol('mediacapture.userInsertedDevices');

class DeviceChangeEvent extends Event {
  #devices;
  #userInsertedDevices;
  constructor(type, eventInitDict = {}) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'DeviceChangeEvent': 1 argument required.");
    const init = eventInitDict ?? {};
    if (typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError("Failed to construct 'DeviceChangeEvent': The provided value is not of type 'DeviceChangeEventInit'.");
    }
    const devices = deviceInfoSequence(init.devices, 'devices');
    const inserted = init[kUserInserted] ? init[kUserInserted] : [];
    super(idlString(type), init);
    this.#devices = Object.freeze(devices);
    this.#userInsertedDevices = Object.freeze(inserted);
  }
  get devices() {
    return this.#devices;
  }
  get userInsertedDevices() {
    return this.#userInsertedDevices;
  }
}

// ------------------------------------------------------------------------------------------
// CaptureController (Screen Capture)

const focusBehaviors = ['focus-capturing-application', 'focus-captured-surface', 'no-focus-change'];

class CaptureController extends EventTarget {
  #bound = false;
  #track = null;
  #surface = null;
  #finalized = false;
  #behavior = null;

  setFocusBehavior(focusBehavior) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'setFocusBehavior': 1 argument required.");
    const b = idlString(focusBehavior);
    if (!focusBehaviors.includes(b)) {
      throw new TypeError(`Failed to execute 'setFocusBehavior': The provided value '${b}' is not a valid enum value of type CaptureStartFocusBehavior.`);
    }
    if (this.#track === null) {
      this.#behavior = b;
      return;
    }
    if (this.#track.readyState === 'ended') throw new DOMException('The captured track has ended.', 'InvalidStateError');
    if (this.#surface !== 'browser' && this.#surface !== 'window') {
      throw new DOMException('Focus can only be changed for a captured window or tab.', 'InvalidStateError');
    }
    if (this.#finalized) throw new DOMException('The window of opportunity for focus-change is closed.', 'InvalidStateError');
    this.#behavior = b;
    this.#finalized = true;
  }

  static [kInternal](c) {
    // getDisplayMedia step 1: bind (InvalidStateError when already bound).
    if (c.#bound) return false;
    c.#bound = true;
    return true;
  }

  static [kTrackState](c, track) {
    c.#track = track;
    c.#surface = track.getSettings().displaySurface ?? null;
    // "Finalize focus decision" is queued right after getDisplayMedia resolves: a call to
    // setFocusBehavior after one more task is too late.
    setTimeout(() => {
      c.#finalized = true;
    }, 0);
  }
}

// ------------------------------------------------------------------------------------------
// MediaDevices

let constructingDevices = null;

class MediaDevices extends EventTarget {
  #n;
  #target;

  constructor() {
    const n = constructingDevices;
    constructingDevices = null;
    if (n === null) throw new TypeError('Illegal constructor');
    super();
    this.#n = n;
    this.#target = nextTarget();
    targets.set(this.#target, this);
    n.listen(this.#target);
  }

  static [kInternal](options) {
    // `env`: this environment's number, whose prompt handler answers "prompt" permissions.
    constructingDevices = new native.NativeDevices(JSON.stringify({ ...options, env: envNumber }));
    return new MediaDevices();
  }

  static [kTrackState](md) {
    return md.#n;
  }

  [kNativeEvent](type, payload) {
    if (type !== 'devicechange') return;
    const p = JSON.parse(payload);
    const devices = p.devices.map(deviceInfoFrom);
    const inserted = p.userInsertedDevices.map((d) => devices.find((x) => x.deviceId === d.deviceId && x.kind === d.kind) ?? deviceInfoFrom(d));
    this.dispatchEvent(new DeviceChangeEvent('devicechange', trusted({ devices, [kUserInserted]: inserted })));
  }

  enumerateDevices() {
    return this.#n.enumerate().then((text) => {
      const r = JSON.parse(text);
      if (r.error) throw errorFrom(r.error);
      return r.ok.map(deviceInfoFrom);
    });
  }

  getSupportedConstraints() {
    return JSON.parse(this.#n.supportedConstraints());
  }

  getUserMedia(constraints = undefined) {
    const n = this.#n;
    let json;
    try {
      json = toIdlJson(constraints === undefined || constraints === null ? {} : constraints);
    } catch (e) {
      return Promise.reject(e);
    }
    // The synchronous steps (WebIDL conversion, "nothing requested"): an already rejected
    // promise, as in a browser.
    const early = n.checkUserMedia(json);
    if (early) return Promise.reject(errorFrom(early));
    // A granted prompt is remembered: PermissionStatus objects see the change.
    const prompted = ['camera', 'microphone'].filter((name) => n.permission(name) === 'prompt');
    const settled = () => {
      for (const name of prompted) permissionChanged(this, name);
    };
    return n.getUserMedia(json).then((r) => {
      settled();
      if (typeof r === 'string') throw errorFrom(r);
      return MediaStream[kInternal](r);
    });
  }

  getDisplayMedia(options = undefined) {
    const n = this.#n;
    const opts = options === undefined || options === null ? {} : options;
    let json;
    let controller;
    try {
      if (typeof opts !== 'object' && typeof opts !== 'function') {
        throw new TypeError("Failed to execute 'getDisplayMedia': The provided value is not of type 'DisplayMediaStreamOptions'.");
      }
      controller = opts.controller;
      if (controller !== undefined && !(controller instanceof CaptureController)) {
        throw new TypeError("Failed to execute 'getDisplayMedia': member controller is not of type 'CaptureController'.");
      }
      json = toIdlJson(opts, ['controller']);
    } catch (e) {
      return Promise.reject(e);
    }
    // Step 1: a controller binds once.
    if (controller !== undefined && !CaptureController[kInternal](controller)) {
      return Promise.reject(new DOMException('The CaptureController is already bound to a capture session.', 'InvalidStateError'));
    }
    // Step 2 (transient user activation) has no equivalent in Node: a program's call is the
    // user's intent. The remaining synchronous checks reject at once.
    const early = n.checkDisplayMedia(json);
    if (early) return Promise.reject(errorFrom(early));
    return n.getDisplayMedia(json).then((r) => {
      if (typeof r === 'string') throw errorFrom(r);
      const stream = MediaStream[kInternal](r);
      if (controller !== undefined) CaptureController[kTrackState](controller, stream.getVideoTracks()[0]);
      return stream;
    });
  }
}
defineEventHandlers(MediaDevices, ['devicechange']);

// ------------------------------------------------------------------------------------------
// MediaStreamTrackProcessor (mediacapture-transform), over track.frames().

class MediaStreamTrackProcessor {
  #readable;
  constructor(init) {
    if (arguments.length < 1 || init === null || typeof init !== 'object') {
      throw new TypeError("Failed to construct 'MediaStreamTrackProcessor': 1 argument required.");
    }
    const { track } = init;
    if (!isTrack(track)) {
      throw new TypeError("Failed to construct 'MediaStreamTrackProcessor': member track is not of type 'MediaStreamTrack'.");
    }
    if (track.readyState === 'ended') {
      throw new TypeError("Failed to construct 'MediaStreamTrackProcessor': the track has ended.");
    }
    let capacity;
    if (init.maxBufferSize !== undefined) {
      const m = Number(init.maxBufferSize);
      // [EnforceRange] unsigned short.
      if (!Number.isFinite(m) || Math.trunc(m) < 0 || Math.trunc(m) > 65535) {
        throw new TypeError("Failed to construct 'MediaStreamTrackProcessor': maxBufferSize is outside the range of unsigned short.");
      }
      capacity = Math.max(1, Math.trunc(m));
    }
    const it = track.frames({ capacity });
    this.#readable = new ReadableStream(
      {
        async pull(controller) {
          const { value, done } = await it.next();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        async cancel() {
          await it.return();
        },
      },
      { highWaterMark: 0 },
    );
  }
  get readable() {
    return this.#readable;
  }
}

// ------------------------------------------------------------------------------------------
// The default MediaDevices, install(), setPermission()

let defaultDevices = null;

function getDefaultMediaDevices() {
  if (defaultDevices === null) defaultDevices = MediaDevices[kInternal]({});
  return defaultDevices;
}

/**
 * Nonstandard: a MediaDevices of its own (own origin, exposure state and permissions), e.g. for
 * tests. `options.origin` (default "node") derives the device ids; `options.fakeProfile` (a
 * profile object, see the README) gives fake devices regardless of MEDIACAPTURE_FAKE.
 */
function createMediaDevices(options = {}) {
  const o = {};
  if (options.origin !== undefined) o.origin = idlString(options.origin);
  if (options.fakeProfile !== undefined) o.fakeProfile = options.fakeProfile;
  return MediaDevices[kInternal](o);
}

const permissionNames = ['camera', 'microphone', 'display-capture'];
const permissionStates = ['granted', 'denied', 'prompt'];

/**
 * Sets the permission a user would give: `name` is "camera", "microphone" or
 * "display-capture"; `state` is "granted" (the default for every permission in Node),
 * "denied" (getUserMedia rejects with NotAllowedError; live tracks of that kind end with an
 * `ended` event) or "prompt" (each request asks the handler given to setPromptHandler(), as a
 * browser asks its user; without a handler requests are refused, NotAllowedError).
 */
function setPermission(name, state, mediaDevices = getDefaultMediaDevices()) {
  const n = idlString(name);
  const s = idlString(state);
  if (!permissionNames.includes(n)) throw new TypeError(`setPermission: unknown permission name '${n}'`);
  if (!permissionStates.includes(s)) throw new TypeError(`setPermission: unknown permission state '${s}'`);
  if (!(mediaDevices instanceof MediaDevices)) throw new TypeError('setPermission: not a MediaDevices');
  MediaDevices[kTrackState](mediaDevices).setPermission(n, s);
  permissionChanged(mediaDevices, n);
}

// ------------------------------------------------------------------------------------------
// Permission prompts: setPromptHandler().
//
// The native side asks from the thread running getUserMedia / getDisplayMedia (its own),
// through a weak threadsafe function that exists only while a handler is set; that thread
// waits for answerPrompt(id, allowed). Every prompt delivered here is answered exactly once.

let promptHandler = null;

/**
 * Nonstandard: `handler(request)` answers permission prompts (a permission set to "prompt")
 * for every MediaDevices of this JavaScript environment, as a browser's user would.
 * `request` is `{ name: "camera" | "microphone" | "display-capture", origin, devices: [labels]
 * }`; the handler returns (or resolves with) `true` / "granted" to allow, anything else (or
 * throws, or rejects) to refuse: NotAllowedError. A granted camera or microphone is
 * remembered (the permission becomes "granted"); display-capture asks every time. `null`
 * removes the handler: prompts are refused again.
 */
function setPromptHandler(handler) {
  if (handler !== null && handler !== undefined && typeof handler !== 'function') {
    throw new TypeError('setPromptHandler: the handler must be a function or null');
  }
  const had = promptHandler !== null;
  promptHandler = handler ?? null;
  // Only the transitions touch the native side: no threadsafe function without a handler.
  if (had !== (promptHandler !== null)) native.setPromptHandler(envNumber, promptHandler === null ? null : onPrompt);
}

function onPrompt(...args) {
  // napi hands the (id, request) tuple over as one array.
  const [id, text] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  const handler = promptHandler;
  // The handler runs in a microtask of its own: what it throws becomes a refusal.
  Promise.resolve()
    .then(() => (handler === null ? false : handler(JSON.parse(text))))
    .then(
      (answer) => answer === true || answer === 'granted',
      () => false,
    )
    .then((allowed) => native.answerPrompt(id, allowed));
}

// ------------------------------------------------------------------------------------------
// navigator.permissions.query() for the three powerful features of these specs.

const permissionStatuses = new Set(); // WeakRefs to PermissionStatus objects
let constructingStatus = null;

class PermissionStatus extends EventTarget {
  #name;
  #md;
  #state;
  constructor() {
    const c = constructingStatus;
    constructingStatus = null;
    if (c === null) throw new TypeError('Illegal constructor');
    super();
    this.#name = c.name;
    this.#md = c.md;
    this.#state = MediaDevices[kTrackState](c.md).permission(c.name);
    permissionStatuses.add(new WeakRef(this));
  }
  get name() {
    return this.#name;
  }
  get state() {
    return this.#state;
  }
  static [kInternal](status, md, name) {
    if (status.#md !== md || status.#name !== name) return;
    const now = MediaDevices[kTrackState](md).permission(name);
    if (now === status.#state) return;
    status.#state = now;
    status.dispatchEvent(new Event('change', trusted()));
  }
}
defineEventHandlers(PermissionStatus, ['change']);

class Permissions {
  constructor() {
    if (constructingStatus !== kInternal) throw new TypeError('Illegal constructor');
    constructingStatus = null;
  }
  query(permissionDesc) {
    if (permissionDesc === null || typeof permissionDesc !== 'object') {
      return Promise.reject(new TypeError("Failed to execute 'query' on 'Permissions': parameter 1 is not of type 'PermissionDescriptor'."));
    }
    let name;
    try {
      name = idlString(permissionDesc.name);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!permissionNames.includes(name)) {
      return Promise.reject(new TypeError(`Failed to execute 'query' on 'Permissions': The provided value '${name}' is not a valid enum value of type PermissionName.`));
    }
    constructingStatus = { name, md: getDefaultMediaDevices() };
    return Promise.resolve(new PermissionStatus());
  }
}

// The change is announced in a task of its own, as a browser queues it.
function permissionChanged(md, name) {
  setImmediate(() => {
    for (const ref of permissionStatuses) {
      const status = ref.deref();
      if (status === undefined) permissionStatuses.delete(ref);
      else PermissionStatus[kInternal](status, md, name);
    }
  });
}

/** Nonstandard: the state of a permission ("granted", "denied" or "prompt"). */
function getPermission(name, mediaDevices = getDefaultMediaDevices()) {
  const n = idlString(name);
  if (!permissionNames.includes(n)) throw new TypeError(`getPermission: unknown permission name '${n}'`);
  return MediaDevices[kTrackState](mediaDevices).permission(n);
}

/** The legacy `navigator.getUserMedia(constraints, successCallback, errorCallback)`. */
function legacyGetUserMedia(constraints, successCallback, errorCallback) {
  if (arguments.length < 3) {
    throw new TypeError(`Failed to execute 'getUserMedia' on 'Navigator': 3 arguments required, but only ${arguments.length} present.`);
  }
  if (typeof successCallback !== 'function') {
    throw new TypeError("Failed to execute 'getUserMedia' on 'Navigator': The callback provided as parameter 2 is not a function.");
  }
  if (typeof errorCallback !== 'function') {
    throw new TypeError("Failed to execute 'getUserMedia' on 'Navigator': The callback provided as parameter 3 is not a function.");
  }
  getDefaultMediaDevices()
    .getUserMedia(constraints)
    .then(
      (stream) => successCallback(stream),
      (error) => errorCallback(error),
    );
}

const interfaces = {
  MediaStream,
  MediaStreamTrack,
  MediaStreamTrackEvent,
  MediaDevices,
  MediaDeviceInfo,
  InputDeviceInfo,
  DeviceChangeEvent,
  OverconstrainedError,
  CaptureController,
  MediaStreamTrackProcessor,
  PermissionStatus,
};

/**
 * Makes browser code run unchanged: defines `navigator.mediaDevices` (the default
 * MediaDevices, [SameObject]), the legacy `navigator.getUserMedia`, and every interface as a
 * global (writable, configurable, not enumerable, as WebIDL defines them on a window).
 * `navigator` is created when the global object has none (Node < 21).
 */
function install(globalObject = globalThis) {
  for (const [name, value] of Object.entries(exported())) {
    if (typeof value !== 'function' || !/^[A-Z]/.test(name)) continue;
    Object.defineProperty(globalObject, name, { value, writable: true, configurable: true, enumerable: false });
  }
  let nav = globalObject.navigator;
  if (nav === undefined || nav === null) {
    nav = {};
    Object.defineProperty(globalObject, 'navigator', { value: nav, writable: true, configurable: true, enumerable: true });
  }
  Object.defineProperty(nav, 'mediaDevices', {
    get: getDefaultMediaDevices,
    configurable: true,
    enumerable: true,
  });
  if (nav.permissions === undefined) {
    constructingStatus = kInternal;
    const permissions = new Permissions();
    Object.defineProperty(nav, 'permissions', { get: () => permissions, configurable: true, enumerable: true });
  }
  Object.defineProperty(nav, 'getUserMedia', {
    value: legacyGetUserMedia,
    writable: true,
    configurable: true,
    enumerable: true,
  });
  return globalObject;
}

/** Nonstandard: resolves when every event the library fired so far has been delivered. */
function flushEvents() {
  return native.flushEvents().then(() => new Promise((resolve) => setImmediate(resolve)));
}

/** Test hooks for the fake backend (nonstandard): plug devices in and out. */
const fake = {
  addDevice(spec, mediaDevices = getDefaultMediaDevices()) {
    return MediaDevices[kTrackState](mediaDevices).fakeAddDevice(JSON.stringify(spec));
  },
  removeDevice(rawId, mediaDevices = getDefaultMediaDevices()) {
    MediaDevices[kTrackState](mediaDevices).fakeRemoveDevice(idlString(rawId));
  },
  backends(mediaDevices = getDefaultMediaDevices()) {
    return MediaDevices[kTrackState](mediaDevices).backends();
  },
};


// ------------------------------------------------------------------------------------------
// MediaRecorder (MediaStream Recording) and BlobEvent, on mediacapture-recorder.

// WebIDL `unsigned long` (no [Clamp] / [EnforceRange]): ToNumber, truncate, modulo 2^32.
function idlUnsignedLong(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n) % 2 ** 32;
  return t < 0 ? t + 2 ** 32 : t;
}

function idlDouble(v, what) {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`${what} is not a finite floating-point value.`);
  return n;
}

class BlobEvent extends Event {
  #data;
  #timecode;
  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError("Failed to construct 'BlobEvent': 2 arguments required.");
    if (eventInitDict === null || typeof eventInitDict !== 'object') {
      throw new TypeError("Failed to construct 'BlobEvent': The provided value is not of type 'BlobEventInit'.");
    }
    const data = eventInitDict.data;
    if (!(data instanceof Blob)) {
      throw new TypeError("Failed to construct 'BlobEvent': member data is not of type 'Blob'.");
    }
    const tc = eventInitDict.timecode;
    const timecode = tc === undefined ? 0 : idlDouble(tc, 'timecode');
    super(idlString(type), eventInitDict);
    this.#data = data;
    this.#timecode = timecode;
  }
  get data() {
    return this.#data;
  }
  get timecode() {
    return this.#timecode;
  }
}

// Node (before 22) has no ErrorEvent; MediaRecorder's `error` event is one.
const ErrorEventClass =
  typeof globalThis.ErrorEvent === 'function'
    ? globalThis.ErrorEvent
    : class ErrorEvent extends Event {
        #init;
        constructor(type, eventInitDict = {}) {
          if (arguments.length < 1) throw new TypeError("Failed to construct 'ErrorEvent': 1 argument required.");
          const init = eventInitDict ?? {};
          const fields = {
            message: init.message === undefined ? '' : idlString(init.message),
            filename: init.filename === undefined ? '' : idlString(init.filename),
            lineno: init.lineno === undefined ? 0 : idlUnsignedLong(init.lineno),
            colno: init.colno === undefined ? 0 : idlUnsignedLong(init.colno),
            error: init.error,
          };
          super(idlString(type), init);
          this.#init = fields;
        }
        get message() {
          return this.#init.message;
        }
        get filename() {
          return this.#init.filename;
        }
        get lineno() {
          return this.#init.lineno;
        }
        get colno() {
          return this.#init.colno;
        }
        get error() {
          return this.#init.error;
        }
      };

let constructingRecorder = null;

class MediaRecorder extends EventTarget {
  #n;
  #stream;
  #target;

  constructor(stream, options = undefined) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'MediaRecorder': 1 argument required, but only 0 present.");
    if (!(stream instanceof MediaStream)) {
      throw new TypeError("Failed to construct 'MediaRecorder': parameter 1 is not of type 'MediaStream'.");
    }
    // MediaRecorderOptions: members read here with [[Get]], converted by the recorder crate
    // (RecorderOptions::from_json) with WebIDL's rules.
    const json = toIdlJson(options === undefined || options === null ? {} : options);
    const r = native.createRecorder(MediaStream[kTrackState](stream), json);
    if (typeof r === 'string') throw errorFrom(r);
    super();
    this.#n = r;
    this.#stream = stream;
    this.#target = nextTarget();
    r.listen(this.#target);
  }

  [kNativeEvent](type, payload) {
    let event;
    if (type === 'dataavailable') {
      const p = JSON.parse(payload);
      const bytes = native.takeBlob(p.blob) ?? new Uint8Array(0);
      const data = new Blob([bytes], { type: p.type });
      event = new BlobEvent('dataavailable', trusted({ data, timecode: p.timecode }));
    } else if (type === 'error') {
      const error = errorFrom(payload);
      event = new ErrorEventClass('error', trusted({ error, message: error.message }));
    } else {
      event = new Event(type, trusted());
    }
    try {
      this.dispatchEvent(event);
    } finally {
      // `stop` is the last event of a recording: nothing more keeps the process alive.
      if (type === 'stop' && this.#n.state === 'inactive') {
        targets.delete(this.#target);
        watch(this, false);
      }
    }
  }

  get stream() {
    return this.#stream;
  }
  get mimeType() {
    return this.#n.mimeType;
  }
  get state() {
    return this.#n.state;
  }
  get videoBitsPerSecond() {
    return this.#n.videoBitsPerSecond;
  }
  get audioBitsPerSecond() {
    return this.#n.audioBitsPerSecond;
  }
  get audioBitrateMode() {
    return this.#n.audioBitrateMode;
  }

  start(timeslice = undefined) {
    const ts = timeslice === undefined ? undefined : idlUnsignedLong(timeslice);
    const err = this.#n.start(ts);
    if (err) throw errorFrom(err);
    // A recording delivers events until its `stop`: keep the process alive until then.
    targets.set(this.#target, this);
    watch(this, true);
  }

  stop() {
    this.#n.stop();
  }

  pause() {
    const err = this.#n.pause();
    if (err) throw errorFrom(err);
  }

  resume() {
    const err = this.#n.resume();
    if (err) throw errorFrom(err);
  }

  requestData() {
    const err = this.#n.requestData();
    if (err) throw errorFrom(err);
  }

  static isTypeSupported(type) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'isTypeSupported': 1 argument required.");
    return native.isTypeSupported(idlString(type));
  }
}
defineEventHandlers(MediaRecorder, ['start', 'stop', 'dataavailable', 'pause', 'resume', 'error']);

for (const cls of [...Object.values(interfaces), MediaRecorder, BlobEvent]) {
  // Object.prototype.toString gives "[object MediaStreamTrack]" as in a browser.
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

function exported() {
  const out = { ...interfaces, MediaRecorder, BlobEvent };
  if (typeof globalThis.ErrorEvent !== 'function') out.ErrorEvent = ErrorEventClass;
  return out;
}

// ------------------------------------------------------------------------------------------
// Media files and canvases (nonstandard entry points for what a page gets from <video> and
// <canvas> elements).

function callNative(f) {
  try {
    return f();
  } catch (e) {
    let parsed = null;
    try {
      parsed = JSON.parse(e.message);
    } catch {
      throw e;
    }
    throw errorFrom(parsed);
  }
}

/** `openMediaFile(path)`: a playing file with `captureStream()` (like `video.captureStream()`). */
function openMediaFile(path) {
  const n = callNative(() => native.openMediaFile(String(path)));
  return Object.freeze({
    captureStream: () => MediaStream[kInternal](callNative(() => n.captureStream())),
    play: () => callNative(() => n.play()),
    pause: () => n.pause(),
    seek: (seconds) => n.seek(Number(seconds)),
    get loop() {
      return loopState.get(n) ?? false;
    },
    set loop(v) {
      loopState.set(n, Boolean(v));
      n.setLoop(Boolean(v));
    },
    get ended() {
      return n.ended;
    },
    get currentTime() {
      return n.currentTime;
    },
  });
}
const loopState = new WeakMap();

const namedColors = {
  black: [0, 0, 0, 255], white: [255, 255, 255, 255], red: [255, 0, 0, 255],
  green: [0, 128, 0, 255], lime: [0, 255, 0, 255], blue: [0, 0, 255, 255],
  yellow: [255, 255, 0, 255], gray: [128, 128, 128, 255], grey: [128, 128, 128, 255],
  silver: [192, 192, 192, 255], maroon: [128, 0, 0, 255], purple: [128, 0, 128, 255],
  fuchsia: [255, 0, 255, 255], magenta: [255, 0, 255, 255], olive: [128, 128, 0, 255],
  navy: [0, 0, 128, 255], teal: [0, 128, 128, 255], aqua: [0, 255, 255, 255],
  cyan: [0, 255, 255, 255], orange: [255, 165, 0, 255], transparent: [0, 0, 0, 0],
};

/**
 * Parses the CSS colours a 2D context's fillStyle / strokeStyle commonly gets (named basic
 * colours, `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()` / `rgba()` with commas, numbers
 * or percentages); `null` if not understood.
 */
function parseColor(value) {
  const v = String(value).trim().toLowerCase();
  if (Object.hasOwn(namedColors, v)) return namedColors[v];
  let m = /^#([0-9a-f]{3,4})$/.exec(v);
  if (m) {
    const c = [...m[1]].map((d) => parseInt(d + d, 16));
    return c.length === 4 ? c : c.concat(255);
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(v);
  if (m) {
    const hex = m[1] + (m[2] ?? 'ff');
    return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }
  const num = '\\s*([+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[+-]?\\d+)?)(%?)\\s*';
  m = new RegExp(`^rgba?\\(${num},${num},${num}(?:,${num})?\\)$`).exec(v);
  if (m) {
    // Channels are all numbers or all percentages.
    if (!(m[2] === m[4] && m[4] === m[6])) return null;
    const clamp = (x, max) => Math.min(max, Math.max(0, x));
    const ch = (i) => Math.round(clamp(m[i + 1] ? (Number(m[i]) * 255) / 100 : Number(m[i]), 255));
    let a = 1;
    if (m[7] !== undefined) a = clamp(m[8] ? Number(m[7]) / 100 : Number(m[7]), 1);
    return [ch(1), ch(3), ch(5), Math.round(a * 255)];
  }
  return null;
}

/** A colour as the 2D context serialises it: `#rrggbb` when opaque, else `rgba(r, g, b, a)`. */
function serializeColor([r, g, b, a]) {
  if (a === 255) return '#' + [r, g, b].map((x) => x.toString(16).padStart(2, '0')).join('');
  // The shortest alpha that maps back to the same byte, as browsers print it.
  let alpha = '0';
  for (let digits = 1; digits <= 3; digits++) {
    alpha = String(Number((a / 255).toFixed(digits)));
    if (Math.round(Number(alpha) * 255) === a) break;
  }
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** The native canvas behind each `createCanvas` canvas (for `drawImage`). */
const nativeCanvases = new WeakMap();

/** `a * b` for 2D affine matrices `[a, b, c, d, e, f]` (b applied first). */
function multiply(m, [a, b, c, d, e, f]) {
  return [
    m[0] * a + m[2] * b,
    m[1] * a + m[3] * b,
    m[0] * c + m[2] * d,
    m[1] * c + m[3] * d,
    m[0] * e + m[2] * f + m[4],
    m[1] * e + m[3] * f + m[5],
  ];
}

const finite = (...xs) => xs.every((x) => Number.isFinite(x));
/** WebIDL `long` (no [EnforceRange]): ToInt32. */
const long = (x) => Number(x) | 0;

/** The 2D context of a `createCanvas` canvas; drawing is done natively on `n`. */
function createContext2D(canvas, n) {
  const initial = () => ({
    fill: [0, 0, 0, 255],
    stroke: [0, 0, 0, 255],
    lineWidth: 1,
    globalAlpha: 1,
    transform: [1, 0, 0, 1, 0, 0],
  });
  let state = initial();
  const stack = [];
  // The current path, in device coordinates (points are transformed when added, as the spec
  // says): a flat list of commands for the native side (0 moveTo, 1 lineTo, 2 cubicTo,
  // 3 closePath), plus the first point of the current subpath and the last point.
  let ops = [];
  let subpathStart = null;
  let last = null;

  const apply = (x, y) => {
    const m = state.transform;
    return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
  };
  const deviceMoveTo = (p) => {
    ops.push(0, p[0], p[1]);
    subpathStart = p;
    last = p;
  };
  const deviceLineTo = (p) => {
    if (!last) return deviceMoveTo(p); // "ensure there is a subpath"
    ops.push(1, p[0], p[1]);
    last = p;
  };
  const rectOps = (x, y, w, h) => {
    const pts = [apply(x, y), apply(x + w, y), apply(x + w, y + h), apply(x, y + h)];
    return [0, ...pts[0], 1, ...pts[1], 1, ...pts[2], 1, ...pts[3], 3];
  };
  const fillRule = (rule) => {
    if (rule === undefined || rule === 'nonzero') return false;
    if (rule === 'evenodd') return true;
    throw new TypeError(`The provided value '${rule}' is not a valid enum value of type CanvasFillRule.`);
  };
  const strokeOps = (o) => n.strokePath(o, state.stroke, state.globalAlpha, state.lineWidth, state.transform);
  const setTransform = (m) => {
    if (finite(...m)) state.transform = m;
  };

  const ctx = {
    canvas,
    // ---- state
    save() {
      stack.push({ ...state });
    },
    restore() {
      if (stack.length) state = stack.pop();
    },
    get fillStyle() {
      return serializeColor(state.fill);
    },
    set fillStyle(v) {
      const c = parseColor(v);
      // As in a browser, a value that does not parse is ignored.
      if (c) state.fill = c;
    },
    get strokeStyle() {
      return serializeColor(state.stroke);
    },
    set strokeStyle(v) {
      const c = parseColor(v);
      if (c) state.stroke = c;
    },
    get lineWidth() {
      return state.lineWidth;
    },
    set lineWidth(v) {
      const w = Number(v);
      if (Number.isFinite(w) && w > 0) state.lineWidth = w;
    },
    get globalAlpha() {
      return state.globalAlpha;
    },
    set globalAlpha(v) {
      const a = Number(v);
      if (Number.isFinite(a) && a >= 0 && a <= 1) state.globalAlpha = a;
    },
    // ---- transforms
    translate(x, y) {
      if (finite(+x, +y)) state.transform = multiply(state.transform, [1, 0, 0, 1, +x, +y]);
    },
    scale(x, y) {
      if (finite(+x, +y)) state.transform = multiply(state.transform, [+x, 0, 0, +y, 0, 0]);
    },
    rotate(angle) {
      const t = Number(angle);
      if (!Number.isFinite(t)) return;
      const [c, s] = [Math.cos(t), Math.sin(t)];
      state.transform = multiply(state.transform, [c, s, -s, c, 0, 0]);
    },
    transform(a, b, c, d, e, f) {
      const m = [a, b, c, d, e, f].map(Number);
      if (finite(...m)) state.transform = multiply(state.transform, m);
    },
    setTransform(a, b, c, d, e, f) {
      if (arguments.length <= 1) {
        // setTransform(transform: DOMMatrix2DInit = {})
        const o = a ?? {};
        const m = [o.a ?? o.m11 ?? 1, o.b ?? o.m12 ?? 0, o.c ?? o.m21 ?? 0, o.d ?? o.m22 ?? 1, o.e ?? o.m41 ?? 0, o.f ?? o.m42 ?? 0].map(Number);
        if (!finite(...m)) throw new TypeError('setTransform: the matrix has non-finite members');
        state.transform = m;
        return;
      }
      setTransform([a, b, c, d, e, f].map(Number));
    },
    resetTransform() {
      state.transform = [1, 0, 0, 1, 0, 0];
    },
    getTransform() {
      const [a, b, c, d, e, f] = state.transform;
      return { a, b, c, d, e, f };
    },
    // ---- paths
    beginPath() {
      ops = [];
      subpathStart = null;
      last = null;
    },
    moveTo(x, y) {
      if (finite(+x, +y)) deviceMoveTo(apply(+x, +y));
    },
    lineTo(x, y) {
      if (finite(+x, +y)) deviceLineTo(apply(+x, +y));
    },
    closePath() {
      if (!last) return;
      ops.push(3);
      // The new subpath starts where the closed one did.
      last = subpathStart;
    },
    rect(x, y, w, h) {
      [x, y, w, h] = [x, y, w, h].map(Number);
      if (!finite(x, y, w, h)) return;
      ops.push(...rectOps(x, y, w, h));
      deviceMoveTo(apply(x, y));
    },
    arc(x, y, radius, startAngle, endAngle, anticlockwise = false) {
      [x, y, radius, startAngle, endAngle] = [x, y, radius, startAngle, endAngle].map(Number);
      if (!finite(x, y, radius, startAngle, endAngle)) return;
      if (radius < 0) throw new DOMException(`The radius provided (${radius}) is negative.`, 'IndexSizeError');
      const tau = 2 * Math.PI;
      const mod = (v) => ((v % tau) + tau) % tau;
      let sweep;
      if (!anticlockwise) sweep = endAngle - startAngle >= tau ? tau : mod(endAngle - startAngle);
      else sweep = startAngle - endAngle >= tau ? -tau : -mod(startAngle - endAngle);
      const at = (t) => [x + radius * Math.cos(t), y + radius * Math.sin(t)];
      deviceLineTo(apply(...at(startAngle)));
      if (radius === 0 || sweep === 0) return;
      // Cubic Béziers of at most a quarter turn each.
      const segments = Math.ceil(Math.abs(sweep) / (Math.PI / 2) - 1e-9);
      const step = sweep / segments;
      const k = (4 / 3) * Math.tan(step / 4) * radius;
      let t = startAngle;
      for (let i = 0; i < segments; i++) {
        const t2 = t + step;
        const [x0, y0] = at(t);
        const [x3, y3] = at(t2);
        const c1 = apply(x0 - k * Math.sin(t), y0 + k * Math.cos(t));
        const c2 = apply(x3 + k * Math.sin(t2), y3 - k * Math.cos(t2));
        const end = apply(x3, y3);
        ops.push(2, ...c1, ...c2, ...end);
        last = end;
        t = t2;
      }
    },
    fill(fillRule_ = undefined) {
      const evenOdd = fillRule(fillRule_);
      n.fillPath(ops, state.fill, state.globalAlpha, evenOdd);
    },
    stroke() {
      strokeOps(ops);
    },
    // ---- rectangles
    fillRect(x, y, w, h) {
      [x, y, w, h] = [x, y, w, h].map(Number);
      if (!finite(x, y, w, h) || w === 0 || h === 0) return;
      n.fillPath(rectOps(x, y, w, h), state.fill, state.globalAlpha, false);
    },
    clearRect(x, y, w, h) {
      [x, y, w, h] = [x, y, w, h].map(Number);
      if (!finite(x, y, w, h) || w === 0 || h === 0) return;
      n.clearPath(rectOps(x, y, w, h));
    },
    strokeRect(x, y, w, h) {
      [x, y, w, h] = [x, y, w, h].map(Number);
      if (!finite(x, y, w, h) || (w === 0 && h === 0)) return;
      // One side zero: a single line (spec).
      if (w === 0 || h === 0) strokeOps([0, ...apply(x, y), 1, ...apply(x + w, y + h)]);
      else strokeOps(rectOps(x, y, w, h));
    },
    // ---- pixels
    createImageData(sw, sh) {
      if (typeof sw === 'object' && sw !== null) [sw, sh] = [sw.width, sw.height];
      [sw, sh] = [long(sw), long(sh)];
      if (sw === 0 || sh === 0) throw new DOMException('The source width or height is 0.', 'IndexSizeError');
      const [w, h] = [Math.abs(sw), Math.abs(sh)];
      if (w * h * 4 > 2 ** 31 - 1) throw new RangeError(`cannot allocate image data of ${w}x${h}`);
      return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4), colorSpace: 'srgb' };
    },
    getImageData(sx, sy, sw, sh) {
      [sx, sy, sw, sh] = [sx, sy, sw, sh].map(long);
      if (sw === 0 || sh === 0) throw new DOMException('The source width or height is 0.', 'IndexSizeError');
      if (sw < 0) [sx, sw] = [sx + sw, -sw];
      if (sh < 0) [sy, sh] = [sy + sh, -sh];
      if (sw * sh * 4 > 2 ** 31 - 1) throw new RangeError(`cannot allocate image data of ${sw}x${sh}`);
      const buf = callNative(() => n.getImageData(sx, sy, sw, sh));
      const data = new Uint8ClampedArray(buf.buffer, buf.byteOffset, buf.length);
      return { width: sw, height: sh, data, colorSpace: 'srgb' };
    },
    putImageData(imageData, dx, dy, ...dirty) {
      const d = imageData?.data;
      const w = imageData?.width;
      const h = imageData?.height;
      if (!(d instanceof Uint8ClampedArray) || !Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0 || d.length !== w * h * 4) {
        throw new TypeError("Failed to execute 'putImageData': parameter 1 is not of type 'ImageData'.");
      }
      if (dirty.length !== 0 && dirty.length !== 4) throw new TypeError('putImageData takes 3 or 7 arguments');
      const bytes = new Uint8Array(d.buffer, d.byteOffset, d.length);
      callNative(() => n.putImageData(bytes, w, long(dx), long(dy), dirty.length ? dirty.map(long) : undefined));
    },
    drawImage(image, ...args) {
      const src = nativeCanvases.get(image);
      if (!src) throw new TypeError("drawImage: the image is not a canvas made by createCanvas");
      if (![2, 4, 8].includes(args.length)) throw new TypeError(`drawImage takes 3, 5 or 9 arguments, not ${args.length + 1}`);
      args = args.map(Number);
      if (!finite(...args)) return;
      const [iw, ih] = [src.width, src.height];
      let sx = 0, sy = 0, sw = iw, sh = ih, dx, dy, dw = iw, dh = ih;
      if (args.length === 2) [dx, dy] = args;
      else if (args.length === 4) [dx, dy, dw, dh] = args;
      else [sx, sy, sw, sh, dx, dy, dw, dh] = args;
      if (sw === 0 || sh === 0 || dw === 0 || dh === 0) return;
      // Normalise (negative sizes do not mirror), then clip the source rectangle to the
      // image, shrinking the destination in proportion.
      if (sw < 0) [sx, sw] = [sx + sw, -sw];
      if (sh < 0) [sy, sh] = [sy + sh, -sh];
      if (dw < 0) [dx, dw] = [dx + dw, -dw];
      if (dh < 0) [dy, dh] = [dy + dh, -dh];
      const [kx, ky] = [dw / sw, dh / sh];
      const x0 = Math.max(sx, 0), y0 = Math.max(sy, 0);
      const x1 = Math.min(sx + sw, iw), y1 = Math.min(sy + sh, ih);
      if (x1 <= x0 || y1 <= y0) return;
      dx += (x0 - sx) * kx;
      dy += (y0 - sy) * ky;
      [sx, sy, sw, sh] = [x0, y0, x1 - x0, y1 - y0];
      [dw, dh] = [sw * kx, sh * ky];
      n.drawCanvas(src, [sx, sy, sw, sh], [dx, dy, dw, dh], state.globalAlpha, state.transform);
    },
  };
  // Changing the canvas size resets the context's state (HTML: "set bitmap dimensions").
  const reset = () => {
    state = initial();
    stack.length = 0;
    ctx.beginPath();
  };
  return [Object.freeze(ctx), reset];
}

/**
 * `createCanvas(width, height)`: a drawing surface with `getContext('2d')` (a
 * CanvasRenderingContext2D subset: see index.d.ts), `width`/`height` (setting one resizes,
 * clears and resets the context, as on an HTML canvas), `toPNG()` and
 * `captureStream(frameRequestRate)`. The captured video track also has `canvas` and
 * `requestFrame()`, as a `CanvasCaptureMediaStreamTrack`.
 */
function createCanvas(width, height) {
  const n = callNative(() => native.createCanvas(width >>> 0, height >>> 0));
  const canvas = {};
  const [ctx, reset] = createContext2D(canvas, n);
  const resize = (w, h) => {
    callNative(() => n.setSize(w, h));
    reset();
  };
  Object.defineProperties(canvas, {
    width: { get: () => n.width, set: (w) => resize(w >>> 0, n.height), enumerable: true },
    height: { get: () => n.height, set: (h) => resize(n.width, h >>> 0), enumerable: true },
    getContext: { value: (type) => (type === '2d' ? ctx : null) },
    toPNG: { value: () => callNative(() => n.toPng()) },
    captureStream: {
      value: (frameRequestRate = undefined) => {
        const capture = callNative(() => n.captureStream(frameRequestRate === undefined ? undefined : Number(frameRequestRate)));
        const stream = MediaStream[kInternal](capture.stream());
        const [track] = stream.getVideoTracks();
        Object.defineProperty(track, 'canvas', { get: () => canvas });
        Object.defineProperty(track, 'requestFrame', { value: () => capture.requestFrame() });
        return stream;
      },
    },
  });
  Object.freeze(canvas);
  nativeCanvases.set(canvas, n);
  return canvas;
}

module.exports = {
  ...exported(),
  install,
  setPermission,
  getPermission,
  setPromptHandler,
  createMediaDevices,
  flushEvents,
  fake,
  openMediaFile,
  createCanvas,
};
Object.defineProperty(module.exports, 'mediaDevices', {
  get: getDefaultMediaDevices,
  enumerable: true,
});
