'use strict';
// MediaRecorder (MediaStream Recording), BlobEvent, and ErrorEvent where Node has none, on
// mediacapture-recorder.

const { native, kTrackState, kNativeEvent, kRealmBlob } = require('./internal');
const { trusted, defineEventHandlers, targets, watch, nextTarget } = require('./events');
const { callNative, errorFrom } = require('./errors');
const { toIdlJson, idlString, idlUnsignedLong, idlDouble } = require('./webidl');
const { MediaStream } = require('./stream');

// Node's Blob, and the Blobs of DOM windows install() was given (lib/dom.js): BlobEvent's
// `data` may be any of them.
const NodeBlob = Blob;
const realmBlobs = new Set([NodeBlob]);
const isBlob = (v) => [...realmBlobs].some((B) => v instanceof B);

class BlobEvent extends Event {
  #data;
  #timecode;
  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError("Failed to construct 'BlobEvent': 2 arguments required.");
    if (eventInitDict === null || typeof eventInitDict !== 'object') {
      throw new TypeError("Failed to construct 'BlobEvent': The provided value is not of type 'BlobEventInit'.");
    }
    const data = eventInitDict.data;
    if (!isBlob(data)) {
      throw new TypeError("Failed to construct 'BlobEvent': member data is not of type 'Blob'.");
    }
    const tc = eventInitDict.timecode;
    const timecode = tc === undefined ? 0 : idlDouble(tc, 'timecode');
    super(idlString(type), eventInitDict);
    this.#data = data;
    this.#timecode = timecode;
  }
  get data() {
    return this.#data;
  }
  get timecode() {
    return this.#timecode;
  }
}

// Node (before 22) has no ErrorEvent; MediaRecorder's `error` event is one.
const ErrorEventClass =
  typeof globalThis.ErrorEvent === 'function'
    ? globalThis.ErrorEvent
    : class ErrorEvent extends Event {
        #init;
        constructor(type, eventInitDict = {}) {
          if (arguments.length < 1) throw new TypeError("Failed to construct 'ErrorEvent': 1 argument required.");
          const init = eventInitDict ?? {};
          const fields = {
            message: init.message === undefined ? '' : idlString(init.message),
            filename: init.filename === undefined ? '' : idlString(init.filename),
            lineno: init.lineno === undefined ? 0 : idlUnsignedLong(init.lineno),
            colno: init.colno === undefined ? 0 : idlUnsignedLong(init.colno),
            error: init.error,
          };
          super(idlString(type), init);
          this.#init = fields;
        }
        get message() {
          return this.#init.message;
        }
        get filename() {
          return this.#init.filename;
        }
        get lineno() {
          return this.#init.lineno;
        }
        get colno() {
          return this.#init.colno;
        }
        get error() {
          return this.#init.error;
        }
      };

let constructingRecorder = null;

class MediaRecorder extends EventTarget {
  #n;
  #stream;
  #target;
  #Blob;

  constructor(stream, options = undefined) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'MediaRecorder': 1 argument required, but only 0 present.");
    if (!(stream instanceof MediaStream)) {
      throw new TypeError("Failed to construct 'MediaRecorder': parameter 1 is not of type 'MediaStream'.");
    }
    // MediaRecorderOptions: members read here with [[Get]], converted by the recorder crate
    // (RecorderOptions::from_json) with WebIDL's rules.
    const json = toIdlJson(options === undefined || options === null ? {} : options);
    const r = callNative(() => native.createRecorder(MediaStream[kTrackState](stream), json));
    super();
    // The Blob class of this recorder's window: a DOM window's MediaRecorder names its own.
    this.#Blob = new.target[kRealmBlob] ?? NodeBlob;
    this.#n = r;
    this.#stream = stream;
    this.#target = nextTarget();
    r.listen(this.#target);
  }

  [kNativeEvent](type, payload) {
    let event;
    if (type === 'dataavailable') {
      const p = JSON.parse(payload);
      const bytes = native.takeBlob(p.blob) ?? new Uint8Array(0);
      const data = new this.#Blob([bytes], { type: p.type });
      event = new BlobEvent('dataavailable', trusted({ data, timecode: p.timecode }));
    } else if (type === 'error') {
      const error = errorFrom(payload);
      event = new ErrorEventClass('error', trusted({ error, message: error.message }));
    } else {
      event = new Event(type, trusted());
    }
    try {
      this.dispatchEvent(event);
    } finally {
      // `stop` is the last event of a recording: nothing more keeps the process alive.
      if (type === 'stop' && this.#n.state === 'inactive') {
        targets.delete(this.#target);
        watch(this, false);
      }
    }
  }

  get stream() {
    return this.#stream;
  }
  get mimeType() {
    return this.#n.mimeType;
  }
  get state() {
    return this.#n.state;
  }
  get videoBitsPerSecond() {
    return this.#n.videoBitsPerSecond;
  }
  get audioBitsPerSecond() {
    return this.#n.audioBitsPerSecond;
  }
  get audioBitrateMode() {
    return this.#n.audioBitrateMode;
  }

  start(timeslice = undefined) {
    const ts = timeslice === undefined ? undefined : idlUnsignedLong(timeslice);
    callNative(() => this.#n.start(ts));
    // A recording delivers events until its `stop`: keep the process alive until then.
    targets.set(this.#target, this);
    watch(this, true);
  }

  stop() {
    this.#n.stop();
  }

  pause() {
    callNative(() => this.#n.pause());
  }

  resume() {
    callNative(() => this.#n.resume());
  }

  requestData() {
    callNative(() => this.#n.requestData());
  }

  static isTypeSupported(type) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'isTypeSupported': 1 argument required.");
    return native.isTypeSupported(idlString(type));
  }
}
defineEventHandlers(MediaRecorder, ['start', 'stop', 'dataavailable', 'pause', 'resume', 'error']);

module.exports = { MediaRecorder, BlobEvent, ErrorEventClass, NodeBlob, realmBlobs };
