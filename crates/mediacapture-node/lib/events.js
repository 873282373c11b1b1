'use strict';
// Events: trusted Node events, event handler attributes, native event delivery, native media
// delivery, and what keeps the process alive.

const { native, kNativeEvent } = require('./internal');

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
    const name = `on${type}`;
    // An object literal's accessors with a computed key: the functions are named
    // "get onmute" / "set onmute", as WebIDL names an attribute's getter and setter.
    const accessors = {
      get [name]() {
        brand(cls, this);
        const h = handlerMaps.get(this)?.get(type);
        return h ? h.value : null;
      },
      set [name](value) {
        brand(cls, this);
        setHandler(this, type, value);
      },
    };
    const { get, set } = Object.getOwnPropertyDescriptor(accessors, name);
    Object.defineProperty(cls.prototype, name, { get, set, configurable: true, enumerable: true });
  }
}

function setHandler(target, type, value) {
  let map = handlerMaps.get(target);
  if (!map) {
    map = new Map();
    handlerMaps.set(target, map);
  }
  const v = (typeof value === 'object' && value !== null) || typeof value === 'function' ? value : null;
  const h = map.get(type);
  if (v === null) {
    if (h) {
      target.removeEventListener(type, h.listener);
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
  target.addEventListener(type, entry.listener);
}

function brand(cls, obj) {
  if (!(obj instanceof cls)) throw new TypeError('Illegal invocation');
}

// ------------------------------------------------------------------------------------------
// Native event delivery and keeping the process alive.
//
// Every native event arrives through one threadsafe function, in the order the library fired
// it. That function is weak: what keeps node's event loop alive is one timer, referenced only
// while something waits for native events or media: a live track with an `ended` / `mute` /
// `unmute` listener (or handler, or a `once` listener until its event), a recording
// MediaRecorder, a started audio source node with an `ended` listener, a pending read of
// frames. (A pending promise does not keep node's loop alive: what settles it must.) A live
// track nobody listens to does not: a script that gets a stream, prints its settings and
// returns exits, as does one that stops every track.

const targets = new Map(); // target id -> object receiving native events
let nextTargetInEnv = 1;
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

/**
 * The event listeners an object has, for its keep-alive decision, under the DOM's rules: a
 * (type, callback, capture) is added once; a `once` listener is gone after its first event;
 * aborting its `signal` removes it. The owner's addEventListener / removeEventListener call
 * `added` / `removed`; `changed()` runs after each change of the count.
 */
class Listeners {
  #target;
  #changed;
  #entries = []; // { type, callback, capture }
  constructor(target, changed) {
    this.#target = target;
    this.#changed = changed;
  }
  static #capture(options) {
    return typeof options === 'boolean' ? options : typeof options === 'object' && options !== null && Boolean(options.capture);
  }
  #find(type, callback, capture) {
    return this.#entries.findIndex((e) => e.type === type && e.callback === callback && e.capture === capture);
  }
  added(type, callback, options) {
    if (callback === null || callback === undefined) return;
    const t = String(type);
    const capture = Listeners.#capture(options);
    const o = typeof options === 'object' && options !== null ? options : {};
    if (o.signal?.aborted || this.#find(t, callback, capture) >= 0) return;
    this.#entries.push({ type: t, callback, capture });
    const drop = () => this.removed(t, callback, capture);
    // A once listener is removed by the dispatch that calls it: this one, added after it,
    // runs in that same dispatch.
    if (o.once) EventTarget.prototype.addEventListener.call(this.#target, t, drop, { once: true, capture });
    o.signal?.addEventListener('abort', drop, { once: true });
    this.#changed();
  }
  removed(type, callback, options) {
    const i = this.#find(String(type), callback, Listeners.#capture(options));
    if (i < 0) return;
    this.#entries.splice(i, 1);
    this.#changed();
  }
  /** How many listeners there are of `types` (all types when omitted). */
  count(types = undefined) {
    return types === undefined ? this.#entries.length : this.#entries.filter((e) => types.includes(e.type)).length;
  }
}

/**
 * Gives `cls` addEventListener / removeEventListener that also keep `listenersOf(obj)` (its
 * Listeners) up to date. Called from the class's static block (which reaches its private
 * field).
 */
function countListeners(cls, listenersOf) {
  const base = Object.getPrototypeOf(cls.prototype);
  Object.defineProperties(cls.prototype, {
    addEventListener: {
      value: function addEventListener(type, callback, options) {
        base.addEventListener.call(this, type, callback, options);
        listenersOf(this).added(type, callback, options);
      },
      writable: true,
      configurable: true,
    },
    removeEventListener: {
      value: function removeEventListener(type, callback, options) {
        base.removeEventListener.call(this, type, callback, options);
        listenersOf(this).removed(type, callback, options);
      },
      writable: true,
      configurable: true,
    },
  });
}

// napi hands a tuple over as one array.
const tuple = (args) => (args.length === 1 && Array.isArray(args[0]) ? args[0] : args);

const envNumber = native.setEventSink((...args) => {
  const [target, type, payload] = tuple(args);
  const obj = targets.get(target);
  if (obj) obj[kNativeEvent](type, payload);
});

// Target (and reader) ids carry this environment's number (main thread, or a worker) in
// their top 8 bits.
const nextTarget = () => envNumber * 2 ** 24 + nextTargetInEnv++;

// ------------------------------------------------------------------------------------------
// Media readers (track.frames()).
//
// The native reader pushes: each `request()` asks for one item, which arrives through this
// environment's media sink as soon as the track has one (or "ended" when the track ends or
// the reader is closed). Nothing in JavaScript buffers: the bound is the native stream's.

const readers = new Map(); // reader id -> function receiving its chunks

native.setMediaSink(envNumber, (...args) => {
  const [id, chunk] = tuple(args);
  const r = readers.get(id);
  if (r) r(chunk);
});

/**
 * An async iterator over what a native reader delivers: `openReader(open, convert)` where
 * `open(id)` creates the reader for id `id` and `convert(chunk)` makes the iterator's value.
 * It ends when the reader sends "ended"; `return()` closes it. While a `next()` is pending,
 * the process stays alive; otherwise the reader never keeps it alive.
 */
function openReader(open, convert) {
  const id = nextTarget();
  const reader = open(id);
  const waiting = []; // resolvers of the pending next() calls, oldest first
  const keepAlive = {};
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    readers.delete(id);
    watch(keepAlive, false);
    for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
  };
  readers.set(id, (chunk) => {
    if (chunk.kind === 'ended') return finish();
    // A frame that could not be converted: ask for the next one.
    if (chunk.kind !== 'skipped') waiting.shift()?.({ value: convert(chunk), done: false });
    if (waiting.length > 0) reader.request();
    else watch(keepAlive, false);
  });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting.push(resolve);
        watch(keepAlive, true);
        if (waiting.length === 1) reader.request();
      });
    },
    return() {
      if (!done) {
        reader.close();
        finish();
      }
      return Promise.resolve({ value: undefined, done: true });
    },
    get dropped() {
      return reader.dropped;
    },
  };
}

module.exports = {
  trusted,
  defineEventHandlers,
  brand,
  targets,
  watch,
  Listeners,
  countListeners,
  nextTarget,
  envNumber,
  openReader,
};
