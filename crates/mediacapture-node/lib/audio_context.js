'use strict';
// Web Audio: AudioContext, AudioNode and the nodes below, AudioParam. The graph is the
// web-audio-api crate's, in this addon (src/audio_context.rs says why not node-web-audio-api);
// tracks go in with createMediaStreamSource / createMediaStreamTrackSource, come out as an
// ordinary MediaStream with createMediaStreamDestination, and `destination` plays on the
// context's audiooutput device (sinkId; the default one otherwise).
//
// Nodes: OscillatorNode, ConstantSourceNode, GainNode, AnalyserNode, BiquadFilterNode,
// DelayNode, StereoPannerNode, ChannelSplitterNode, ChannelMergerNode,
// MediaStreamAudioSourceNode, MediaStreamTrackAudioSourceNode,
// MediaStreamAudioDestinationNode, AudioDestinationNode.

const { native, kInternal, kTrackState, kNativeEvent, nativeDevices } = require('./internal');
const { trusted, defineEventHandlers, brand, targets, watch, Listeners, countListeners, nextTarget } = require('./events');
const { callNative } = require('./errors');
const { idlString, idlUnsignedLong, idlDouble } = require('./webidl');
const { MediaStream } = require('./stream');
const { MediaStreamTrack, isTrack } = require('./track');
const { getDefaultMediaDevices } = require('./devices');

const DESTINATION = 0xffffffff;
const kNode = Symbol('mediacapture.audioNode');
const kCtx = Symbol('mediacapture.audioContext');

// A running context is not collected while its graph plays (as in a browser): kept here
// until close().
const liveContexts = new Set();
// The started scheduled source nodes of each context (their keep-alive ends when it closes:
// a closed context's nodes never fire `ended`).
const startedNodes = new WeakMap();
const kContextClosed = Symbol('mediacapture.contextClosed');
// A node's native half is released when its JavaScript object is collected (the graph keeps
// a connected node playing, as the Web Audio API says).
const released = new FinalizationRegistry(({ ctx, id }) => {
  if (ctx.state !== 'closed') ctx.release(id);
});

const idlFloat = (v, what) => {
  const n = idlDouble(v, what);
  if (!Number.isFinite(Math.fround(n))) throw new TypeError(`${what} is outside the range of a float.`);
  return n;
};

const invalidAccess = (m) => new DOMException(m, 'InvalidAccessError');

// ------------------------------------------------------------------------------------------
// AudioParam.

let constructingParam = null;

class AudioParam {
  #ctx;
  #id;
  #name;
  constructor() {
    const p = constructingParam;
    constructingParam = null;
    if (p === null) throw new TypeError('Illegal constructor');
    [this.#ctx, this.#id, this.#name] = p;
  }
  static [kInternal](ctx, id, name) {
    constructingParam = [ctx, id, name];
    return new AudioParam();
  }
  static [kNode](p) {
    return { id: p.#id, name: p.#name, ctx: p.#ctx };
  }
  #info() {
    return JSON.parse(callNative(() => this.#ctx.paramInfo(this.#id, this.#name)));
  }
  #call(method, args) {
    callNative(() => this.#ctx.paramCall(this.#id, this.#name, method, args));
    return this;
  }
  get value() {
    return this.#info().value;
  }
  set value(v) {
    this.#call('setValue', [idlFloat(v, 'value')]);
  }
  get defaultValue() {
    return this.#info().defaultValue;
  }
  get minValue() {
    return this.#info().minValue;
  }
  get maxValue() {
    return this.#info().maxValue;
  }
  get automationRate() {
    return 'a-rate';
  }
  // The Web Audio API's RangeErrors, checked here (the crate would panic on them).
  static #time(t, what) {
    const v = idlDouble(t, what);
    if (v < 0) throw new RangeError(`The ${what} provided (${v}) is less than the minimum bound (0).`);
    return v;
  }
  setValueAtTime(value, startTime) {
    return this.#call('setValueAtTime', [idlFloat(value, 'value'), AudioParam.#time(startTime, 'startTime')]);
  }
  linearRampToValueAtTime(value, endTime) {
    return this.#call('linearRampToValueAtTime', [idlFloat(value, 'value'), AudioParam.#time(endTime, 'endTime')]);
  }
  exponentialRampToValueAtTime(value, endTime) {
    const v = idlFloat(value, 'value');
    if (v === 0) throw new RangeError(`The float target value provided (${v}) should not be in the range (-1.40130e-45, 1.40130e-45).`);
    return this.#call('exponentialRampToValueAtTime', [v, AudioParam.#time(endTime, 'endTime')]);
  }
  setTargetAtTime(target, startTime, timeConstant) {
    return this.#call('setTargetAtTime', [idlFloat(target, 'target'), AudioParam.#time(startTime, 'startTime'), AudioParam.#time(timeConstant, 'timeConstant')]);
  }
  setValueCurveAtTime(values, startTime, duration) {
    const curve = Array.from(values, (v) => idlFloat(v, 'values'));
    if (curve.length < 2) throw new DOMException(`The curve length provided (${curve.length}) is less than the minimum bound (2).`, 'InvalidStateError');
    return this.#call('setValueCurveAtTime', [...curve, AudioParam.#time(startTime, 'startTime'), AudioParam.#time(duration, 'duration')]);
  }
  cancelScheduledValues(cancelTime) {
    return this.#call('cancelScheduledValues', [AudioParam.#time(cancelTime, 'cancelTime')]);
  }
  cancelAndHoldAtTime(cancelTime) {
    return this.#call('cancelAndHoldAtTime', [AudioParam.#time(cancelTime, 'cancelTime')]);
  }
}

// ------------------------------------------------------------------------------------------
// AudioNode.

let constructingNode = null;

class AudioNode extends EventTarget {
  #context;
  #id;
  constructor() {
    const c = constructingNode;
    constructingNode = null;
    if (c === null) throw new TypeError('Illegal constructor');
    super();
    [this.#context, this.#id] = c;
    if (c[1] !== DESTINATION && !(this instanceof MediaStreamAudioDestinationNode)) {
      released.register(this, { ctx: AudioContext[kCtx](c[0]), id: c[1] });
    }
  }
  /** Before `super()` of a node class: the node this object stands for. */
  static [kInternal](context, id) {
    constructingNode = [context, id];
  }
  static [kNode](n) {
    return n.#id;
  }
  get #n() {
    return AudioContext[kCtx](this.#context);
  }
  get context() {
    return this.#context;
  }
  #info() {
    return JSON.parse(callNative(() => this.#n.nodeInfo(this.#id)));
  }
  get numberOfInputs() {
    return this.#info().numberOfInputs;
  }
  get numberOfOutputs() {
    return this.#info().numberOfOutputs;
  }
  get channelCount() {
    return this.#info().channelCount;
  }
  set channelCount(v) {
    const n = idlUnsignedLong(v);
    callNative(() => this.#n.setChannelCount(this.#id, n));
  }
  get channelCountMode() {
    return this.#info().channelCountMode;
  }
  set channelCountMode(v) {
    const s = idlString(v);
    if (['max', 'clamped-max', 'explicit'].includes(s)) callNative(() => this.#n.setChannelOption(this.#id, 'channelCountMode', s));
  }
  get channelInterpretation() {
    return this.#info().channelInterpretation;
  }
  set channelInterpretation(v) {
    const s = idlString(v);
    if (['speakers', 'discrete'].includes(s)) callNative(() => this.#n.setChannelOption(this.#id, 'channelInterpretation', s));
  }
  /** `connect(destinationNode, output, input)` returns the destination; `connect(param, output)` nothing. */
  connect(destination, output = 0, input = 0) {
    brand(AudioNode, this);
    const o = idlUnsignedLong(output);
    if (destination instanceof AudioParam) {
      const p = AudioParam[kNode](destination);
      if (p.ctx !== this.#n) throw invalidAccess('Cannot connect to an AudioParam belonging to a different audio context.');
      callNative(() => this.#n.connectParam(this.#id, p.id, p.name, o));
      return undefined;
    }
    if (!(destination instanceof AudioNode)) {
      throw new TypeError("Failed to execute 'connect' on 'AudioNode': parameter 1 is not of type 'AudioNode' or 'AudioParam'.");
    }
    if (destination.context !== this.#context) throw invalidAccess('Cannot connect to an AudioNode belonging to a different audio context.');
    const i = idlUnsignedLong(input);
    callNative(() => this.#n.connect(this.#id, AudioNode[kNode](destination), o, i));
    return destination;
  }
  disconnect(destinationOrOutput = undefined, output = undefined, input = undefined) {
    brand(AudioNode, this);
    const d = destinationOrOutput;
    const o = output === undefined ? undefined : idlUnsignedLong(output);
    const i = input === undefined ? undefined : idlUnsignedLong(input);
    if (d === undefined) return callNative(() => this.#n.disconnect(this.#id, undefined, undefined, undefined, undefined));
    if (d instanceof AudioParam) {
      const p = AudioParam[kNode](d);
      return callNative(() => this.#n.disconnect(this.#id, p.id, p.name, o, undefined));
    }
    if (d instanceof AudioNode) return callNative(() => this.#n.disconnect(this.#id, AudioNode[kNode](d), undefined, o, i));
    const out = idlUnsignedLong(d);
    return callNative(() => this.#n.disconnect(this.#id, undefined, undefined, out, undefined));
  }
  /** The AudioParam `name` of this node (for the node classes). */
  static param(node, name) {
    return AudioParam[kInternal](node.#n, node.#id, name);
  }
  static native(node) {
    return { ctx: node.#n, id: node.#id };
  }
}

/** Makes a node of `cls` on `context` from `create(nativeContext)` (its index). */
function makeNode(cls, context, create) {
  if (!(context instanceof AudioContext)) {
    throw new TypeError(`Failed to construct '${cls.name}': parameter 1 is not of type 'BaseAudioContext'.`);
  }
  const n = AudioContext[kCtx](context);
  if (n.state === 'closed') throw new DOMException('The AudioContext is closed.', 'InvalidStateError');
  return callNative(() => create(n));
}

/** Applies AudioNodeOptions and AudioParam initial values from `options`. */
function applyOptions(node, options, params = []) {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new TypeError('The provided value is not of type dictionary.');
  if (options.channelCount !== undefined) node.channelCount = options.channelCount;
  if (options.channelCountMode !== undefined) node.channelCountMode = options.channelCountMode;
  if (options.channelInterpretation !== undefined) node.channelInterpretation = options.channelInterpretation;
  for (const p of params) if (options[p] !== undefined) node[p].value = options[p];
}

class AudioScheduledSourceNode extends AudioNode {
  #target;
  #started = false;
  #ended = false;
  // A started node keeps the process alive until its `ended`, while someone listens for it
  // (as a live track with an `ended` listener does).
  #listeners = new Listeners(this, () => this.#updateWatch());
  static {
    countListeners(this, (node) => node.#listeners);
  }
  constructor() {
    super();
    if (new.target === AudioScheduledSourceNode) throw new TypeError('Illegal constructor');
  }
  static [kNativeEvent](node, target) {
    node.#target = target;
    targets.set(target, node);
  }
  #updateWatch() {
    const live = this.#started && !this.#ended && this.context.state !== 'closed';
    watch(this, live && this.#listeners.count(['ended']) > 0);
  }
  static [kContextClosed](ctx) {
    for (const node of startedNodes.get(ctx) ?? []) node.#updateWatch();
    startedNodes.delete(ctx);
  }
  [kNativeEvent](type) {
    if (type === 'ended') {
      targets.delete(this.#target);
      this.#ended = true;
      startedNodes.get(this.context)?.delete(this);
      this.#updateWatch();
      this.dispatchEvent(new Event('ended', trusted()));
    }
  }
  start(when = 0) {
    brand(AudioScheduledSourceNode, this);
    if (this.#started) throw new DOMException("Failed to execute 'start' on 'AudioScheduledSourceNode': cannot call start more than once.", 'InvalidStateError');
    const { ctx, id } = AudioNode.native(this);
    callNative(() => ctx.schedule(id, true, idlDouble(when, 'when')));
    this.#started = true;
    if (!startedNodes.has(this.context)) startedNodes.set(this.context, new Set());
    startedNodes.get(this.context).add(this);
    this.#updateWatch();
  }
  stop(when = 0) {
    brand(AudioScheduledSourceNode, this);
    if (!this.#started) throw new DOMException("Failed to execute 'stop' on 'AudioScheduledSourceNode': cannot call stop without calling start first.", 'InvalidStateError');
    const { ctx, id } = AudioNode.native(this);
    callNative(() => ctx.schedule(id, false, idlDouble(when, 'when')));
  }
}
defineEventHandlers(AudioScheduledSourceNode, ['ended']);

function scheduled(cls, context, method) {
  const target = nextTarget();
  AudioNode[kInternal](context, makeNode(cls, context, (n) => n[method](target)));
  return target;
}

class OscillatorNode extends AudioScheduledSourceNode {
  #frequency;
  #detune;
  constructor(context, options = undefined) {
    const target = scheduled(OscillatorNode, context, 'createOscillator');
    super();
    AudioScheduledSourceNode[kNativeEvent](this, target);
    this.#frequency = AudioNode.param(this, 'frequency');
    this.#detune = AudioNode.param(this, 'detune');
    if (options?.type !== undefined) this.type = options.type;
    applyOptions(this, options, ['frequency', 'detune']);
  }
  get frequency() {
    return this.#frequency;
  }
  get detune() {
    return this.#detune;
  }
  get type() {
    const { ctx, id } = AudioNode.native(this);
    return ctx.nodeType(id);
  }
  set type(v) {
    const { ctx, id } = AudioNode.native(this);
    callNative(() => ctx.setNodeType(id, idlString(v)));
  }
}

class ConstantSourceNode extends AudioScheduledSourceNode {
  #offset;
  constructor(context, options = undefined) {
    const target = scheduled(ConstantSourceNode, context, 'createConstantSource');
    super();
    AudioScheduledSourceNode[kNativeEvent](this, target);
    this.#offset = AudioNode.param(this, 'offset');
    applyOptions(this, options, ['offset']);
  }
  get offset() {
    return this.#offset;
  }
}

class GainNode extends AudioNode {
  #gain;
  constructor(context, options = undefined) {
    AudioNode[kInternal](context, makeNode(GainNode, context, (n) => n.createGain()));
    super();
    this.#gain = AudioNode.param(this, 'gain');
    applyOptions(this, options, ['gain']);
  }
  get gain() {
    return this.#gain;
  }
}

class AnalyserNode extends AudioNode {
  constructor(context, options = undefined) {
    AudioNode[kInternal](context, makeNode(AnalyserNode, context, (n) => n.createAnalyser()));
    super();
    applyOptions(this, options);
    for (const k of ['fftSize', 'maxDecibels', 'minDecibels', 'smoothingTimeConstant']) {
      if (options?.[k] !== undefined) this[k] = options[k];
    }
  }
  #info() {
    const { ctx, id } = AudioNode.native(this);
    return JSON.parse(callNative(() => ctx.analyserInfo(id)));
  }
  #set(name, v) {
    const { ctx, id } = AudioNode.native(this);
    callNative(() => ctx.setAnalyser(id, name, v));
  }
  get fftSize() {
    return this.#info().fftSize;
  }
  set fftSize(v) {
    this.#set('fftSize', idlUnsignedLong(v));
  }
  get frequencyBinCount() {
    return this.#info().frequencyBinCount;
  }
  get minDecibels() {
    return this.#info().minDecibels;
  }
  set minDecibels(v) {
    this.#set('minDecibels', idlDouble(v, 'minDecibels'));
  }
  get maxDecibels() {
    return this.#info().maxDecibels;
  }
  set maxDecibels(v) {
    this.#set('maxDecibels', idlDouble(v, 'maxDecibels'));
  }
  get smoothingTimeConstant() {
    return this.#info().smoothingTimeConstant;
  }
  set smoothingTimeConstant(v) {
    this.#set('smoothingTimeConstant', idlDouble(v, 'smoothingTimeConstant'));
  }
  #fill(array, Type, time, method) {
    if (!(array instanceof Type)) throw new TypeError(`Failed to execute '${method}' on 'AnalyserNode': parameter 1 is not of type '${Type.name}'.`);
    const { ctx, id } = AudioNode.native(this);
    const data = callNative(() => (Type === Float32Array ? ctx.analyserFloat(id, time, array.length) : ctx.analyserByte(id, time, array.length)));
    array.set(data.subarray(0, array.length));
  }
  getFloatFrequencyData(array) {
    this.#fill(array, Float32Array, false, 'getFloatFrequencyData');
  }
  getByteFrequencyData(array) {
    this.#fill(array, Uint8Array, false, 'getByteFrequencyData');
  }
  getFloatTimeDomainData(array) {
    this.#fill(array, Float32Array, true, 'getFloatTimeDomainData');
  }
  getByteTimeDomainData(array) {
    this.#fill(array, Uint8Array, true, 'getByteTimeDomainData');
  }
}

class BiquadFilterNode extends AudioNode {
  #params;
  constructor(context, options = undefined) {
    AudioNode[kInternal](context, makeNode(BiquadFilterNode, context, (n) => n.createBiquadFilter()));
    super();
    this.#params = Object.fromEntries(['frequency', 'detune', 'Q', 'gain'].map((p) => [p, AudioNode.param(this, p)]));
    if (options?.type !== undefined) this.type = options.type;
    applyOptions(this, options, ['frequency', 'detune', 'Q', 'gain']);
  }
  get frequency() {
    return this.#params.frequency;
  }
  get detune() {
    return this.#params.detune;
  }
  get Q() {
    return this.#params.Q;
  }
  get gain() {
    return this.#params.gain;
  }
  get type() {
    const { ctx, id } = AudioNode.native(this);
    return ctx.nodeType(id);
  }
  set type(v) {
    const { ctx, id } = AudioNode.native(this);
    callNative(() => ctx.setNodeType(id, idlString(v)));
  }
}

class DelayNode extends AudioNode {
  #delayTime;
  constructor(context, options = undefined) {
    const max = idlDouble(options?.maxDelayTime ?? 1, 'maxDelayTime');
    AudioNode[kInternal](context, makeNode(DelayNode, context, (n) => n.createDelay(max)));
    super();
    this.#delayTime = AudioNode.param(this, 'delayTime');
    applyOptions(this, options, ['delayTime']);
  }
  get delayTime() {
    return this.#delayTime;
  }
}

class StereoPannerNode extends AudioNode {
  #pan;
  constructor(context, options = undefined) {
    AudioNode[kInternal](context, makeNode(StereoPannerNode, context, (n) => n.createStereoPanner()));
    super();
    this.#pan = AudioNode.param(this, 'pan');
    applyOptions(this, options, ['pan']);
  }
  get pan() {
    return this.#pan;
  }
}

class ChannelSplitterNode extends AudioNode {
  constructor(context, options = undefined) {
    const k = idlUnsignedLong(options?.numberOfOutputs ?? 6);
    AudioNode[kInternal](context, makeNode(ChannelSplitterNode, context, (n) => n.createChannelRouter(false, k)));
    super();
  }
}

class ChannelMergerNode extends AudioNode {
  constructor(context, options = undefined) {
    const k = idlUnsignedLong(options?.numberOfInputs ?? 6);
    AudioNode[kInternal](context, makeNode(ChannelMergerNode, context, (n) => n.createChannelRouter(true, k)));
    super();
  }
}

class MediaStreamAudioSourceNode extends AudioNode {
  #stream;
  constructor(context, options) {
    const stream = options?.mediaStream;
    if (!(stream instanceof MediaStream)) {
      throw new TypeError("Failed to construct 'MediaStreamAudioSourceNode': member mediaStream is not of type 'MediaStream'.");
    }
    AudioNode[kInternal](context, makeNode(MediaStreamAudioSourceNode, context, (n) => n.createMediaStreamSource(MediaStream[kTrackState](stream))));
    super();
    this.#stream = stream;
  }
  get mediaStream() {
    return this.#stream;
  }
}

class MediaStreamTrackAudioSourceNode extends AudioNode {
  constructor(context, options) {
    const track = options?.mediaStreamTrack;
    if (!isTrack(track)) {
      throw new TypeError("Failed to construct 'MediaStreamTrackAudioSourceNode': member mediaStreamTrack is not of type 'MediaStreamTrack'.");
    }
    AudioNode[kInternal](context, makeNode(MediaStreamTrackAudioSourceNode, context, (n) => n.createMediaStreamTrackSource(MediaStreamTrack[kTrackState](track).native)));
    super();
  }
}

class MediaStreamAudioDestinationNode extends AudioNode {
  #stream;
  constructor(context, options = undefined) {
    const channels = idlUnsignedLong(options?.channelCount ?? 2);
    const id = makeNode(MediaStreamAudioDestinationNode, context, (n) => n.createMediaStreamDestination(channels));
    AudioNode[kInternal](context, id);
    super();
    // A stream of one ordinary audio track (records, clones, plays, sends).
    this.#stream = MediaStream[kInternal](AudioContext[kCtx](context).destinationStream(id));
  }
  get stream() {
    return this.#stream;
  }
}

class AudioDestinationNode extends AudioNode {
  constructor() {
    if (constructingNode === null || constructingNode[1] !== DESTINATION) throw new TypeError('Illegal constructor');
    super();
  }
  get maxChannelCount() {
    return 2;
  }
}

// ------------------------------------------------------------------------------------------
// AudioContext.

class AudioContext extends EventTarget {
  #n;
  #target;
  #destination = null;
  #sinkId;
  // The state the last statechange reported (the construction's state before any).
  #reported;
  constructor(contextOptions = undefined) {
    super();
    const o = contextOptions ?? {};
    if (typeof o !== 'object') throw new TypeError("Failed to construct 'AudioContext': The provided value is not of type 'AudioContextOptions'.");
    const rate = o.sampleRate === undefined ? undefined : idlFloat(o.sampleRate, 'sampleRate');
    // sinkId: a device id, or an AudioSinkOptions ({type: "none"}: the graph is heard nowhere).
    this.#sinkId = o.sinkId === undefined ? '' : typeof o.sinkId === 'object' && o.sinkId !== null ? { type: 'none' } : idlString(o.sinkId);
    this.#target = nextTarget();
    const md = getDefaultMediaDevices();
    const sink = typeof this.#sinkId === 'string' ? this.#sinkId : '';
    this.#n = callNative(() => native.createAudioContext(nativeDevices.get(md), rate, sink, this.#target));
    targets.set(this.#target, this);
    liveContexts.add(this);
    this.#reported = this.#n.state;
  }
  static [kCtx](c) {
    return c.#n;
  }
  [kNativeEvent](type) {
    // The crate reports each change from its own thread, some time after the change: only a
    // change this object has not reported yet (one the crate made by itself) fires here.
    if (type === 'statechange') this.#reportState();
  }
  /** Fires statechange if the state differs from the one last reported. */
  #reportState() {
    const now = this.#n.state;
    if (now === this.#reported) return;
    this.#reported = now;
    this.dispatchEvent(new Event('statechange', trusted()));
  }
  get sampleRate() {
    return this.#n.sampleRate;
  }
  get currentTime() {
    return this.#n.currentTime;
  }
  get state() {
    return this.#n.state;
  }
  get baseLatency() {
    return this.#n.baseLatency;
  }
  get outputLatency() {
    return 0;
  }
  get sinkId() {
    return this.#sinkId;
  }
  get destination() {
    if (this.#destination === null) {
      AudioNode[kInternal](this, DESTINATION);
      this.#destination = new AudioDestinationNode();
    }
    return this.#destination;
  }
  getOutputTimestamp() {
    return { contextTime: this.currentTime, performanceTime: performance.now() };
  }
  #settle(f) {
    if (this.#n.state === 'closed') return Promise.reject(new DOMException('Cannot change the state of a closed AudioContext.', 'InvalidStateError'));
    try {
      callNative(f);
    } catch (e) {
      return Promise.reject(e);
    }
    // The change is made (the native call waits for the render thread). As the spec's
    // resume/suspend/close steps do, one task resolves the promise and fires statechange if
    // the state changed, so code that awaits each call has seen each event, with `state`
    // matching it. Fired here, not by the crate's own late event: nothing in this process
    // waits for that one, and node could exit before it comes.
    return new Promise((resolve) =>
      setImmediate(() => {
        resolve();
        this.#reportState();
      }),
    );
  }
  resume() {
    return this.#settle(() => this.#n.resume());
  }
  suspend() {
    return this.#settle(() => this.#n.suspend());
  }
  close() {
    const p = this.#settle(() => this.#n.close());
    liveContexts.delete(this);
    AudioScheduledSourceNode[kContextClosed](this);
    return p;
  }
  createOscillator() {
    return new OscillatorNode(this);
  }
  createConstantSource() {
    return new ConstantSourceNode(this);
  }
  createGain() {
    return new GainNode(this);
  }
  createAnalyser() {
    return new AnalyserNode(this);
  }
  createBiquadFilter() {
    return new BiquadFilterNode(this);
  }
  createDelay(maxDelayTime = 1) {
    return new DelayNode(this, { maxDelayTime });
  }
  createStereoPanner() {
    return new StereoPannerNode(this);
  }
  createChannelSplitter(numberOfOutputs = 6) {
    return new ChannelSplitterNode(this, { numberOfOutputs });
  }
  createChannelMerger(numberOfInputs = 6) {
    return new ChannelMergerNode(this, { numberOfInputs });
  }
  createMediaStreamSource(mediaStream) {
    if (!(mediaStream instanceof MediaStream)) {
      throw new TypeError("Failed to execute 'createMediaStreamSource' on 'AudioContext': parameter 1 is not of type 'MediaStream'.");
    }
    return new MediaStreamAudioSourceNode(this, { mediaStream });
  }
  createMediaStreamTrackSource(mediaStreamTrack) {
    return new MediaStreamTrackAudioSourceNode(this, { mediaStreamTrack });
  }
  createMediaStreamDestination() {
    return new MediaStreamAudioDestinationNode(this);
  }
}
defineEventHandlers(AudioContext, ['statechange']);

module.exports = {
  AudioContext,
  AudioNode,
  AudioParam,
  AudioScheduledSourceNode,
  AudioDestinationNode,
  OscillatorNode,
  ConstantSourceNode,
  GainNode,
  AnalyserNode,
  BiquadFilterNode,
  DelayNode,
  StereoPannerNode,
  ChannelSplitterNode,
  ChannelMergerNode,
  MediaStreamAudioSourceNode,
  MediaStreamTrackAudioSourceNode,
  MediaStreamAudioDestinationNode,
};
