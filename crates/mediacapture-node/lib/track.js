'use strict';
// MediaStreamTrack, its media (track.frames()) and MediaStreamTrackProcessor.

const { kInternal, kTrackState, kNativeEvent, kPrepareTrack, kCloneTrack } = require('./internal');
const { trusted, defineEventHandlers, targets, watch, Listeners, countListeners, nextTarget, openReader } = require('./events');
const { callNative, nativePromise } = require('./errors');
const { toIdlJson, idlString } = require('./webidl');

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

  static [kPrepareTrack](n) {
    constructingTrack = n;
  }

  /** The object `clone()` returns for native clone `n` (a subclass returns one of its own). */
  [kCloneTrack](n) {
    return MediaStreamTrack[kInternal](n);
  }

  #listeners = new Listeners(this, () => this.#updateWatch()); // for the keep-alive decision
  static {
    countListeners(this, (t) => t.#listeners);
  }

  #ended() {
    this.#readyState = 'ended';
    targets.delete(this.#target);
    watch(this, false);
  }

  #updateWatch() {
    watch(this, this.#listeners.count(['ended', 'mute', 'unmute']) > 0 && this.#readyState === 'live');
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
    const c = this[kCloneTrack](this.#n.cloneTrack());
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
    // A promise-returning operation called on the wrong object rejects (WebIDL).
    if (Object(this) !== this || !(#n in this)) return Promise.reject(new TypeError('Illegal invocation'));
    const n = this.#n;
    let json;
    try {
      json = toIdlJson(constraints === undefined || constraints === null ? {} : constraints);
    } catch (e) {
      return Promise.reject(e);
    }
    return nativePromise(n.applyConstraints(json));
  }

  /**
   * Nonstandard: an async iterator over this track's media. Video: `{timestamp, duration,
   * width, height, format, data: Uint8Array}` (tightly packed planes of the visible picture;
   * `format` is what the track delivers, MJPEG decoded to I420, unless `options.format` asks
   * for I420, NV12, YUYV, RGBA or BGRA); audio:
   * `{timestamp, duration, sampleRate, numberOfChannels, numberOfFrames, format: "f32",
   * data: Float32Array}` (interleaved). Timestamps are microseconds of capture time.
   * Video: at most `options.capacity` frames wait (default 2, at most 3), the oldest dropped
   * when the reader is behind; audio: at most `options.capacity` blocks wait (default 200,
   * about 2 s), and blocks that do not fit are lost. Both are counted in `dropped`. It ends
   * when the track ends; `break` (or `return()`) stops it.
   */
  frames(options = {}) {
    const n = this.#n;
    const format = options && options.format !== undefined ? idlString(options.format) : undefined;
    const capacity = options && options.capacity !== undefined ? Math.max(1, Math.floor(Number(options.capacity)) || 1) : undefined;
    return openReader((id) => callNative(() => n.reader(id, format, capacity)), chunkToObject);
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

module.exports = { MediaStreamTrack, MediaStreamTrackProcessor, isTrack };
