'use strict';
// What the modules of this package share: the native addon and the symbols that give one
// module access to another's internals (never exported from the package).

const fs = require('node:fs');
const path = require('node:path');
const { platformTriple } = require('./platform');

/**
 * The addon: `mediacapture.node` next to package.json when built from source (`npm run
 * build`), else the prebuilt binary for this platform in `prebuilds/<platform>/` (the
 * package ships linux-x64-gnu). Anything else is an Error that names the platform.
 */
function loadNative() {
  const root = path.join(__dirname, '..');
  const local = path.join(root, 'mediacapture.node');
  const triple = platformTriple();
  const prebuilt = path.join(root, 'prebuilds', triple, 'mediacapture.node');
  const file = fs.existsSync(local) ? local : prebuilt;
  if (!fs.existsSync(file)) {
    const shipped = fs.existsSync(path.join(root, 'prebuilds'))
      ? fs.readdirSync(path.join(root, 'prebuilds')).join(', ')
      : 'none';
    throw new Error(
      `mediacapture: no native addon for this platform (${triple}); this package has prebuilt ` +
        `binaries for: ${shipped}. Build it from source (Rust and the repository): ` +
        'cd crates/mediacapture-node && npm install && npm run build',
    );
  }
  try {
    return require(file);
  } catch (e) {
    const err = new Error(`mediacapture: cannot load the native addon ${file} on ${triple} (${e.message})`);
    err.cause = e;
    throw err;
  }
}

module.exports = {
  native: loadNative(),
  platformTriple,
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
  // Marks the functions install(window) put on a DOM's prototypes (installed once per window).
  kInstalled: Symbol('mediacapture.installed'),
  // MediaDevices -> its native NativeDevices (for modules that must not import devices.js).
  nativeDevices: new WeakMap(),
};
