'use strict';
// The IDL as the checklist: interfaces, attributes as prototype getters (readonly where the
// IDL says so), methods, constructors, inheritance; install() and browser-style code.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { mc, devices } = require('../testlib/helpers');

function accessor(proto, name) {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  assert.ok(d, `${name} is defined on the prototype`);
  assert.equal(typeof d.get, 'function', `${name} is an accessor`);
  return d;
}

const IDL = {
  MediaStream: {
    base: EventTarget,
    readonly: ['id', 'active'],
    rw: ['onaddtrack', 'onremovetrack'],
    methods: ['getAudioTracks', 'getVideoTracks', 'getTracks', 'getTrackById', 'addTrack', 'removeTrack', 'clone'],
  },
  MediaStreamTrack: {
    base: EventTarget,
    readonly: ['kind', 'id', 'label', 'muted', 'readyState'],
    rw: ['enabled', 'onmute', 'onunmute', 'onended', 'contentHint'],
    methods: ['clone', 'stop', 'getCapabilities', 'getConstraints', 'getSettings', 'applyConstraints'],
  },
  MediaDevices: {
    base: EventTarget,
    readonly: [],
    rw: ['ondevicechange'],
    methods: ['enumerateDevices', 'getSupportedConstraints', 'getUserMedia', 'getDisplayMedia'],
  },
  MediaDeviceInfo: { base: Object, readonly: ['deviceId', 'kind', 'label', 'groupId'], rw: [], methods: ['toJSON'] },
  InputDeviceInfo: { base: 'MediaDeviceInfo', readonly: [], rw: [], methods: ['getCapabilities'] },
  MediaStreamTrackEvent: { base: Event, readonly: ['track'], rw: [], methods: [] },
  DeviceChangeEvent: { base: Event, readonly: ['devices', 'userInsertedDevices'], rw: [], methods: [] },
  OverconstrainedError: { base: DOMException, readonly: ['constraint'], rw: [], methods: [] },
  CaptureController: { base: EventTarget, readonly: [], rw: [], methods: ['setFocusBehavior'] },
  MediaRecorder: {
    base: EventTarget,
    readonly: ['stream', 'mimeType', 'state', 'videoBitsPerSecond', 'audioBitsPerSecond', 'audioBitrateMode'],
    rw: ['onstart', 'onstop', 'ondataavailable', 'onpause', 'onresume', 'onerror'],
    methods: ['start', 'stop', 'pause', 'resume', 'requestData'],
  },
  BlobEvent: { base: Event, readonly: ['data', 'timecode'], rw: [], methods: [] },
  MediaStreamTrackProcessor: { base: Object, readonly: ['readable'], rw: [], methods: [] },
};

test('every interface, attribute and method of the IDL is there, shaped as WebIDL shapes it', () => {
  for (const [name, spec] of Object.entries(IDL)) {
    const cls = mc[name];
    assert.equal(typeof cls, 'function', name);
    const base = typeof spec.base === 'string' ? mc[spec.base] : spec.base;
    if (base !== Object) assert.ok(cls.prototype instanceof base, `${name} extends ${base.name}`);
    for (const a of spec.readonly) {
      const d = accessor(cls.prototype, a);
      assert.equal(d.set, undefined, `${name}.${a} is readonly`);
    }
    for (const a of spec.rw) {
      const d = accessor(cls.prototype, a);
      assert.equal(typeof d.set, 'function', `${name}.${a} is writable`);
    }
    for (const m of spec.methods) assert.equal(typeof cls.prototype[m], 'function', `${name}.${m}()`);
  }
  assert.equal(typeof mc.MediaRecorder.isTypeSupported, 'function');
});

test('interfaces without a public constructor throw "Illegal constructor"', () => {
  for (const name of ['MediaStreamTrack', 'MediaDevices', 'MediaDeviceInfo', 'InputDeviceInfo']) {
    assert.throws(() => new mc[name](), TypeError, name);
  }
});

test('readonly attributes ignore assignment (TypeError in strict code); getters check the receiver', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const [t] = s.getTracks();
  const id = t.id;
  assert.throws(() => {
    t.id = 'x';
  }, TypeError);
  assert.equal(t.id, id);
  assert.throws(() => Object.getOwnPropertyDescriptor(mc.MediaStreamTrack.prototype, 'kind').get.call({}), TypeError);
  assert.throws(() => mc.MediaStreamTrack.prototype.stop.call({}), TypeError);
  assert.deepEqual(Object.keys(t), [], 'no own enumerable state');
  t.stop();
});

test('OverconstrainedError: constructor, name, message, constraint, code', () => {
  const e = new mc.OverconstrainedError('width', 'too wide');
  assert.ok(e instanceof DOMException);
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'OverconstrainedError');
  assert.equal(e.message, 'too wide');
  assert.equal(e.constraint, 'width');
  assert.equal(e.code, 0);
  assert.equal(new mc.OverconstrainedError('x').message, '');
  assert.throws(() => new mc.OverconstrainedError(), TypeError);
});

test('install() defines navigator.mediaDevices ([SameObject]), navigator.getUserMedia and the interfaces as globals', () => {
  const g = {};
  mc.install(g);
  assert.equal(g.navigator.mediaDevices, g.navigator.mediaDevices);
  assert.ok(g.navigator.mediaDevices instanceof mc.MediaDevices);
  assert.equal(g.navigator.mediaDevices, mc.mediaDevices);
  assert.equal(typeof g.navigator.getUserMedia, 'function');
  for (const name of ['MediaStream', 'MediaStreamTrack', 'MediaStreamTrackEvent', 'MediaDevices', 'MediaDeviceInfo', 'InputDeviceInfo', 'DeviceChangeEvent', 'OverconstrainedError', 'MediaRecorder', 'BlobEvent', 'CaptureController']) {
    assert.equal(g[name], mc[name], name);
    const d = Object.getOwnPropertyDescriptor(g, name);
    assert.equal(d.enumerable, false, `${name} is not enumerable`);
    assert.equal(d.writable, true);
    assert.equal(d.configurable, true);
  }
});

test('legacy navigator.getUserMedia(constraints, success, error)', async () => {
  const g = {};
  mc.install(g);
  assert.throws(() => g.navigator.getUserMedia({ video: true }), TypeError);
  assert.throws(() => g.navigator.getUserMedia({ video: true }, () => {}, 5), TypeError);
  const stream = await new Promise((resolve, reject) => g.navigator.getUserMedia({ video: true }, resolve, reject));
  assert.ok(stream instanceof mc.MediaStream);
  stream.getTracks().forEach((t) => t.stop());
  const err = await new Promise((resolve, reject) => g.navigator.getUserMedia({}, reject, resolve));
  assert.ok(err instanceof TypeError);
  const over = await new Promise((resolve, reject) => g.navigator.getUserMedia({ video: { width: { exact: 99999 } } }, reject, resolve));
  assert.equal(over.name, 'OverconstrainedError');
});

test('browser code runs unchanged after install()', () => {
  // Written as a web page would be: globals only, no require() of this package in it.
  const page = `
    async function main() {
      const devicesBefore = await navigator.mediaDevices.enumerateDevices();
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 } }, audio: true });
      const [video] = stream.getVideoTracks();
      const events = [];
      video.addEventListener('ended', (e) => events.push(e.type + ':' + e.isTrusted));
      const copy = new MediaStream([video.clone()]);
      await video.applyConstraints({ frameRate: { max: 15 } });
      let error;
      try {
        await navigator.mediaDevices.getUserMedia({ video: { width: { exact: 99999 } } });
      } catch (e) {
        error = { isOverconstrained: e instanceof OverconstrainedError, isDOMException: e instanceof DOMException, name: e.name, constraint: e.constraint };
      }
      const recorder = new MediaRecorder(stream);
      const chunks = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (recorder.onstop = r));
      recorder.start();
      // The MDN pattern as pages write it: record for a while (how long does not matter).
      await new Promise((r) => setTimeout(r, 300));
      recorder.stop();
      await stopped;
      const devicesAfter = await navigator.mediaDevices.enumerateDevices();
      const width = copy.getVideoTracks()[0].getSettings().width;
      const frameRate = video.getSettings().frameRate;
      stream.getTracks().forEach((t) => t.stop());
      copy.getTracks().forEach((t) => t.stop());
      return {
        labelsBefore: devicesBefore.map((d) => d.label),
        labelsAfter: devicesAfter.map((d) => d.label),
        settings: video.getSettings().deviceId !== undefined,
        readyState: stream.getVideoTracks()[0].readyState,
        width,
        frameRate,
        error,
        blob: chunks.length > 0 && chunks.every((c) => c instanceof Blob) && new Blob(chunks).size > 0,
        active: stream.active,
        events,
      };
    }
  `;
  const script = `
    require(${JSON.stringify(path.resolve(__dirname, '..'))}).install();
    ${page}
    main().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
  `;
  const out = execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 20000,
    env: { ...process.env, MEDIACAPTURE_FAKE: '1' },
  });
  assert.deepEqual(JSON.parse(out), {
    labelsBefore: ['', ''],
    labelsAfter: ['Fake Microphone', 'Fake Camera', 'Fake Speaker'],
    settings: true,
    readyState: 'ended',
    width: 1280,
    frameRate: 15,
    error: { isOverconstrained: true, isDOMException: true, name: 'OverconstrainedError', constraint: 'width' },
    blob: true,
    active: false,
    events: [],
  });
});

test('navigator.permissions.query() reflects setPermission() and fires change', async () => {
  const g = {};
  mc.install(g);
  const status = await g.navigator.permissions.query({ name: 'microphone' });
  assert.ok(status instanceof mc.PermissionStatus);
  assert.ok(status instanceof EventTarget);
  assert.equal(status.name, 'microphone');
  assert.equal(status.state, 'granted', 'Node grants by default');
  const changed = new Promise((r) => (status.onchange = r));
  mc.setPermission('microphone', 'denied');
  const e = await changed;
  assert.ok(e.isTrusted);
  assert.equal(status.state, 'denied');
  mc.setPermission('microphone', 'granted');
  await assert.rejects(g.navigator.permissions.query({ name: 'geolocation-ish' }), TypeError);
  await assert.rejects(g.navigator.permissions.query(), TypeError);
});
