'use strict';
// VideoTrackGenerator and MediaStreamTrackGenerator (mediacapture-transform), on the native
// generator (src/generator.rs, mediacapture::generator).
//
// Node has no WebCodecs: the writable takes the chunks `track.frames()` and
// MediaStreamTrackProcessor give (so a processor's readable pipes into a generator's
// writable): video `{format, width, height, data}` (tightly packed planes; format I420, NV12,
// YUYV, RGBA or BGRA), audio `{sampleRate, numberOfChannels, data: Float32Array}`
// (interleaved). Anything else is a TypeError, as a non-VideoFrame is in a browser. A chunk
// with a `close()` method is closed once written, as the spec closes a written VideoFrame.

const { native, kInternal, kPrepareTrack } = require('./internal');
const { callNative } = require('./errors');
const { idlString } = require('./webidl');
const { MediaStreamTrack } = require('./track');

const isObject = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');

function bytesOf(data, what) {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${what}: data is not an ArrayBuffer or a view of one`);
}

/** The writable's write algorithm for generator `g` (its `kind`). */
function writeChunk(g, kind, chunk) {
  if (!isObject(chunk)) throw new TypeError('The chunk written is not a video frame or audio data object.');
  try {
    if (kind === 'video') {
      if (typeof chunk.format !== 'string' || chunk.width === undefined || chunk.height === undefined) {
        throw new TypeError('The chunk written is not a video frame ({format, width, height, data}).');
      }
      const data = bytesOf(chunk.data, 'video frame');
      callNative(() => g.writeVideo(chunk.format, Number(chunk.width) >>> 0, Number(chunk.height) >>> 0, data));
    } else {
      if (chunk.sampleRate === undefined || chunk.numberOfChannels === undefined || !(chunk.data instanceof Float32Array)) {
        throw new TypeError('The chunk written is not audio data ({sampleRate, numberOfChannels, data: Float32Array}).');
      }
      const le = new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
      callNative(() => g.writeAudio(Number(chunk.sampleRate) >>> 0, Number(chunk.numberOfChannels) >>> 0, le));
    }
  } finally {
    if (typeof chunk.close === 'function') chunk.close();
  }
}

function makeWritable(g, kind) {
  return new WritableStream(
    {
      write(chunk) {
        writeChunk(g, kind, chunk);
      },
      close() {
        g.close();
      },
      abort() {
        g.close();
      },
    },
    { highWaterMark: 1 },
  );
}

// ------------------------------------------------------------------------------------------
// VideoTrackGenerator

class VideoTrackGenerator {
  #g;
  #track;
  #writable = null;
  constructor() {
    this.#g = callNative(() => native.createGenerator('video'));
    this.#track = MediaStreamTrack[kInternal](this.#g.track());
  }
  /** Made the first time it is read, as the spec says. */
  get writable() {
    if (this.#writable === null) this.#writable = makeWritable(this.#g, 'video');
    return this.#writable;
  }
  get muted() {
    return this.#g.muted;
  }
  set muted(v) {
    if (!(#g in this)) throw new TypeError('Illegal invocation');
    this.#g.setMuted(Boolean(v));
  }
  get track() {
    return this.#track;
  }
}

// ------------------------------------------------------------------------------------------
// MediaStreamTrackGenerator (the older proposal: the generator is itself the track)

class MediaStreamTrackGenerator extends MediaStreamTrack {
  #g;
  #kind;
  #writable = null;
  constructor(init) {
    if (arguments.length < 1) {
      throw new TypeError("Failed to construct 'MediaStreamTrackGenerator': 1 argument required, but only 0 present.");
    }
    if (!isObject(init)) {
      throw new TypeError("Failed to construct 'MediaStreamTrackGenerator': The provided value is not of type 'MediaStreamTrackGeneratorInit'.");
    }
    if (init.kind === undefined) {
      throw new TypeError("Failed to construct 'MediaStreamTrackGenerator': Failed to read the 'kind' property from 'MediaStreamTrackGeneratorInit': Required member is undefined.");
    }
    const kind = idlString(init.kind);
    if (kind !== 'video' && kind !== 'audio') {
      throw new TypeError(`Failed to construct 'MediaStreamTrackGenerator': Invalid track generator kind '${kind}'.`);
    }
    const g = callNative(() => native.createGenerator(kind));
    MediaStreamTrack[kPrepareTrack](g.track());
    super();
    this.#g = g;
    this.#kind = kind;
  }
  get writable() {
    if (this.#writable === null) this.#writable = makeWritable(this.#g, this.#kind);
    return this.#writable;
  }
  // The IDL makes `writable` a read-write attribute; a WritableStream assigned replaces it.
  set writable(v) {
    if (!(#g in this)) throw new TypeError('Illegal invocation');
    if (!(v instanceof WritableStream)) {
      throw new TypeError("Failed to set the 'writable' property on 'MediaStreamTrackGenerator': The provided value is not of type 'WritableStream'.");
    }
    this.#writable = v;
  }
}

module.exports = { VideoTrackGenerator, MediaStreamTrackGenerator };
