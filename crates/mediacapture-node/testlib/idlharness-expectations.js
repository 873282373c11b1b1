'use strict';
// What WPT's idlharness.js is expected to find failing, and why (test/idlharness.test.js).
//
// `runs`: each IDL file of test/idl/ and the global it is tested in (see testlib/idlharness.js).
// `strict` runs cover this package's interfaces: a failure not listed here fails the test, and
// so does a listed failure that passes now (the list must not go stale). The other runs cover
// interfaces other parts of the project have not built yet (media elements, Web Audio, WebRTC):
// their failures are expected by interface, and a newly passing test is only reported.
//
// Each expectation: `run` (a run's name), `match` (a RegExp on the test's name), `reason`.

const runs = [
  { name: 'mediacapture-streams', file: 'mediacapture-streams', mode: 'window', strict: true },
  { name: 'screen-capture', file: 'screen-capture', mode: 'window', strict: true },
  { name: 'mediacapture-fromelement', file: 'mediacapture-fromelement', mode: 'window', strict: true },
  { name: 'mediacapture-fromelement (jsdom)', file: 'mediacapture-fromelement', mode: 'jsdom', strict: true },
  { name: 'mediacapture-transform (worker)', file: 'mediacapture-transform', mode: 'worker', strict: true },
  { name: 'mediacapture-transform (window)', file: 'mediacapture-transform', mode: 'window', strict: true },
  { name: 'mediastream-recording', file: 'mediastream-recording', mode: 'window', strict: true },
  { name: 'mediacapture-extensions', file: 'mediacapture-extensions', mode: 'window', strict: true },
  { name: 'webrtc-stats', file: 'webrtc-stats', mode: 'window', strict: true },
  { name: 'audio-output', file: 'audio-output', mode: 'window', strict: false },
  { name: 'html-media-excerpt', file: 'html-media-excerpt', mode: 'window', strict: false },
  { name: 'webaudio', file: 'webaudio', mode: 'window', strict: false },
  { name: 'webrtc', file: 'webrtc', mode: 'window', strict: false },
];

const NO_DOM = 'Node has no DOM: HTMLCanvasElement / HTMLMediaElement exist only under jsdom or happy-dom (the "jsdom" run tests HTMLCanvasElement.captureStream there)';
const MEDIA_ELEMENT = 'media elements (HTMLMediaElement, captureStream, setSinkId) are being built in another branch';
const STATS = 'mediacapture-extensions: track.stats (MediaStreamTrackAudioStats / VideoStats) is not implemented';

const expectations = [
  // mediacapture-fromelement, Node's global.
  { run: 'mediacapture-fromelement', match: /^HTMLCanvasElement interface: operation captureStream/, reason: NO_DOM },
  // mediacapture-fromelement in a jsdom window.
  {
    run: 'mediacapture-fromelement (jsdom)',
    match: /^CanvasCaptureMediaStreamTrack interface: attribute canvas$/,
    reason:
      "realms: idlharness expects the TypeError of its own realm (the jsdom window's) from a getter on the prototype; this package's interfaces are objects of Node's realm, and throw Node's TypeError (in a browser, interfaces and harness share one realm)",
  },

  // mediacapture-transform: exposure.
  {
    run: 'mediacapture-transform (window)',
    match: /^(MediaStreamTrackProcessor|VideoTrackGenerator) interface: (existence and properties of interface object|\w+ must not have property)/,
    reason:
      'exposed on the main thread too: the IDL says [Exposed=DedicatedWorker], but Node has no Window/worker split for media (a program\'s main thread is where its media work runs), and Chromium exposes MediaStreamTrackProcessor on Window as well',
  },
  {
    run: 'mediacapture-transform (worker)',
    match: /^MediaStreamTrackGenerator interface: (existence and properties of interface object|generator must not have property "writable")$/,
    reason:
      'the extracted IDL writes [Exposed=Window,DedicatedWorker] without parentheses, which WebIDL parses as Exposed=Window plus an unknown [DedicatedWorker]: idlharness then wants it absent from workers, where the spec text (and Chromium) has it',
  },

  // mediacapture-extensions: members this package does not implement.
  {
    run: 'mediacapture-extensions',
    match: /^Partial interface (MediaStreamTrack|MediaStream): valid exposure set$/,
    reason: 'the extracted IDL itself: its partial interfaces say [Exposed=(Window,DedicatedWorker)] where mediacapture-streams says [Exposed=Window] (an IDL validity check, no object involved)',
  },
  { run: 'mediacapture-extensions', match: /^MediaStreamTrack(Audio|Video)Stats interface/, reason: STATS },
  { run: 'mediacapture-extensions', match: /^MediaStreamTrack interface: (attribute stats|track must inherit property "stats")/, reason: STATS },
  {
    run: 'mediacapture-extensions',
    match: /^MediaStreamTrack interface: (attribute onconfigurationchange|track must inherit property "onconfigurationchange")/,
    reason: 'mediacapture-extensions: configurationchange is not implemented',
  },
  {
    run: 'mediacapture-extensions',
    match: /^MediaDevices interface: (attribute defaultSemantics|navigator.mediaDevices must inherit property "defaultSemantics")/,
    reason: 'mediacapture-extensions: defaultSemantics (and getUserMedia semantics "user-chooses") is not implemented',
  },

  // Other parts of the project.
  { run: 'audio-output', match: /^HTMLMediaElement interface/, reason: MEDIA_ELEMENT },
  {
    run: 'audio-output',
    match: /^MediaDevices interface: operation selectAudioOutput/,
    reason: 'selectAudioOutput() needs a chooser (a prompt that lists outputs); not implemented',
  },
  { run: 'html-media-excerpt', match: /./, reason: `${MEDIA_ELEMENT}; the excerpt's IDL also fails idl_test validation on its own (it references HTML types it does not define)` },
  { run: 'webaudio', match: /./, reason: 'Web Audio (AudioContext and its nodes) is being built in another branch' },
  { run: 'webrtc', match: /./, reason: 'RTCPeerConnection is not in the Node addon yet' },
];

module.exports = { runs, expectations };
