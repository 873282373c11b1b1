'use strict';
// DOMs in Node (jsdom, happy-dom): `install(window)` makes their <video> and <audio> elements
// play MediaStreams. Neither DOM plays media (jsdom's play() and pause() report "not
// implemented", and neither has srcObject), so each DOM element gets one of this package's
// media elements behind it, made the first time a media member is used; the members that
// matter for streams (srcObject, play(), pause(), paused, muted, volume, readyState,
// videoWidth/videoHeight, setSinkId/sinkId, captureStream(), requestVideoFrameCallback, …)
// are that element's, and its events are fired at the DOM element (as events of the
// window's realm, so `video.onloadedmetadata` and `addEventListener` see them).
//
// The window keeps its own HTMLMediaElement, HTMLVideoElement, HTMLAudioElement and Audio
// interfaces (install() does not replace them): `document.createElement('video')` and
// `instanceof HTMLVideoElement` must agree, as in a browser. Content attributes (autoplay,
// muted, loop, controls, poster, width, height) stay the DOM's; `autoplay` and the `muted`
// attribute are read when a stream is assigned, as the HTML spec's load algorithm does.

const { kInstalled } = require('./internal');
const { findMember } = require('./webidl');
const media = require('./media_element');

const backings = media.domBackings; // DOM element -> this package's element

// The element's events, fired again at the DOM element.
const forwardedEvents = media.mediaEvents;

function installMediaElements(globalObject) {
  const DomMedia = globalObject.HTMLMediaElement;
  const DomVideo = globalObject.HTMLVideoElement;
  if (typeof DomMedia !== 'function' || DomMedia.prototype.captureStream?.[kInstalled]) return;
  const WindowEvent = typeof globalObject.Event === 'function' ? globalObject.Event : Event;
  const proto = DomMedia.prototype;
  const autoplayOf = findMember(proto, 'autoplay');
  const isVideo = (el) => typeof DomVideo === 'function' && el instanceof DomVideo;

  // A TypeError of these functions' realm (Node's), as WebIDL's brand checks throw.
  const brand = (obj, what, Iface = DomMedia) => {
    if (!(obj instanceof Iface)) throw new TypeError(`Failed to execute '${what}' on '${Iface.name}': Illegal invocation`);
  };

  /** The package's element behind `el`, made (with the DOM's attributes) on first use. */
  function backing(el) {
    let b = backings.get(el);
    if (b !== undefined) return b;
    b = isVideo(el) ? new media.HTMLVideoElement() : new media.HTMLAudioElement();
    // The `muted` content attribute is the initial muted state (defaultMuted).
    if (typeof el.hasAttribute === 'function' && el.hasAttribute('muted')) b.muted = true;
    for (const type of forwardedEvents) {
      // EventTarget's own addEventListener: a forwarder is not a listener of the page; the
      // page's own listeners on the DOM element are counted instead (below), so that an
      // element keeps the process alive exactly as the package's own element does.
      EventTarget.prototype.addEventListener.call(b, type, () => {
        el.dispatchEvent(new WindowEvent(type, { bubbles: false, cancelable: false }));
      });
    }
    backings.set(el, b);
    const pending = pendingListeners.get(el);
    if (pending !== undefined) {
      pendingListeners.delete(el);
      media.HTMLMediaElement[media.kDomListeners](b, pending);
    }
    return b;
  }

  // The page's listeners of media events on a DOM element, counted for the keep-alive of the
  // element behind it (kept here until that element exists).
  const pendingListeners = new WeakMap();
  const countListener = (el, type, delta) => {
    if (!forwardedEvents.includes(String(type))) return;
    const b = backings.get(el);
    if (b !== undefined) media.HTMLMediaElement[media.kDomListeners](b, delta);
    else pendingListeners.set(el, Math.max(0, (pendingListeners.get(el) ?? 0) + delta));
  };
  const domAdd = findMember(proto, 'addEventListener')?.value;
  const domRemove = findMember(proto, 'removeEventListener')?.value;
  if (typeof domAdd === 'function' && typeof domRemove === 'function') {
    define(proto, {
      addEventListener(type, callback, options = undefined) {
        domAdd.call(this, type, callback, options);
        if (callback !== null && callback !== undefined && this instanceof DomMedia) countListener(this, type, 1);
      },
      removeEventListener(type, callback, options = undefined) {
        domRemove.call(this, type, callback, options);
        if (callback !== null && callback !== undefined && this instanceof DomMedia) countListener(this, type, -1);
      },
    });
    // Event handler attributes (`video.onloadedmetadata = f`) count as listeners too.
    for (const type of forwardedEvents) {
      const d = findMember(proto, `on${type}`);
      if (!d || typeof d.get !== 'function' || typeof d.set !== 'function') continue;
      Object.defineProperty(proto, `on${type}`, {
        get() {
          return d.get.call(this);
        },
        set(v) {
          const had = typeof d.get.call(this) === 'function';
          d.set.call(this, v);
          const has = typeof d.get.call(this) === 'function';
          if (had !== has && this instanceof DomMedia) countListener(this, type, has ? 1 : -1);
        },
        enumerable: d.enumerable,
        configurable: true,
      });
    }
  }

  const members = {
    get srcObject() {
      brand(this, 'srcObject');
      return backings.get(this)?.srcObject ?? null;
    },
    set srcObject(v) {
      brand(this, 'srcObject');
      const b = backing(this);
      // The load algorithm reads the autoplay attribute when the source is assigned.
      if (autoplayOf?.get) b.autoplay = Boolean(autoplayOf.get.call(this));
      b.srcObject = v;
    },
    get paused() {
      brand(this, 'paused');
      return backings.get(this)?.paused ?? true;
    },
    get ended() {
      brand(this, 'ended');
      return backings.get(this)?.ended ?? false;
    },
    get readyState() {
      brand(this, 'readyState');
      return backings.get(this)?.readyState ?? 0;
    },
    get networkState() {
      brand(this, 'networkState');
      return backings.get(this)?.networkState ?? 0;
    },
    get currentTime() {
      brand(this, 'currentTime');
      return backings.get(this)?.currentTime ?? 0;
    },
    set currentTime(v) {
      brand(this, 'currentTime');
      backing(this).currentTime = v;
    },
    get muted() {
      brand(this, 'muted');
      return backing(this).muted;
    },
    set muted(v) {
      brand(this, 'muted');
      backing(this).muted = v;
    },
    get volume() {
      brand(this, 'volume');
      return backing(this).volume;
    },
    set volume(v) {
      brand(this, 'volume');
      backing(this).volume = v;
    },
    get sinkId() {
      brand(this, 'sinkId');
      return backing(this).sinkId;
    },
    get error() {
      brand(this, 'error');
      return backings.get(this)?.error ?? null;
    },
    play() {
      try {
        brand(this, 'play');
      } catch (e) {
        return Promise.reject(e);
      }
      const b = backing(this);
      if (autoplayOf?.get) b.autoplay = Boolean(autoplayOf.get.call(this));
      return b.play();
    },
    pause() {
      brand(this, 'pause');
      backing(this).pause();
    },
    load() {
      brand(this, 'load');
      backing(this).load();
    },
    setSinkId(sinkId) {
      try {
        brand(this, 'setSinkId');
      } catch (e) {
        return Promise.reject(e);
      }
      return backing(this).setSinkId(sinkId);
    },
    captureStream() {
      brand(this, 'captureStream');
      return backing(this).captureStream();
    },
  };
  const videoMembers = {
    get videoWidth() {
      brand(this, 'videoWidth', DomVideo);
      return backings.get(this)?.videoWidth ?? 0;
    },
    get videoHeight() {
      brand(this, 'videoHeight', DomVideo);
      return backings.get(this)?.videoHeight ?? 0;
    },
    requestVideoFrameCallback(callback) {
      brand(this, 'requestVideoFrameCallback', DomVideo);
      return backing(this).requestVideoFrameCallback(callback);
    },
    cancelVideoFrameCallback(handle) {
      brand(this, 'cancelVideoFrameCallback', DomVideo);
      backing(this).cancelVideoFrameCallback(handle);
    },
  };
  define(proto, members);
  if (typeof DomVideo === 'function') define(DomVideo.prototype, videoMembers);
  Object.defineProperty(proto.captureStream, kInstalled, { value: true });
}

/** Defines `members` on `proto` as WebIDL does: enumerable, configurable, methods writable. */
function define(proto, members) {
  for (const name of Object.getOwnPropertyNames(members)) {
    const d = Object.getOwnPropertyDescriptor(members, name);
    const desc = d.get || d.set ? { get: d.get, set: d.set } : { value: d.value, writable: true };
    Object.defineProperty(proto, name, { ...desc, enumerable: true, configurable: true });
  }
}

/** Interface names a DOM window keeps as its own when install() is given it. */
const domOwnInterfaces = ['HTMLMediaElement', 'HTMLVideoElement', 'HTMLAudioElement', 'Audio'];

module.exports = { installMediaElements, domOwnInterfaces };
