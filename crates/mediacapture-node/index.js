'use strict';
// navigator.mediaDevices for Node.js, shaped like the browser's (Media Capture and Streams,
// the getDisplayMedia part of Screen Capture, MediaStream Recording, canvas and media-file
// capture, and a MediaStreamTrackProcessor), on the `mediacapture` Rust library (the native
// half is src/*.rs, loaded from mediacapture.node).
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
//   lib/stream.js       MediaStream, MediaStreamTrackEvent
//   lib/devices.js      MediaDevices, device infos, CaptureController, setPermission()
//   lib/permissions.js  navigator.permissions, PermissionStatus, setPromptHandler()
//   lib/recorder.js     MediaRecorder, BlobEvent, ErrorEvent
//   lib/sources.js      openMediaFile(), createCanvas() and its 2D context
//   lib/media_element.js HTMLMediaElement/HTMLVideoElement/HTMLAudioElement/Audio,
//                       selectAudioOutput()
//   lib/audio_context.js AudioContext, AudioNode and its nodes, AudioParam (Web Audio)

const { native, kInternal } = require('./lib/internal');
const { OverconstrainedError } = require('./lib/errors');
const { MediaStreamTrack, MediaStreamTrackProcessor } = require('./lib/track');
const { MediaStream, MediaStreamTrackEvent } = require('./lib/stream');
const devices = require('./lib/devices');
const { PermissionStatus, Permissions, setPromptHandler } = require('./lib/permissions');
const { MediaRecorder, BlobEvent, ErrorEventClass } = require('./lib/recorder');
const { openMediaFile, createCanvas } = require('./lib/sources');
const { HTMLMediaElement, HTMLVideoElement, HTMLAudioElement, Audio, TimeRanges, MediaError } = require('./lib/media_element');
const webAudio = require('./lib/audio_context');

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
  PermissionStatus,
  MediaRecorder,
  BlobEvent,
  HTMLMediaElement,
  HTMLVideoElement,
  HTMLAudioElement,
  TimeRanges,
  MediaError,
  ...webAudio,
};

for (const cls of Object.values(interfaces)) {
  // Object.prototype.toString gives "[object MediaStreamTrack]" as in a browser.
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

function exported() {
  const out = { ...interfaces, Audio };
  if (typeof globalThis.ErrorEvent !== 'function') out.ErrorEvent = ErrorEventClass;
  return out;
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
    const permissions = new Permissions(kInternal, getDefaultMediaDevices);
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
