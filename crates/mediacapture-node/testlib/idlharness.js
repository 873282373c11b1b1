'use strict';
// Runs WPT's idlharness.js (the copy the npm package `wpt-runner` ships, with testharness.js
// and webidl2.js) against one IDL file of test/idl/ on the globals `install()` defines, the way
// the browser test suites do (`idl_test(srcs, deps, setup)`), and prints the results as JSON
// on stdout: `[{name, status: "PASS" | "FAIL" | "TIMEOUT" | "NOTRUN" | "PRECONDITION_FAILED",
// message}]`.
//
//   node testlib/idlharness.js <idl name> [window | worker]
//
// The global object plays a browser's: "window" (the default) is Node's main global, which
// idlharness recognises as a Window by a `Window` interface the runner defines (Node has none);
// "worker" runs in a worker_threads Worker recognised as a DedicatedWorkerGlobalScope the same
// way (for mediacapture-transform, whose interfaces are [Exposed=DedicatedWorker]). Nothing
// else of the environment is faked: every interface tested is this package's or Node's own.
//
// IDL files: the tested one from test/idl/ (the specs' IDL); dependencies from test/idl/ when
// they are ours, else from the npm package @webref/idl (the IDL WPT's `interfaces/` holds).
// The spec-source extracts carry the constrainable pattern's templates (ConstrainablePattern,
// Capabilities, Settings, ConstraintSet, Constraints): the spec marks them as templates, WPT's
// copies do not have them, and neither do we.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');

const OURS = path.join(__dirname, '..', 'test', 'idl');
const TEMPLATES = new Set(['ConstrainablePattern', 'Capabilities', 'Settings', 'ConstraintSet', 'Constraints']);

/** Dependencies of each tested file, in the order WPT's idlharness tests give them. */
const DEPS = {
  'mediacapture-streams': ['webidl', 'dom', 'html', 'permissions'],
  'screen-capture': ['mediacapture-streams', 'html', 'dom'],
  'mediacapture-fromelement': ['mediacapture-streams', 'html', 'dom'],
  'mediacapture-transform': ['mediacapture-streams', 'dom', 'html', 'streams', 'webcodecs'],
  'mediastream-recording': ['mediacapture-streams', 'FileAPI', 'html', 'dom', 'webidl'],
  'mediacapture-extensions': ['mediacapture-streams', 'webcodecs', 'geometry', 'hr-time', 'html', 'dom'],
  'html-media-excerpt': ['mediacapture-streams', 'html', 'dom'],
  'audio-output': ['mediacapture-streams', 'html', 'dom'],
  webaudio: ['mediacapture-streams', 'html', 'dom'],
  webrtc: ['webidl', 'mediacapture-streams', 'hr-time', 'dom', 'html', 'websockets'],
  'webrtc-stats': ['webrtc', 'hr-time', 'dom', 'html'],
};

function idlText(name) {
  const ours = path.join(OURS, `${name}.idl`);
  const file = fs.existsSync(ours) ? ours : require.resolve(`@webref/idl/${name}.idl`);
  return fs.readFileSync(file, 'utf8');
}

function loadHarness() {
  const dir = path.join(path.dirname(require.resolve('wpt-runner/package.json')), 'testharness');
  globalThis.self = globalThis;
  for (const f of ['webidl2.js', 'testharness.js', 'idlharness.js']) {
    vm.runInThisContext(fs.readFileSync(path.join(dir, f), 'utf8'), { filename: f });
  }
  // What `idl_test` fetches from /interfaces/ in a browser, read from disk, templates removed.
  globalThis.fetch_spec = async (spec) => {
    const ast = globalThis.WebIDL2.parse(idlText(spec)).filter((d) => !TEMPLATES.has(d.name));
    return { spec, idl: globalThis.WebIDL2.write(ast) };
  };
}

/** The objects each file's interfaces are tested on, as WPT's tests make them. */
async function objects(name) {
  const md = navigator.mediaDevices;
  const o = {};
  const g = globalThis;
  const attempt = async (f) => {
    try {
      await f();
    } catch {
      // As in WPT: an object that cannot be made is simply not tested.
    }
  };
  switch (name) {
    case 'mediacapture-streams': {
      g.inputDevices = [];
      g.outputDevices = [];
      await attempt(async () => {
        for (const d of await md.enumerateDevices()) (d.kind === 'audiooutput' ? g.outputDevices : g.inputDevices).push(d);
      });
      await attempt(async () => {
        g.stream = await md.getUserMedia({ audio: true, video: true });
        g.track = g.stream.getVideoTracks()[0];
        g.trackEvent = new MediaStreamTrackEvent('type', { track: g.track });
      });
      Object.assign(o, {
        InputDeviceInfo: g.inputDevices.map((_, i) => `inputDevices[${i}]`),
        MediaDeviceInfo: g.outputDevices.map((_, i) => `outputDevices[${i}]`),
        MediaStream: ['stream', 'new MediaStream()'],
        Navigator: ['navigator'],
        MediaDevices: ['navigator.mediaDevices'],
        MediaStreamTrack: ['track'],
        MediaStreamTrackEvent: ['trackEvent'],
        OverconstrainedError: ['new OverconstrainedError("constraint")'],
        DeviceChangeEvent: ['new DeviceChangeEvent("devicechange")'],
      });
      break;
    }
    case 'screen-capture':
      Object.assign(o, { CaptureController: ['new CaptureController()'], MediaDevices: ['navigator.mediaDevices'] });
      break;
    case 'mediacapture-fromelement':
      await attempt(async () => {
        g.canvasTrack = g.__mediacapture.createCanvas(8, 8).captureStream().getVideoTracks()[0];
      });
      Object.assign(o, { CanvasCaptureMediaStreamTrack: ['canvasTrack'] });
      break;
    case 'mediacapture-transform':
      await attempt(async () => {
        g.stream = await md.getUserMedia({ video: true });
        g.processor = new MediaStreamTrackProcessor({ track: g.stream.getVideoTracks()[0] });
      });
      await attempt(async () => {
        g.generator = new MediaStreamTrackGenerator({ kind: 'video' });
      });
      await attempt(async () => {
        g.videoGenerator = new VideoTrackGenerator();
      });
      Object.assign(o, {
        MediaStreamTrackProcessor: ['processor'],
        MediaStreamTrackGenerator: ['generator'],
        VideoTrackGenerator: ['videoGenerator'],
      });
      break;
    case 'mediastream-recording':
      await attempt(async () => {
        g.stream = await md.getUserMedia({ video: true });
        g.recorder = new MediaRecorder(g.stream);
      });
      g.blobEvent = new BlobEvent('dataavailable', { data: new Blob() });
      Object.assign(o, { MediaRecorder: ['recorder'], BlobEvent: ['blobEvent'] });
      break;
    case 'mediacapture-extensions':
      await attempt(async () => {
        g.stream = await md.getUserMedia({ audio: true, video: true });
        g.track = g.stream.getVideoTracks()[0];
      });
      Object.assign(o, { MediaStreamTrack: ['track'], MediaDevices: ['navigator.mediaDevices'] });
      break;
    default:
      break;
  }
  return o;
}

function run(name, mode) {
  const results = [];
  const finish = () => {
    const text = JSON.stringify(results);
    if (parentPort) parentPort.postMessage(text);
    else process.stdout.write(text);
    // Tracks the tests made are live: the process ends here, not when they stop.
    for (const s of [globalThis.stream]) s?.getTracks().forEach((t) => t.stop());
    if (!parentPort) process.exit(0);
  };
  const statusName = ['PASS', 'FAIL', 'TIMEOUT', 'NOTRUN', 'PRECONDITION_FAILED'];
  globalThis.add_result_callback((t) => results.push({ name: t.name, status: statusName[t.status] ?? String(t.status), message: t.message ?? null }));
  globalThis.add_completion_callback((tests, status) => {
    if (status.status !== 0) results.push({ name: '(harness)', status: 'FAIL', message: status.message });
    finish();
  });
  globalThis.idl_test([name], DEPS[name] ?? ['dom', 'html'], async (idlArray) => {
    idlArray.add_objects(await objects(name));
  });
  globalThis.done();
  void mode;
}

function main(name, mode) {
  const mc = require('..');
  mc.install(globalThis);
  globalThis.__mediacapture = mc;
  loadHarness();
  // How idlharness tells which global it runs in (`'Window' in self`, `self instanceof
  // DedicatedWorkerGlobalScope`): the one thing about the environment this runner declares,
  // after testharness.js has picked its (shell) test environment.
  if (mode === 'worker') {
    globalThis.DedicatedWorkerGlobalScope = class DedicatedWorkerGlobalScope {
      static [Symbol.hasInstance](v) {
        return v === globalThis;
      }
    };
  } else {
    globalThis.Window = class Window {
      static [Symbol.hasInstance](v) {
        return v === globalThis;
      }
    };
  }
  run(name, mode);
}

if (isMainThread) {
  // Fake devices (set on the main thread: a worker's process.env is a copy the addon never sees).
  process.env.MEDIACAPTURE_FAKE = process.env.MEDIACAPTURE_FAKE || '1';
  const [name, mode = 'window'] = process.argv.slice(2);
  if (!name) {
    console.error('usage: node testlib/idlharness.js <idl name> [window | worker]');
    process.exit(2);
  }
  if (mode === 'worker') {
    const w = new Worker(__filename, { workerData: { name, mode } });
    w.on('message', (text) => {
      process.stdout.write(text);
      process.exit(0);
    });
    w.on('error', (e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    main(name, mode);
  }
} else {
  main(workerData.name, workerData.mode);
}
