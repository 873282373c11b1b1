'use strict';
// MediaDevices (getUserMedia, getDisplayMedia, enumerateDevices, devicechange),
// MediaDeviceInfo / InputDeviceInfo / DeviceChangeEvent, CaptureController, the default
// MediaDevices, setPermission() / getPermission(), and the fake backend's test hooks.

const { native, kInternal, kTrackState, kNativeEvent, nativeDevices } = require('./internal');
const { trusted, defineEventHandlers, targets, nextTarget, envNumber } = require('./events');
const { callNative, nativePromise } = require('./errors');
const { toIdlJson, idlString } = require('./webidl');
const { MediaStream } = require('./stream');
const { permissionNames, permissionStates, permissionChanged } = require('./permissions');

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

// A promise-returning operation called on the wrong object rejects (WebIDL), it does not throw.
const illegalInvocation = () => Promise.reject(new TypeError('Illegal invocation'));

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
    nativeDevices.set(this, n);
    targets.set(this.#target, this);
    n.listen(this.#target);
  }

  static [kInternal](options) {
    // `env`: this environment's number, whose prompt handler answers "prompt" permissions.
    constructingDevices = callNative(() => new native.NativeDevices(JSON.stringify({ ...options, env: envNumber })));
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
    if (Object(this) !== this || !(#n in this)) return illegalInvocation();
    return nativePromise(this.#n.enumerate()).then((text) => JSON.parse(text).map(deviceInfoFrom));
  }

  getSupportedConstraints() {
    return JSON.parse(this.#n.supportedConstraints());
  }

  getUserMedia(constraints = undefined) {
    if (Object(this) !== this || !(#n in this)) return illegalInvocation();
    const n = this.#n;
    let json;
    try {
      json = toIdlJson(constraints === undefined || constraints === null ? {} : constraints);
    } catch (e) {
      return Promise.reject(e);
    }
    // The synchronous steps (WebIDL conversion, "nothing requested"): an already rejected
    // promise, as in a browser.
    try {
      callNative(() => n.checkUserMedia(json));
    } catch (e) {
      return Promise.reject(e);
    }
    // A granted prompt is remembered: PermissionStatus objects see the change.
    const prompted = ['camera', 'microphone'].filter((name) => n.permission(name) === 'prompt');
    const settled = () => {
      for (const name of prompted) permissionChanged(this, name);
    };
    return nativePromise(n.getUserMedia(json)).then(
      (r) => {
        settled();
        return MediaStream[kInternal](r);
      },
      (e) => {
        settled();
        throw e;
      },
    );
  }

  getDisplayMedia(options = undefined) {
    if (Object(this) !== this || !(#n in this)) return illegalInvocation();
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
    try {
      callNative(() => n.checkDisplayMedia(json));
    } catch (e) {
      return Promise.reject(e);
    }
    return nativePromise(n.getDisplayMedia(json)).then((r) => {
      const stream = MediaStream[kInternal](r);
      if (controller !== undefined) CaptureController[kTrackState](controller, stream.getVideoTracks()[0]);
      return stream;
    });
  }
}
defineEventHandlers(MediaDevices, ['devicechange']);

// ------------------------------------------------------------------------------------------
// The default MediaDevices, setPermission(), getPermission(), test hooks

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

/** Nonstandard: the state of a permission ("granted", "denied" or "prompt"). */
function getPermission(name, mediaDevices = getDefaultMediaDevices()) {
  const n = idlString(name);
  if (!permissionNames.includes(n)) throw new TypeError(`getPermission: unknown permission name '${n}'`);
  return MediaDevices[kTrackState](mediaDevices).permission(n);
}

/** Test hooks for the fake backend (nonstandard): plug devices in and out. */
const fake = {
  addDevice(spec, mediaDevices = getDefaultMediaDevices()) {
    return callNative(() => MediaDevices[kTrackState](mediaDevices).fakeAddDevice(JSON.stringify(spec)));
  },
  removeDevice(rawId, mediaDevices = getDefaultMediaDevices()) {
    callNative(() => MediaDevices[kTrackState](mediaDevices).fakeRemoveDevice(idlString(rawId)));
  },
  backends(mediaDevices = getDefaultMediaDevices()) {
    return MediaDevices[kTrackState](mediaDevices).backends();
  },
};

module.exports = {
  MediaDeviceInfo,
  InputDeviceInfo,
  deviceInfoFrom,
  DeviceChangeEvent,
  CaptureController,
  MediaDevices,
  getDefaultMediaDevices,
  createMediaDevices,
  setPermission,
  getPermission,
  fake,
};
