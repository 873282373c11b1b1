'use strict';
// HTMLMediaElement, HTMLVideoElement, HTMLAudioElement and Audio() playing MediaStreams
// (srcObject), with setSinkId/sinkId (Audio Output Devices), captureStream()
// (mediacapture-fromelement) and requestVideoFrameCallback; MediaDevices.selectAudioOutput();
// TimeRanges and MediaError. The element's state and algorithms are the Rust ones
// (mediacapture::media_element); this file converts arguments and shapes the results.

const { native, kInternal, kTrackState, kNativeEvent, nativeDevices } = require('./internal');
const { trusted, defineEventHandlers, brand, targets, watch, Listeners, countListeners, nextTarget } = require('./events');
const { callNative, nativePromise, errorFrom } = require('./errors');
const { toIdlJson, idlString, idlDouble, idlUnsignedLong } = require('./webidl');
const { MediaStream } = require('./stream');
const devices = require('./devices');

const { MediaDevices, getDefaultMediaDevices } = devices;

// ------------------------------------------------------------------------------------------
// TimeRanges (a stream's are empty, or its one played range) and MediaError.

class TimeRanges {
  #ranges;
  constructor() {
    const r = constructingRanges;
    constructingRanges = null;
    if (r === null) throw new TypeError('Illegal constructor');
    this.#ranges = r;
  }
  get length() {
    return this.#ranges.length;
  }
  start(index) {
    const i = idlUnsignedLong(index);
    if (i >= this.#ranges.length) throw new DOMException(`The index provided (${i}) is greater than or equal to the maximum bound (${this.#ranges.length}).`, 'IndexSizeError');
    return this.#ranges[i][0];
  }
  end(index) {
    const i = idlUnsignedLong(index);
    if (i >= this.#ranges.length) throw new DOMException(`The index provided (${i}) is greater than or equal to the maximum bound (${this.#ranges.length}).`, 'IndexSizeError');
    return this.#ranges[i][1];
  }
}
let constructingRanges = null;
function timeRanges(ranges) {
  constructingRanges = ranges;
  return new TimeRanges();
}

class MediaError {
  constructor() {
    throw new TypeError('Illegal constructor');
  }
}
for (const [name, value] of Object.entries({ MEDIA_ERR_ABORTED: 1, MEDIA_ERR_NETWORK: 2, MEDIA_ERR_DECODE: 3, MEDIA_ERR_SRC_NOT_SUPPORTED: 4 })) {
  Object.defineProperty(MediaError, name, { value, enumerable: true });
  Object.defineProperty(MediaError.prototype, name, { value, enumerable: true });
}

// ------------------------------------------------------------------------------------------
// HTMLMediaElement.

const kCreate = Symbol('mediacapture.createElement');
const kDomListeners = Symbol('mediacapture.domListeners');
let constructingKind = null;

const mediaEvents = [
  'loadstart',
  'emptied',
  'abort',
  'durationchange',
  'loadedmetadata',
  'loadeddata',
  'canplay',
  'canplaythrough',
  'play',
  'playing',
  'waiting',
  'pause',
  'timeupdate',
  'ended',
  'resize',
  'volumechange',
  // Nonstandard: the output in use went away; the element now plays to the default one.
  'sinkfallback',
];

class HTMLMediaElement extends EventTarget {
  #n;
  #target;
  #kind;
  #srcObject = null;
  #src = '';
  #listeners = new Listeners(this, () => this.#updateWatch());
  static {
    countListeners(this, (el) => el.#listeners);
  }
  #domListeners = 0; // listeners of the DOM element this one plays for (lib/dom_media.js)
  #pendingPlays = 0;
  #stableStatePending = false;
  #frameCallbacks = new Map(); // handle -> callback
  #window = null;
  #attrs = { loop: false, controls: false, defaultMuted: false, crossOrigin: null, preload: 'auto', playsInline: false, width: 0, height: 0, poster: '' };

  constructor() {
    const kind = constructingKind;
    constructingKind = null;
    if (kind === null) throw new TypeError('Illegal constructor');
    super();
    this.#kind = kind;
    const md = getDefaultMediaDevices();
    this.#n = callNative(() => native.createMediaElement(nativeDevices.get(md), kind));
    this.#target = nextTarget();
    targets.set(this.#target, this);
    this.#n.listen(this.#target);
  }

  static [kCreate](kind) {
    constructingKind = kind;
  }

  static [kTrackState](el) {
    return el.#n;
  }

  /** Counts the listeners of the DOM element `el` plays for (their change is `delta`). */
  static [kDomListeners](el, delta) {
    el.#domListeners = Math.max(0, el.#domListeners + delta);
    el.#updateWatch();
  }

  // Keep-alive: an element with a stream keeps the process alive while someone listens to it
  // (as a live track with listeners does) until its playback ends, so that the MDN pattern
  // `video.srcObject = stream; video.onloadedmetadata = () => video.play()` gets its event;
  // also while a play() promise or a video frame callback is pending, and while its window
  // is open.
  #updateWatch() {
    const listened = this.#listeners.count() + this.#domListeners > 0;
    const loaded = this.#srcObject !== null && !this.#n.ended && listened;
    watch(this, loaded || this.#pendingPlays > 0 || this.#frameCallbacks.size > 0 || this.#window !== null);
  }


  [kNativeEvent](type, payload) {
    if (type === 'videoframe') {
      const p = JSON.parse(payload);
      const cb = this.#frameCallbacks.get(p.handle);
      this.#frameCallbacks.delete(p.handle);
      this.#updateWatch();
      if (cb !== undefined) cb(p.now, p.metadata);
      return;
    }
    if (type === 'windowclose') {
      this.#window = null;
      this.#updateWatch();
      return;
    }
    this.dispatchEvent(new Event(type, trusted()));
    // Any event may follow a change of paused (an emptied element is paused without a
    // pause event).
    this.#updateWatch();
  }

  // ---- network state
  get src() {
    return this.#src;
  }
  set src(v) {
    // Only MediaStreams (srcObject) are played here; a URL is kept as the attribute.
    this.#src = idlString(v);
  }
  get currentSrc() {
    return '';
  }
  get srcObject() {
    return this.#srcObject;
  }
  set srcObject(v) {
    if (v !== null && !(v instanceof MediaStream)) {
      // MediaProvider is (MediaStream or MediaSource or Blob): only MediaStream exists here.
      throw new TypeError("Failed to set the 'srcObject' property on 'HTMLMediaElement': The provided value is not of type '(MediaSourceHandle or MediaStream or MediaSource or Blob)'.");
    }
    this.#srcObject = v;
    this.#n.setSrcObject(v === null ? null : MediaStream[kTrackState](v));
    this.#awaitStableState();
    this.#updateWatch();
  }
  get crossOrigin() {
    return this.#attrs.crossOrigin;
  }
  set crossOrigin(v) {
    this.#attrs.crossOrigin = v === null ? null : idlString(v);
  }
  get networkState() {
    return this.#n.networkState;
  }
  get preload() {
    // A MediaStream cannot be preloaded: "none" while one is the provider.
    return this.#srcObject !== null ? 'none' : this.#attrs.preload;
  }
  set preload(v) {
    this.#attrs.preload = idlString(v);
  }
  get buffered() {
    return timeRanges([]);
  }
  load() {
    this.#n.load();
    this.#awaitStableState();
    this.#updateWatch();
  }
  // HTML's resource selection "awaits a stable state": the load goes on after the script
  // that started it, so that script's play() or captureStream() comes before its
  // loadedmetadata, however soon the stream's metadata is known. Chromium goes on a task
  // later (networkState is NETWORK_NO_SOURCE until then, also after a microtask): so here.
  #awaitStableState() {
    if (this.#stableStatePending) return;
    this.#stableStatePending = true;
    setImmediate(() => {
      this.#stableStatePending = false;
      this.#n.stableState();
    });
  }
  canPlayType(type) {
    idlString(type);
    // No file or URL playback here: nothing "maybe" plays.
    return '';
  }

  // ---- ready state
  get readyState() {
    return this.#n.readyState;
  }
  get seeking() {
    return false;
  }

  // ---- playback state
  get currentTime() {
    return this.#n.currentTime;
  }
  set currentTime(v) {
    // A MediaStream cannot seek: "any attempt to alter it MUST be ignored".
    idlDouble(v, 'currentTime');
  }
  fastSeek(time) {
    idlDouble(time, 'time');
  }
  get duration() {
    return this.#n.duration;
  }
  getStartDate() {
    return new Date(NaN);
  }
  get paused() {
    return this.#n.paused;
  }
  get defaultPlaybackRate() {
    return 1;
  }
  set defaultPlaybackRate(v) {
    idlDouble(v, 'defaultPlaybackRate');
  }
  get playbackRate() {
    return 1;
  }
  set playbackRate(v) {
    idlDouble(v, 'playbackRate');
  }
  get preservesPitch() {
    return true;
  }
  set preservesPitch(v) {}
  get played() {
    const t = this.#n.currentTime;
    return timeRanges(this.#srcObject !== null && t > 0 ? [[0, t]] : []);
  }
  get seekable() {
    return timeRanges([]);
  }
  get ended() {
    return this.#n.ended;
  }
  get autoplay() {
    return this.#n.autoplay;
  }
  set autoplay(v) {
    this.#n.setAutoplay(Boolean(v));
  }
  get loop() {
    return this.#attrs.loop;
  }
  set loop(v) {
    this.#attrs.loop = Boolean(v);
  }
  play() {
    this.#pendingPlays++;
    this.#updateWatch();
    const done = () => {
      this.#pendingPlays--;
      this.#updateWatch();
    };
    return nativePromise(this.#n.play()).then(
      (v) => {
        done();
        return v;
      },
      (e) => {
        done();
        throw e;
      },
    );
  }
  pause() {
    this.#n.pause();
    this.#updateWatch();
  }

  // ---- controls
  get controls() {
    return this.#attrs.controls;
  }
  set controls(v) {
    this.#attrs.controls = Boolean(v);
  }
  get volume() {
    return this.#n.volume;
  }
  set volume(v) {
    const d = idlDouble(v, 'volume');
    callNative(() => this.#n.setVolume(d));
  }
  get muted() {
    return this.#n.muted;
  }
  set muted(v) {
    this.#n.setMuted(Boolean(v));
  }
  get defaultMuted() {
    return this.#attrs.defaultMuted;
  }
  set defaultMuted(v) {
    this.#attrs.defaultMuted = Boolean(v);
  }
  get error() {
    return null;
  }

  // ---- Audio Output Devices API
  get sinkId() {
    return this.#n.sinkId;
  }
  setSinkId(sinkId) {
    if (arguments.length < 1) {
      return Promise.reject(new TypeError("Failed to execute 'setSinkId' on 'HTMLMediaElement': 1 argument required, but only 0 present."));
    }
    let id;
    try {
      id = idlString(sinkId);
    } catch (e) {
      return Promise.reject(e);
    }
    return nativePromise(this.#n.setSinkId(id));
  }

  // ---- mediacapture-fromelement
  captureStream() {
    return MediaStream[kInternal](this.#n.captureStream());
  }

  // ---- what a page draws and shows (for HTMLVideoElement; used by drawImage)
  static [kInternal](el) {
    return el.#n;
  }

  #requestVideoFrameCallback(callback) {
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'requestVideoFrameCallback' on 'HTMLVideoElement': parameter 1 is not of type 'VideoFrameRequestCallback'.");
    }
    const handle = this.#n.requestVideoFrameCallback(this.#target);
    this.#frameCallbacks.set(handle, callback);
    this.#updateWatch();
    return handle;
  }

  #cancelVideoFrameCallback(handle) {
    const h = idlUnsignedLong(handle);
    this.#n.cancelVideoFrameCallback(h);
    this.#frameCallbacks.delete(h);
    this.#updateWatch();
  }

  #showWindow(title) {
    const id = callNative(() => this.#n.showWindow(title === undefined ? 'mediacapture' : idlString(title), this.#target));
    this.#window = id;
    this.#updateWatch();
    return id;
  }

  #closeWindow() {
    this.#n.closeWindow();
    this.#window = null;
    this.#updateWatch();
  }

  static [kNativeEvent](el) {
    return {
      requestVideoFrameCallback: (cb) => el.#requestVideoFrameCallback(cb),
      cancelVideoFrameCallback: (h) => el.#cancelVideoFrameCallback(h),
      showWindow: (title) => el.#showWindow(title),
      closeWindow: () => el.#closeWindow(),
      attrs: el.#attrs,
    };
  }
}

const constants = {
  NETWORK_EMPTY: 0,
  NETWORK_IDLE: 1,
  NETWORK_LOADING: 2,
  NETWORK_NO_SOURCE: 3,
  HAVE_NOTHING: 0,
  HAVE_METADATA: 1,
  HAVE_CURRENT_DATA: 2,
  HAVE_FUTURE_DATA: 3,
  HAVE_ENOUGH_DATA: 4,
};
for (const [name, value] of Object.entries(constants)) {
  Object.defineProperty(HTMLMediaElement, name, { value, enumerable: true });
  Object.defineProperty(HTMLMediaElement.prototype, name, { value, enumerable: true });
}
defineEventHandlers(HTMLMediaElement, mediaEvents);

class HTMLVideoElement extends HTMLMediaElement {
  constructor() {
    HTMLMediaElement[kCreate]('video');
    super();
  }
  get videoWidth() {
    return HTMLMediaElement[kInternal](this).videoWidth;
  }
  get videoHeight() {
    return HTMLMediaElement[kInternal](this).videoHeight;
  }
  get width() {
    return HTMLMediaElement[kNativeEvent](this).attrs.width;
  }
  set width(v) {
    HTMLMediaElement[kNativeEvent](this).attrs.width = idlUnsignedLong(v);
  }
  get height() {
    return HTMLMediaElement[kNativeEvent](this).attrs.height;
  }
  set height(v) {
    HTMLMediaElement[kNativeEvent](this).attrs.height = idlUnsignedLong(v);
  }
  get poster() {
    return HTMLMediaElement[kNativeEvent](this).attrs.poster;
  }
  set poster(v) {
    HTMLMediaElement[kNativeEvent](this).attrs.poster = idlString(v);
  }
  get playsInline() {
    return HTMLMediaElement[kNativeEvent](this).attrs.playsInline;
  }
  set playsInline(v) {
    HTMLMediaElement[kNativeEvent](this).attrs.playsInline = Boolean(v);
  }
  /** video-rvfc: `callback(now, metadata)` once, when the next frame is presented. */
  requestVideoFrameCallback(callback) {
    brand(HTMLVideoElement, this);
    return HTMLMediaElement[kNativeEvent](this).requestVideoFrameCallback(callback);
  }
  cancelVideoFrameCallback(handle) {
    brand(HTMLVideoElement, this);
    HTMLMediaElement[kNativeEvent](this).cancelVideoFrameCallback(handle);
  }
  /**
   * Nonstandard: shows the video in a native window (X11, on `DISPLAY`), letterboxed and
   * resizable; returns the X window id. The window keeps the process alive until it is
   * closed (by the user, or `closeWindow()`).
   */
  showWindow(title = undefined) {
    brand(HTMLVideoElement, this);
    return HTMLMediaElement[kNativeEvent](this).showWindow(title);
  }
  /** Nonstandard: closes the window `showWindow()` opened. */
  closeWindow() {
    brand(HTMLVideoElement, this);
    HTMLMediaElement[kNativeEvent](this).closeWindow();
  }
}

class HTMLAudioElement extends HTMLMediaElement {
  constructor() {
    HTMLMediaElement[kCreate]('audio');
    super();
  }
}

/** `new Audio(src)`: the LegacyFactoryFunction of HTMLAudioElement (preload "auto"). */
function Audio(src = undefined) {
  if (new.target === undefined) throw new TypeError("Failed to construct 'Audio': Please use the 'new' operator, this DOM object constructor cannot be called as a function.");
  const el = new HTMLAudioElement();
  el.preload = 'auto';
  if (src !== undefined) el.src = src;
  return el;
}
Audio.prototype = HTMLAudioElement.prototype;

// ------------------------------------------------------------------------------------------
// mediaDevices.selectAudioOutput() (a partial interface of MediaDevices).

Object.defineProperty(MediaDevices.prototype, 'selectAudioOutput', {
  enumerable: true,
  configurable: true,
  writable: true,
  value: function selectAudioOutput(options = undefined) {
    if (!(this instanceof MediaDevices)) return Promise.reject(new TypeError('Illegal invocation'));
    let json;
    try {
      json = toIdlJson(options === undefined || options === null ? {} : options);
    } catch (e) {
      return Promise.reject(e);
    }
    return nativePromise(native.selectAudioOutput(nativeDevices.get(this), json)).then((text) => devices.deviceInfoFrom(JSON.parse(text)));
  },
});

// ------------------------------------------------------------------------------------------
// drawImage(video): the frame the element shows.

// A DOM's <video>/<audio> element -> the element of this package that plays for it
// (lib/dom_media.js fills it under install(window)).
const domBackings = new WeakMap();

/** The native element behind a media element (for the canvas's drawImage), or undefined. */
function nativeElementOf(v) {
  const el = v instanceof HTMLMediaElement ? v : domBackings.get(v);
  return el === undefined ? undefined : HTMLMediaElement[kInternal](el);
}

/** drawImage(video, ...) on a native 2D context. */
function drawMediaElement(nativeContext, element, args) {
  callNative(() => native.drawMediaElement(nativeContext, element, args.map(Number)));
}

module.exports = {
  HTMLMediaElement,
  HTMLVideoElement,
  HTMLAudioElement,
  Audio,
  TimeRanges,
  MediaError,
  nativeElementOf,
  drawMediaElement,
  domBackings,
  kDomListeners,
  mediaEvents,
  errorFrom,
};
