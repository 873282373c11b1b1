'use strict';
// What the modules of this package share: the native addon and the symbols that give one
// module access to another's internals (never exported from the package).

const path = require('node:path');

function loadNative() {
  const file = path.join(__dirname, '..', 'mediacapture.node');
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

module.exports = {
  native: loadNative(),
  // Constructs objects whose public constructor is "Illegal constructor" (MediaStreamTrack,
  // MediaDevices, MediaDeviceInfo, InputDeviceInfo) from inside this package only.
  kInternal: Symbol('mediacapture.internal'),
  // Reads the native handle (or other private state) of an object of this package.
  kTrackState: Symbol('mediacapture.trackState'),
  // Lets a subclass of MediaStreamTrack construct its base on a native track
  // (`MediaStreamTrack[kPrepareTrack](native)` just before `super()`).
  kPrepareTrack: Symbol('mediacapture.prepareTrack'),
  // The method `clone()` makes the clone with: a subclass clones into its own class.
  kCloneTrack: Symbol('mediacapture.cloneTrack'),
  // A DOM window's MediaRecorder subclass names its window's Blob class with it (lib/dom.js).
  kRealmBlob: Symbol('mediacapture.realmBlob'),
  // Delivers a native event to the object it is for.
  kNativeEvent: Symbol('mediacapture.nativeEvent'),
  // MediaDevices -> its native NativeDevices (for modules that must not import devices.js).
  nativeDevices: new WeakMap(),
};
