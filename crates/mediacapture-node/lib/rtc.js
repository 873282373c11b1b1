'use strict';
// WebRTC (webrtc-pc): RTCPeerConnection, RTCRtpTransceiver / RTCRtpSender / RTCRtpReceiver,
// RTCSessionDescription, RTCIceCandidate, RTCTrackEvent, RTCPeerConnectionIceEvent and
// RTCStatsReport, on mediacapture-webrtc (the native half is src/rtc/).
//
// Promises settle through the event sink (a `settle` event with the operation number), after
// the events the library fired before settling them, so the order is the spec's: e.g.
// `signalingstatechange` fires before `setLocalDescription()` resolves. The state attributes
// are the ones the events announced (a state change is visible when its event fires).

const { native, kInternal, kTrackState, kNativeEvent, nativeDevices } = require('./internal');
const { trusted, defineEventHandlers, targets, watch, nextTarget } = require('./events');
const { errorFrom, callNative } = require('./errors');
const { toIdlJson, idlString } = require('./webidl');
const { MediaStreamTrack, isTrack } = require('./track');
const { MediaStream } = require('./stream');
const { getDefaultMediaDevices } = require('./devices');

const illegal = () => new TypeError('Illegal constructor');

// ------------------------------------------------------------------------------------------
// RTCSessionDescription, RTCIceCandidate.

const sdpTypes = ['offer', 'pranswer', 'answer', 'rollback'];

function sdpType(v, what) {
  const t = idlString(v);
  if (!sdpTypes.includes(t)) {
    throw new TypeError(`Failed to ${what}: The provided value '${t}' is not a valid enum value of type RTCSdpType.`);
  }
  return t;
}

class RTCSessionDescription {
  #type;
  #sdp;
  constructor(descriptionInitDict) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'RTCSessionDescription': 1 argument required, but only 0 present.");
    }
    const init = descriptionInitDict ?? {};
    if (init.type === undefined) {
      throw new TypeError("Failed to construct 'RTCSessionDescription': required member type is undefined.");
    }
    this.#type = sdpType(init.type, "construct 'RTCSessionDescription'");
    this.#sdp = init.sdp === undefined ? '' : idlString(init.sdp);
  }
  get type() {
    return this.#type;
  }
  get sdp() {
    return this.#sdp;
  }
  toJSON() {
    return { type: this.#type, sdp: this.#sdp };
  }
}

const nullable = (v, conv) => (v === undefined || v === null ? null : conv(v));

/** The fields of an ICE `candidate-attribute` (RFC 8839 §5.1), or null where absent. */
function parseCandidate(text) {
  const out = {
    foundation: null,
    component: null,
    priority: null,
    address: null,
    protocol: null,
    port: null,
    type: null,
    tcpType: null,
    relatedAddress: null,
    relatedPort: null,
  };
  const parts = text.replace(/^a=/, '').replace(/^candidate:/, '').trim().split(/\s+/);
  if (parts.length < 8 || parts[6] !== 'typ') return out;
  out.foundation = parts[0];
  out.component = parts[1] === '1' ? 'rtp' : parts[1] === '2' ? 'rtcp' : null;
  out.priority = Number(parts[3]) >>> 0;
  out.protocol = ['udp', 'tcp'].includes(parts[2].toLowerCase()) ? parts[2].toLowerCase() : null;
  out.address = parts[4];
  out.port = Number(parts[5]) & 0xffff;
  out.type = ['host', 'srflx', 'prflx', 'relay'].includes(parts[7]) ? parts[7] : null;
  for (let i = 8; i + 1 < parts.length; i += 2) {
    if (parts[i] === 'raddr') out.relatedAddress = parts[i + 1];
    else if (parts[i] === 'rport') out.relatedPort = Number(parts[i + 1]) & 0xffff;
    else if (parts[i] === 'tcptype') out.tcpType = parts[i + 1];
  }
  return out;
}

class RTCIceCandidate {
  #init;
  #fields;
  constructor(candidateInitDict = {}) {
    const init = candidateInitDict ?? {};
    const sdpMid = nullable(init.sdpMid, idlString);
    const sdpMLineIndex = nullable(init.sdpMLineIndex, (v) => Number(v) & 0xffff);
    if (sdpMid === null && sdpMLineIndex === null) {
      throw new TypeError("Failed to construct 'RTCIceCandidate': sdpMid and sdpMLineIndex are both null.");
    }
    this.#init = {
      candidate: init.candidate === undefined ? '' : idlString(init.candidate),
      sdpMid,
      sdpMLineIndex,
      usernameFragment: nullable(init.usernameFragment, idlString),
    };
    this.#fields = parseCandidate(this.#init.candidate);
    this.#fields.relayProtocol = nullable(init.relayProtocol, idlString);
    this.#fields.url = nullable(init.url, idlString);
  }
  get candidate() {
    return this.#init.candidate;
  }
  get sdpMid() {
    return this.#init.sdpMid;
  }
  get sdpMLineIndex() {
    return this.#init.sdpMLineIndex;
  }
  get usernameFragment() {
    return this.#init.usernameFragment;
  }
  get foundation() {
    return this.#fields.foundation;
  }
  get component() {
    return this.#fields.component;
  }
  get priority() {
    return this.#fields.priority;
  }
  get address() {
    return this.#fields.address;
  }
  get protocol() {
    return this.#fields.protocol;
  }
  get port() {
    return this.#fields.port;
  }
  get type() {
    return this.#fields.type;
  }
  get tcpType() {
    return this.#fields.tcpType;
  }
  get relatedAddress() {
    return this.#fields.relatedAddress;
  }
  get relatedPort() {
    return this.#fields.relatedPort;
  }
  get relayProtocol() {
    return this.#fields.relayProtocol;
  }
  get url() {
    return this.#fields.url;
  }
  toJSON() {
    return { ...this.#init };
  }
}

// ------------------------------------------------------------------------------------------
// Events.

class RTCPeerConnectionIceEvent extends Event {
  #candidate;
  #url;
  constructor(type, eventInitDict = {}) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'RTCPeerConnectionIceEvent': 1 argument required.");
    const init = eventInitDict ?? {};
    const candidate = init.candidate ?? null;
    if (candidate !== null && !(candidate instanceof RTCIceCandidate)) {
      throw new TypeError("Failed to construct 'RTCPeerConnectionIceEvent': member candidate is not of type 'RTCIceCandidate'.");
    }
    super(idlString(type), init);
    this.#candidate = candidate;
    this.#url = nullable(init.url, idlString);
  }
  get candidate() {
    return this.#candidate;
  }
  get url() {
    return this.#url;
  }
}

class RTCTrackEvent extends Event {
  #receiver;
  #track;
  #streams;
  #transceiver;
  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError("Failed to construct 'RTCTrackEvent': 2 arguments required.");
    const init = eventInitDict ?? {};
    for (const [m, cls] of [
      ['receiver', RTCRtpReceiver],
      ['track', MediaStreamTrack],
      ['transceiver', RTCRtpTransceiver],
    ]) {
      if (init[m] === undefined) throw new TypeError(`Failed to construct 'RTCTrackEvent': required member ${m} is undefined.`);
      if (!(init[m] instanceof cls)) throw new TypeError(`Failed to construct 'RTCTrackEvent': member ${m} is not of type '${cls.name}'.`);
    }
    const streams = Array.from(init.streams ?? []);
    for (const s of streams) {
      if (!(s instanceof MediaStream)) throw new TypeError("Failed to construct 'RTCTrackEvent': member streams is not a sequence of 'MediaStream'.");
    }
    super(idlString(type), init);
    this.#receiver = init.receiver;
    this.#track = init.track;
    this.#streams = Object.freeze(streams);
    this.#transceiver = init.transceiver;
  }
  get receiver() {
    return this.#receiver;
  }
  get track() {
    return this.#track;
  }
  get streams() {
    return this.#streams;
  }
  get transceiver() {
    return this.#transceiver;
  }
}

// ------------------------------------------------------------------------------------------
// RTCStatsReport: a readonly maplike<DOMString, object>.

class RTCStatsReport {
  #map;
  constructor(key, entries) {
    if (key !== kInternal) throw illegal();
    this.#map = new Map(entries);
  }
  get size() {
    return this.#map.size;
  }
  get(id) {
    return this.#map.get(idlString(id));
  }
  has(id) {
    return this.#map.has(idlString(id));
  }
  keys() {
    return this.#map.keys();
  }
  values() {
    return this.#map.values();
  }
  entries() {
    return this.#map.entries();
  }
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== 'function') throw new TypeError("Failed to execute 'forEach' on 'RTCStatsReport': The callback provided as parameter 1 is not a function.");
    for (const [k, v] of this.#map) callback.call(thisArg, v, k, this);
  }
  [Symbol.iterator]() {
    return this.#map.entries();
  }
}

const statsReport = (list) => new RTCStatsReport(kInternal, list.map((s) => [s.id, s]));

// ------------------------------------------------------------------------------------------
// Promises that settle through the connection's `settle` events.

class Operations {
  #next = 1;
  #pending = new Map(); // op -> {resolve, reject, map}
  #onIdle;
  constructor(onChange) {
    this.#onIdle = onChange;
  }
  get size() {
    return this.#pending.size;
  }
  /** Starts `start(op)` and returns the promise of its settlement, its value mapped by `map`. */
  run(start, map = (v) => v) {
    const op = this.#next++;
    return new Promise((resolve, reject) => {
      try {
        start(op);
      } catch (e) {
        reject(errorFrom(e));
        return;
      }
      this.#pending.set(op, { resolve, reject, map });
      this.#onIdle();
    });
  }
  settle(payload) {
    const p = JSON.parse(payload);
    const entry = this.#pending.get(p.op);
    if (!entry) return;
    this.#pending.delete(p.op);
    this.#onIdle();
    if (p.ok) {
      try {
        entry.resolve(entry.map(p.value));
      } catch (e) {
        entry.reject(e);
      }
    } else {
      entry.reject(errorFrom(JSON.stringify(p.error)));
    }
  }
}

// ------------------------------------------------------------------------------------------
// RTCRtpSender, RTCRtpReceiver, RTCRtpTransceiver.

const kSetTrack = Symbol('mediacapture.setSenderTrack');

class RTCRtpSender {
  #n;
  #pc;
  #track = null;
  constructor(key, n, pc) {
    if (key !== kInternal) throw illegal();
    this.#n = n;
    this.#pc = pc;
  }
  [kSetTrack](track) {
    this.#track = track;
  }
  static [kTrackState](s) {
    return { pc: s.#pc, native: s.#n };
  }
  get track() {
    return this.#track;
  }
  get transport() {
    return null;
  }
  static getCapabilities(kind) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'getCapabilities' on 'RTCRtpSender': 1 argument required.");
    const c = native.rtpCapabilities(idlString(kind));
    return c === null || c === undefined ? null : JSON.parse(c);
  }
  getParameters() {
    return JSON.parse(this.#n.getParameters());
  }
  setParameters(parameters, setParameterOptions = {}) {
    if (arguments.length < 1) return Promise.reject(new TypeError("Failed to execute 'setParameters' on 'RTCRtpSender': 1 argument required."));
    let json;
    try {
      json = toIdlJson(parameters);
    } catch (e) {
      return Promise.reject(e);
    }
    void setParameterOptions;
    return this.#pc[kOps].run((op) => this.#n.setParameters(op, json), () => undefined);
  }
  replaceTrack(withTrack) {
    if (arguments.length < 1) return Promise.reject(new TypeError("Failed to execute 'replaceTrack' on 'RTCRtpSender': 1 argument required."));
    if (withTrack !== null && !isTrack(withTrack)) {
      return Promise.reject(new TypeError("Failed to execute 'replaceTrack' on 'RTCRtpSender': parameter 1 is not of type 'MediaStreamTrack'."));
    }
    const nt = withTrack === null ? null : MediaStreamTrack[kTrackState](withTrack).native;
    return this.#pc[kOps].run(
      (op) => this.#n.replaceTrack(op, nt),
      () => {
        this.#track = withTrack;
      },
    );
  }
  setStreams(...streams) {
    for (const s of streams) {
      if (!(s instanceof MediaStream)) throw new TypeError("Failed to execute 'setStreams' on 'RTCRtpSender': parameter is not of type 'MediaStream'.");
    }
    callNative(() => this.#n.setStreams(streams.map((s) => MediaStream[kTrackState](s))));
  }
  getStats() {
    return this.#pc[kOps].run((op) => this.#n.getStats(op), statsReport);
  }
}

class RTCRtpReceiver {
  #n;
  #pc;
  #track;
  constructor(key, n, pc, track) {
    if (key !== kInternal) throw illegal();
    this.#n = n;
    this.#pc = pc;
    this.#track = track;
  }
  get track() {
    return this.#track;
  }
  get transport() {
    return null;
  }
  static getCapabilities(kind) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'getCapabilities' on 'RTCRtpReceiver': 1 argument required.");
    const c = native.rtpCapabilities(idlString(kind));
    return c === null || c === undefined ? null : JSON.parse(c);
  }
  getParameters() {
    return JSON.parse(this.#n.getParameters());
  }
  getContributingSources() {
    return [];
  }
  getSynchronizationSources() {
    return [];
  }
  getStats() {
    return this.#pc[kOps].run((op) => this.#n.getStats(op), statsReport);
  }
}

const directions = ['sendrecv', 'sendonly', 'recvonly', 'inactive', 'stopped'];

class RTCRtpTransceiver {
  #n;
  #sender;
  #receiver;
  constructor(key, n, sender, receiver) {
    if (key !== kInternal) throw illegal();
    this.#n = n;
    this.#sender = sender;
    this.#receiver = receiver;
  }
  get mid() {
    return this.#n.mid ?? null;
  }
  get sender() {
    return this.#sender;
  }
  get receiver() {
    return this.#receiver;
  }
  get direction() {
    return this.#n.direction;
  }
  set direction(v) {
    const d = idlString(v);
    // An invalid enum value assigned to an attribute is ignored (WebIDL).
    if (!directions.includes(d)) return;
    callNative(() => this.#n.setDirection(d));
  }
  get currentDirection() {
    return this.#n.currentDirection ?? null;
  }
  stop() {
    callNative(() => this.#n.stop());
  }
  setCodecPreferences(codecs) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'setCodecPreferences' on 'RTCRtpTransceiver': 1 argument required.");
    const json = toIdlJson(Array.from(codecs));
    callNative(() => this.#n.setCodecPreferences(json));
  }
}

// ------------------------------------------------------------------------------------------
// RTCPeerConnection.

const kOps = Symbol('mediacapture.rtcOperations');

function descriptionOrNull(text) {
  return text === null || text === undefined ? null : new RTCSessionDescription(JSON.parse(text));
}

class RTCPeerConnection extends EventTarget {
  #n;
  #target;
  #ops;
  #closed = false;
  #started = false;
  #state;
  #transceivers = new Map(); // key -> RTCRtpTransceiver
  #remoteTracks = new Map(); // track id -> MediaStreamTrack of a receiver
  #streams = new Map(); // remote stream id -> MediaStream

  /**
   * `new RTCPeerConnection(configuration)`. Nonstandard second argument:
   * `{hostCandidates: "loopback"}` gathers 127.0.0.1 only (both peers on this machine);
   * by default the host candidates are the interfaces' addresses, as a browser's.
   */
  constructor(configuration = {}, options = {}) {
    const config = toIdlJson(configuration ?? {}, ['certificates']);
    const hosts = options && options.hostCandidates !== undefined ? idlString(options.hostCandidates) : undefined;
    const target = nextTarget();
    const devices = nativeDevices.get(getDefaultMediaDevices());
    const n = callNative(() => native.createPeerConnection(devices, config, hosts, target));
    super();
    this.#n = n;
    this.#target = target;
    this.#ops = new Operations(() => this.#updateWatch());
    this.#state = JSON.parse(n.states());
    targets.set(target, this);
  }

  get [kOps]() {
    return this.#ops;
  }

  // What keeps node running: a pending promise, or a connection under way (from its first
  // description until close()). A connection never negotiated does not.
  #updateWatch() {
    watch(this, !this.#closed && (this.#ops.size > 0 || this.#started));
  }

  [kNativeEvent](type, payload) {
    if (type === 'settle') {
      this.#ops.settle(payload);
      return;
    }
    if (this.#closed) return;
    let event;
    switch (type) {
      case 'negotiationneeded':
        event = new Event(type, trusted());
        break;
      case 'icecandidate': {
        const { candidate } = JSON.parse(payload);
        const c = candidate === null ? null : new RTCIceCandidate(candidate);
        event = new RTCPeerConnectionIceEvent(type, trusted({ candidate: c, url: null }));
        break;
      }
      case 'signalingstatechange':
      case 'icegatheringstatechange':
      case 'iceconnectionstatechange':
      case 'connectionstatechange': {
        const member = {
          signalingstatechange: 'signalingState',
          icegatheringstatechange: 'iceGatheringState',
          iceconnectionstatechange: 'iceConnectionState',
          connectionstatechange: 'connectionState',
        }[type];
        this.#state[member] = JSON.parse(payload);
        event = new Event(type, trusted());
        break;
      }
      case 'track': {
        const e = this.#n.takeTrackEvent();
        if (!e) return;
        this.#syncTransceivers();
        const transceiver = this.#transceiver(e.key);
        const streams = e.streams().map((ns) => this.#remoteStream(ns));
        event = new RTCTrackEvent(
          type,
          trusted({ receiver: transceiver.receiver, track: transceiver.receiver.track, streams, transceiver }),
        );
        break;
      }
      default:
        return;
    }
    this.dispatchEvent(event);
  }

  /** The JavaScript transceiver of native key `key` (one object per transceiver). */
  #transceiver(key) {
    let t = this.#transceivers.get(key);
    if (t === undefined) {
      const nt = this.#n.transceiver(key);
      const sender = new RTCRtpSender(kInternal, nt.sender(), this);
      const track = MediaStreamTrack[kInternal](nt.receiver().track());
      this.#remoteTracks.set(track.id, track);
      const receiver = new RTCRtpReceiver(kInternal, nt.receiver(), this, track);
      t = new RTCRtpTransceiver(kInternal, nt, sender, receiver);
      this.#transceivers.set(key, t);
    }
    return t;
  }

  #syncTransceivers() {
    return this.#n.transceiverKeys().map((k) => this.#transceiver(k));
  }

  #remoteStream(ns) {
    let s = this.#streams.get(ns.id);
    if (s === undefined) {
      s = MediaStream[kInternal](ns, (nt) => this.#remoteTracks.get(nt.id) ?? MediaStreamTrack[kInternal](nt));
      this.#streams.set(ns.id, s);
    }
    return s;
  }

  #checkOpen(what) {
    if (this.#closed) throw new DOMException(`Failed to execute '${what}' on 'RTCPeerConnection': The RTCPeerConnection's signalingState is 'closed'.`, 'InvalidStateError');
  }

  #run(what, start, map) {
    if (this.#closed) {
      return Promise.reject(new DOMException(`Failed to execute '${what}' on 'RTCPeerConnection': The RTCPeerConnection's signalingState is 'closed'.`, 'InvalidStateError'));
    }
    return this.#ops.run(start, map);
  }

  createOffer(options = {}) {
    if (typeof options === 'function') return Promise.reject(new TypeError('the legacy callback form of createOffer is not supported'));
    let json;
    try {
      json = toIdlJson(options ?? {});
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#run('createOffer', (op) => this.#n.createOffer(op, json));
  }

  createAnswer(options = {}) {
    if (typeof options === 'function') return Promise.reject(new TypeError('the legacy callback form of createAnswer is not supported'));
    return this.#run('createAnswer', (op) => this.#n.createAnswer(op));
  }

  setLocalDescription(description = undefined) {
    let json = null;
    if (description !== undefined && description !== null && (description.type !== undefined || (description.sdp ?? '') !== '')) {
      try {
        const type = description.type === undefined ? undefined : sdpType(description.type, "execute 'setLocalDescription'");
        json = JSON.stringify({ type: type ?? this.#implicitType(), sdp: description.sdp === undefined ? '' : idlString(description.sdp) });
      } catch (e) {
        return Promise.reject(e);
      }
    }
    this.#started = true;
    return this.#run('setLocalDescription', (op) => this.#n.setLocalDescription(op, json), () => undefined);
  }

  #implicitType() {
    const s = this.#state.signalingState;
    return s === 'have-remote-offer' || s === 'have-local-pranswer' ? 'answer' : 'offer';
  }

  setRemoteDescription(description) {
    if (arguments.length < 1) return Promise.reject(new TypeError("Failed to execute 'setRemoteDescription' on 'RTCPeerConnection': 1 argument required, but only 0 present."));
    let json;
    try {
      const d = description ?? {};
      if (d.type === undefined) throw new TypeError("Failed to execute 'setRemoteDescription' on 'RTCPeerConnection': required member type is undefined.");
      json = JSON.stringify({ type: sdpType(d.type, "execute 'setRemoteDescription'"), sdp: d.sdp === undefined ? '' : idlString(d.sdp) });
    } catch (e) {
      return Promise.reject(e);
    }
    this.#started = true;
    return this.#run('setRemoteDescription', (op) => this.#n.setRemoteDescription(op, json), () => undefined);
  }

  addIceCandidate(candidate = undefined) {
    let json = null;
    if (candidate !== undefined && candidate !== null) {
      const c = candidate instanceof RTCIceCandidate ? candidate.toJSON() : candidate;
      if ((c.candidate ?? '') !== '' || c.sdpMid != null || c.sdpMLineIndex != null) {
        if (c.sdpMid == null && c.sdpMLineIndex == null) {
          return Promise.reject(new TypeError("Failed to execute 'addIceCandidate' on 'RTCPeerConnection': Candidate missing values for both sdpMid and sdpMLineIndex"));
        }
        try {
          json = JSON.stringify({
            candidate: c.candidate === undefined ? '' : idlString(c.candidate),
            sdpMid: nullable(c.sdpMid, idlString),
            sdpMLineIndex: nullable(c.sdpMLineIndex, (v) => Number(v) & 0xffff),
            usernameFragment: nullable(c.usernameFragment, idlString),
          });
        } catch (e) {
          return Promise.reject(e);
        }
      }
    }
    return this.#run('addIceCandidate', (op) => this.#n.addIceCandidate(op, json), () => undefined);
  }

  get localDescription() {
    return descriptionOrNull(this.#n.localDescription());
  }
  get currentLocalDescription() {
    return descriptionOrNull(this.#n.currentLocalDescription());
  }
  get pendingLocalDescription() {
    return descriptionOrNull(this.#n.pendingLocalDescription());
  }
  get remoteDescription() {
    return descriptionOrNull(this.#n.remoteDescription());
  }
  get currentRemoteDescription() {
    return descriptionOrNull(this.#n.currentRemoteDescription());
  }
  get pendingRemoteDescription() {
    return descriptionOrNull(this.#n.pendingRemoteDescription());
  }
  get signalingState() {
    return this.#state.signalingState;
  }
  get iceGatheringState() {
    return this.#state.iceGatheringState;
  }
  get iceConnectionState() {
    return this.#state.iceConnectionState;
  }
  get connectionState() {
    return this.#state.connectionState;
  }
  get canTrickleIceCandidates() {
    return JSON.parse(this.#n.states()).canTrickleIceCandidates ?? null;
  }

  restartIce() {
    this.#n.restartIce();
  }

  getConfiguration() {
    return JSON.parse(this.#n.getConfiguration());
  }

  setConfiguration(configuration = {}) {
    this.#checkOpen('setConfiguration');
    const json = toIdlJson(configuration ?? {}, ['certificates']);
    callNative(() => this.#n.setConfiguration(json));
  }

  close() {
    if (this.#closed) return;
    this.#n.close();
    this.#closed = true;
    // The receivers' tracks end without an event (spec: "stop the RTCRtpTransceiver"), as
    // stop() ends a track.
    for (const t of this.#remoteTracks.values()) t.stop();
    // close() changes the states without firing events (spec: "close the connection").
    this.#state.signalingState = 'closed';
    this.#state.iceConnectionState = 'closed';
    this.#state.connectionState = 'closed';
    this.#updateWatch();
  }

  getSenders() {
    return this.#syncTransceivers().map((t) => t.sender);
  }

  getReceivers() {
    return this.#syncTransceivers().map((t) => t.receiver);
  }

  getTransceivers() {
    return this.#syncTransceivers();
  }

  addTrack(track, ...streams) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'addTrack' on 'RTCPeerConnection': 1 argument required, but only 0 present.");
    if (!isTrack(track)) throw new TypeError("Failed to execute 'addTrack' on 'RTCPeerConnection': parameter 1 is not of type 'MediaStreamTrack'.");
    for (const s of streams) {
      if (!(s instanceof MediaStream)) throw new TypeError("Failed to execute 'addTrack' on 'RTCPeerConnection': parameter is not of type 'MediaStream'.");
    }
    const nt = MediaStreamTrack[kTrackState](track).native;
    const key = callNative(() => this.#n.addTrack(nt, streams.map((s) => MediaStream[kTrackState](s))));
    const t = this.#transceiver(key);
    t.sender[kSetTrack](track);
    return t.sender;
  }

  removeTrack(sender) {
    if (!(sender instanceof RTCRtpSender)) throw new TypeError("Failed to execute 'removeTrack' on 'RTCPeerConnection': parameter 1 is not of type 'RTCRtpSender'.");
    this.#checkOpen('removeTrack');
    const key = [...this.#transceivers].find(([, t]) => t.sender === sender)?.[0];
    if (key === undefined) {
      throw new DOMException("Failed to execute 'removeTrack' on 'RTCPeerConnection': The sender was not created by this peer connection.", 'InvalidAccessError');
    }
    callNative(() => this.#n.removeTrack(key));
    sender[kSetTrack](null);
  }

  addTransceiver(trackOrKind, init = {}) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'addTransceiver' on 'RTCPeerConnection': 1 argument required, but only 0 present.");
    const i = init ?? {};
    const streams = Array.from(i.streams ?? []);
    for (const s of streams) {
      if (!(s instanceof MediaStream)) throw new TypeError("Failed to execute 'addTransceiver' on 'RTCPeerConnection': member streams is not a sequence of 'MediaStream'.");
    }
    const direction = i.direction === undefined ? 'sendrecv' : idlString(i.direction);
    if (!directions.includes(direction)) {
      throw new TypeError(`Failed to execute 'addTransceiver' on 'RTCPeerConnection': The provided value '${direction}' is not a valid enum value of type RTCRtpTransceiverDirection.`);
    }
    const json = JSON.stringify({ direction, sendEncodings: JSON.parse(toIdlJson(Array.from(i.sendEncodings ?? []))) });
    const track = isTrack(trackOrKind) ? trackOrKind : null;
    const nt = track === null ? null : MediaStreamTrack[kTrackState](track).native;
    const kind = track === null ? idlString(trackOrKind) : null;
    const ns = streams.map((s) => MediaStream[kTrackState](s));
    const key = callNative(() => this.#n.addTransceiver(nt, kind, json, ns));
    const t = this.#transceiver(key);
    if (track !== null) t.sender[kSetTrack](track);
    return t;
  }

  getStats(selector = null) {
    if (selector !== null && selector !== undefined) {
      if (!isTrack(selector)) return Promise.reject(new TypeError("Failed to execute 'getStats' on 'RTCPeerConnection': parameter 1 is not of type 'MediaStreamTrack'."));
      // Spec: the sender or receiver of that track; InvalidAccessError when none or several.
      const ts = this.#syncTransceivers();
      const senders = ts.filter((t) => t.sender.track === selector).map((t) => t.sender);
      const receivers = ts.filter((t) => t.receiver.track === selector).map((t) => t.receiver);
      const all = [...senders, ...receivers];
      if (all.length !== 1) {
        return Promise.reject(new DOMException("Failed to execute 'getStats' on 'RTCPeerConnection': There is no sender or receiver for the track.", 'InvalidAccessError'));
      }
      return all[0].getStats();
    }
    return this.#ops.run((op) => this.#n.getStats(op), statsReport);
  }
}
defineEventHandlers(RTCPeerConnection, [
  'negotiationneeded',
  'icecandidate',
  'icecandidateerror',
  'signalingstatechange',
  'iceconnectionstatechange',
  'icegatheringstatechange',
  'connectionstatechange',
  'track',
]);

module.exports = {
  RTCPeerConnection,
  RTCSessionDescription,
  RTCIceCandidate,
  RTCPeerConnectionIceEvent,
  RTCTrackEvent,
  RTCRtpSender,
  RTCRtpReceiver,
  RTCRtpTransceiver,
  RTCStatsReport,
};
