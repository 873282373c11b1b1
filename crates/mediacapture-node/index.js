'use strict';
// navigator.mediaDevices for Node.js, shaped like the browser's (Media Capture and Streams,
// the getDisplayMedia part of Screen Capture, MediaStream Recording, canvas and media-file
// capture, and mediacapture-transform's processor and generators), on the `mediacapture`
// Rust library (the native half is src/*.rs, loaded from mediacapture.node).
//
// What lives in lib/: the DOM shapes. Every interface is a class whose attributes are getters
// on its prototype; every event target extends the global EventTarget and has its `on…`
// attributes; events the implementation fires are trusted (`isTrusted === true`); errors are
// DOMExceptions named as the spec names them (OverconstrainedError extends DOMException) or
// plain TypeErrors where WebIDL says so; dictionaries are converted from JavaScript values as
// WebIDL converts them (the Rust side finishes the conversion with the library's rules).
//
//   lib/internal.js     the addon and the package's private symbols
//   lib/errors.js       OverconstrainedError; errorFrom, the one way native errors cross
//   lib/webidl.js       WebIDL conversions (dictionaries to JSON, strings, numbers)
//   lib/events.js       trusted events, on… attributes, native events and media delivery
//   lib/track.js        MediaStreamTrack, track.frames(), MediaStreamTrackProcessor
//   lib/generator.js    VideoTrackGenerator, MediaStreamTrackGenerator
//   lib/stream.js       MediaStream, MediaStreamTrackEvent
//   lib/devices.js      MediaDevices, device infos, CaptureController, setPermission()
//   lib/permissions.js  navigator.permissions, PermissionStatus, setPromptHandler()
//   lib/recorder.js     MediaRecorder, BlobEvent, ErrorEvent
//   lib/sources.js      openMediaFile(), createCanvas() and its 2D context,
//                       CanvasCaptureMediaStreamTrack
//   lib/media_element.js HTMLMediaElement/HTMLVideoElement/HTMLAudioElement/Audio,
//                       selectAudioOutput()
//   lib/audio_context.js AudioContext, AudioNode and its nodes, AudioParam (Web Audio)
//   lib/rtc.js          RTCPeerConnection and its RTP objects, session descriptions,
//                       ICE candidates, their events, RTCStatsReport (WebRTC)
//   lib/dom.js          what install(window) adds to a DOM (jsdom, happy-dom): canvases
//   lib/dom_media.js    … and its <video>/<audio> elements playing streams

const { native, kInternal } = require('./lib/internal');
const { OverconstrainedError } = require('./lib/errors');
const { MediaStreamTrack, MediaStreamTrackProcessor } = require('./lib/track');
const { MediaStream, MediaStreamTrackEvent } = require('./lib/stream');
const devices = require('./lib/devices');
const { PermissionStatus, Permissions, setPromptHandler } = require('./lib/permissions');
const { MediaRecorder, BlobEvent, ErrorEventClass } = require('./lib/recorder');
const { openMediaFile, createCanvas, CanvasCaptureMediaStreamTrack } = require('./lib/sources');
const { VideoTrackGenerator, MediaStreamTrackGenerator } = require('./lib/generator');
const { webidlInterface } = require('./lib/webidl');
const { installDom } = require('./lib/dom');
const { domOwnInterfaces } = require('./lib/dom_media');
const { HTMLMediaElement, HTMLVideoElement, HTMLAudioElement, Audio, TimeRanges, MediaError } = require('./lib/media_element');
const webAudio = require('./lib/audio_context');
const rtc = require('./lib/rtc');

const { MediaDevices, MediaDeviceInfo, InputDeviceInfo, DeviceChangeEvent, CaptureController, getDefaultMediaDevices } = devices;

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
  VideoTrackGenerator,
  MediaStreamTrackGenerator,
  CanvasCaptureMediaStreamTrack,
  PermissionStatus,
  MediaRecorder,
  BlobEvent,
  HTMLMediaElement,
  HTMLVideoElement,
  HTMLAudioElement,
  TimeRanges,
  MediaError,
  ...webAudio,
  ...rtc,
};

// Nonstandard members, and overrides of inherited methods, stay non-enumerable.
const nonstandard = {
  MediaStreamTrack: ['addEventListener', 'removeEventListener', 'frames'],
  RTCStatsReport: [Symbol.iterator],
};
for (const cls of Object.values(interfaces)) webidlInterface(cls, nonstandard[cls.name]);

function exported() {
  const out = { ...interfaces, Audio };
  if (typeof globalThis.ErrorEvent !== 'function') out.ErrorEvent = ErrorEventClass;
  return out;
}

// ------------------------------------------------------------------------------------------
// Navigator: `mediaDevices`, `getUserMedia` and `permissions` are members of Navigator's
// prototype (a partial interface Navigator), as in a browser, not own properties of the
// navigator object. Their brand check accepts the navigators install() was given.

const navigators = new WeakSet();

function brandNavigator(obj, what) {
  if (!navigators.has(obj)) throw new TypeError(`Illegal invocation: ${what} of an object that is not an installed Navigator`);
}

const navigatorMembers = {
  /** [SameObject] readonly attribute MediaDevices mediaDevices. */
  get mediaDevices() {
    brandNavigator(this, 'mediaDevices');
    return getDefaultMediaDevices();
  },
  /** The legacy `navigator.getUserMedia(constraints, successCallback, errorCallback)`. */
  getUserMedia(constraints, successCallback, errorCallback) {
    brandNavigator(this, 'getUserMedia');
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
  },
};

let defaultPermissions = null;
const permissionsMember = {
  /** [SameObject] readonly attribute Permissions permissions (the Permissions spec). */
  get permissions() {
    brandNavigator(this, 'permissions');
    if (defaultPermissions === null) defaultPermissions = new Permissions(kInternal, getDefaultMediaDevices);
    return defaultPermissions;
  },
};

/** A Navigator interface for a global object that has none (Node < 21, a bare object). */
function makeNavigatorInterface() {
  const Navigator = class Navigator {
    constructor() {
      throw new TypeError('Illegal constructor');
    }
  };
  Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: 'Navigator', configurable: true });
  return Navigator;
}

/** The Navigator prototype of `globalObject` (made when it has none) and its navigator. */
function navigatorOf(globalObject) {
  let nav = globalObject.navigator;
  const Host = globalObject.Navigator;
  if (nav !== null && typeof nav === 'object' && typeof Host === 'function' && nav instanceof Host) {
    return { nav, proto: Host.prototype };
  }
  if (nav !== null && typeof nav === 'object' && Object.getPrototypeOf(nav) !== Object.prototype && Object.getPrototypeOf(nav) !== null) {
    return { nav, proto: Object.getPrototypeOf(nav) };
  }
  const Navigator = makeNavigatorInterface();
  Object.defineProperty(globalObject, 'Navigator', { value: Navigator, writable: true, configurable: true, enumerable: false });
  if (nav !== null && typeof nav === 'object') {
    Object.setPrototypeOf(nav, Navigator.prototype);
  } else {
    nav = Object.create(Navigator.prototype);
    Object.defineProperty(globalObject, 'navigator', { value: nav, writable: true, configurable: true, enumerable: true });
  }
  return { nav, proto: Navigator.prototype };
}

function defineMembers(proto, members, names) {
  for (const name of names) {
    const d = Object.getOwnPropertyDescriptor(members, name);
    if (d.get) Object.defineProperty(proto, name, { get: d.get, configurable: true, enumerable: true });
    else Object.defineProperty(proto, name, { value: d.value, writable: true, configurable: true, enumerable: true });
  }
}

/**
 * Makes browser code run unchanged: every interface as a global of `globalObject` (writable,
 * configurable, not enumerable, as WebIDL defines them on a window), and on its Navigator's
 * prototype `mediaDevices` (the default MediaDevices, [SameObject]), the legacy
 * `getUserMedia` and, where there is none, `permissions`. A global object without a
 * `navigator` (Node < 21) gets one, of a `Navigator` interface it also gets. A global object
 * with a DOM (jsdom, happy-dom) also gets `HTMLCanvasElement.prototype.captureStream` and a
 * 2D context backed by this package's canvas (lib/dom.js), and its <video>/<audio> elements
 * play MediaStreams (srcObject, play(), setSinkId(), captureStream(), …) with this package's
 * media element behind each (lib/dom_media.js); the DOM keeps its own element interfaces.
 */
function install(globalObject = globalThis) {
  const hasDom = typeof globalObject.document === 'object' && globalObject.document !== null;
  for (const [name, value] of Object.entries(exported())) {
    if (typeof value !== 'function' || !/^[A-Z]/.test(name)) continue;
    // A DOM keeps its own media element interfaces (their elements are made to play streams
    // by lib/dom_media.js): `document.createElement('video') instanceof HTMLVideoElement`.
    if (hasDom && domOwnInterfaces.includes(name) && typeof globalObject[name] === 'function') continue;
    Object.defineProperty(globalObject, name, { value, writable: true, configurable: true, enumerable: false });
  }
  const { nav, proto } = navigatorOf(globalObject);
  navigators.add(nav);
  // Own properties an earlier version of install() defined would hide the prototype's.
  for (const name of ['mediaDevices', 'getUserMedia', 'permissions']) {
    const own = Object.getOwnPropertyDescriptor(nav, name);
    if (own && own.configurable) delete nav[name];
  }
  defineMembers(proto, navigatorMembers, ['mediaDevices', 'getUserMedia']);
  const permissionsGetter = Object.getOwnPropertyDescriptor(permissionsMember, 'permissions').get;
  if (!('permissions' in nav) || Object.getOwnPropertyDescriptor(proto, 'permissions')?.get === permissionsGetter) {
    defineMembers(proto, permissionsMember, ['permissions']);
  }
  installDom(globalObject);
  return globalObject;
}

/** Nonstandard: resolves when every event the library fired so far has been delivered. */
function flushEvents() {
  return native.flushEvents().then(() => new Promise((resolve) => setImmediate(resolve)));
}

/** Nonstandard test hooks that look at the process (the churn soak test). */
const diagnostics = Object.freeze({
  /** Bytes of native heap in use as the allocator counts them (glibc), or null. */
  nativeHeapInUse: () => native.nativeHeapInUse(),
});

module.exports = {
  ...exported(),
  install,
  setPermission: devices.setPermission,
  getPermission: devices.getPermission,
  setPromptHandler,
  createMediaDevices: devices.createMediaDevices,
  flushEvents,
  fake: devices.fake,
  diagnostics,
  openMediaFile,
  createCanvas,
};
Object.defineProperty(module.exports, 'mediaDevices', {
  get: getDefaultMediaDevices,
  enumerable: true,
});
