'use strict';
// Runs WPT's idlharness.js (the copy the npm package `wpt-runner` ships, with testharness.js
// and webidl2.js) against one IDL file of test/idl/ on the globals `install()` defines, the way
// the browser test suites do (`idl_test(srcs, deps, setup)`), and prints the results as JSON
// on stdout: `[{name, status: "PASS" | "FAIL" | "TIMEOUT" | "NOTRUN" | "PRECONDITION_FAILED",
// message}]`.
//
//   node testlib/idlharness.js <idl name> [window | worker | jsdom]
//
// The global object plays a browser's: "window" (the default) is Node's main global, which
// idlharness recognises as a Window by a `Window` interface the runner defines (Node has none);
// "worker" runs in a worker_threads Worker recognised as a DedicatedWorkerGlobalScope the same
// way (for mediacapture-transform, whose interfaces are [Exposed=DedicatedWorker]); "jsdom"
// runs the harness inside a jsdom window that `install(window)` was given (for
// mediacapture-fromelement's HTMLCanvasElement.captureStream). Nothing else of the environment
// is faked: every interface tested is this package's, Node's or jsdom's own.
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

/** Loads the harness into `g` (Node's global, or a jsdom window) with `run(code, filename)`. */
function loadHarness(g, run) {
  const dir = path.join(path.dirname(require.resolve('wpt-runner/package.json')), 'testharness');
  if (g === globalThis) globalThis.self = globalThis;
  for (const f of ['webidl2.js', 'testharness.js', 'idlharness.js']) run(fs.readFileSync(path.join(dir, f), 'utf8'), f);
  // What `idl_test` fetches from /interfaces/ in a browser, read from disk, templates removed.
  g.fetch_spec = async (spec) => {
    const ast = g.WebIDL2.parse(idlText(spec)).filter((d) => !TEMPLATES.has(d.name));
    return { spec, idl: g.WebIDL2.write(ast) };
  };
}

/** The objects each file's interfaces are tested on, as WPT's tests make them. */
async function objects(name, g = globalThis) {
  const md = g.navigator.mediaDevices;
  const o = {};
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
        g.trackEvent = new g.MediaStreamTrackEvent('type', { track: g.track });
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
        const canvas = g.document ? g.document.querySelector('canvas') : g.__mediacapture.createCanvas(8, 8);
        g.canvasTrack = canvas.captureStream().getVideoTracks()[0];
      });
      Object.assign(o, { CanvasCaptureMediaStreamTrack: ['canvasTrack'] });
      if (g.document) o.HTMLCanvasElement = ['document.querySelector("canvas")'];
      break;
    case 'mediacapture-transform':
      await attempt(async () => {
        g.stream = await md.getUserMedia({ video: true });
        g.processor = new g.MediaStreamTrackProcessor({ track: g.stream.getVideoTracks()[0] });
      });
      await attempt(async () => {
        g.generator = new g.MediaStreamTrackGenerator({ kind: 'video' });
      });
      await attempt(async () => {
        g.videoGenerator = new g.VideoTrackGenerator();
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
        g.recorder = new g.MediaRecorder(g.stream);
      });
      g.blobEvent = new g.BlobEvent('dataavailable', { data: new g.Blob() });
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

function run(g, name) {
  const results = [];
  const finish = () => {
    const text = JSON.stringify(results);
    if (parentPort) parentPort.postMessage(text);
    else process.stdout.write(text);
    // Tracks the tests made are live: the process ends here, not when they stop.
    g.stream?.getTracks().forEach((t) => t.stop());
    if (!parentPort) process.exit(0);
  };
  const statusName = ['PASS', 'FAIL', 'TIMEOUT', 'NOTRUN', 'PRECONDITION_FAILED'];
  g.add_result_callback((t) => results.push({ name: t.name, status: statusName[t.status] ?? String(t.status), message: t.message ?? null }));
  g.add_completion_callback((tests, status) => {
    if (status.status !== 0) results.push({ name: '(harness)', status: 'FAIL', message: status.message });
    finish();
  });
  g.idl_test([name], DEPS[name] ?? ['dom', 'html'], async (idlArray) => {
    idlArray.add_objects(await objects(name, g));
  });
  g.done();
}

function main(name, mode) {
  const mc = require('..');
  if (mode === 'jsdom') {
    const { JSDOM } = require('jsdom');
    const dom = new JSDOM('<!doctype html><title>idlharness</title><canvas width="8" height="8"></canvas>', { runScripts: 'outside-only' });
    const w = dom.window;
    mc.install(w);
    loadHarness(w, (code) => w.eval(code));
    run(w, name);
    return;
  }
  mc.install(globalThis);
  globalThis.__mediacapture = mc;
  loadHarness(globalThis, (code, filename) => vm.runInThisContext(code, { filename }));
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
  run(globalThis, name);
}

if (isMainThread) {
  // Fake devices (set on the main thread: a worker's process.env is a copy the addon never sees).
  process.env.MEDIACAPTURE_FAKE = process.env.MEDIACAPTURE_FAKE || '1';
  const [name, mode = 'window'] = process.argv.slice(2);
  if (!name) {
    console.error('usage: node testlib/idlharness.js <idl name> [window | worker | jsdom]');
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
