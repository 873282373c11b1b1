'use strict';
// MediaStream and MediaStreamTrackEvent.

const { native, kInternal, kTrackState, kNativeEvent } = require('./internal');
const { defineEventHandlers, trusted, targets, nextTarget } = require('./events');
const { idlString } = require('./webidl');
const { MediaStreamTrack, isTrack } = require('./track');

let constructingStream = null;

// addtrack / removetrack, fired when the library changes a stream's track set itself (a
// media file restarted after its end; media elements). Only streams the library made can
// change that way, so only they listen. A stream is held weakly for it, as the spec allows
// ("the presence of addtrack or removetrack event listeners does not need to be taken into
// account when trying to garbage collect MediaStream objects"): what changes a stream's
// track set keeps it alive. A collected stream stops listening.
const kTrackSetChanged = Symbol('mediacapture.trackSetChanged');
const listening = new FinalizationRegistry(({ target, n }) => {
  targets.delete(target);
  n.unlisten();
});

function listenForTrackSetChanges(stream, n) {
  const target = nextTarget();
  const ref = new WeakRef(stream);
  targets.set(target, {
    [kNativeEvent](type) {
      const s = ref.deref();
      const nt = n.takeTrackEvent();
      if (s !== undefined && nt) s[kTrackSetChanged](type, nt);
    },
  });
  n.listen(target);
  listening.register(stream, { target, n });
}

class MediaStream extends EventTarget {
  #n;
  #tracks = [];
  #makeTrack = null;

  constructor(arg = undefined) {
    const fromNative = constructingStream;
    constructingStream = null;
    let tracks = [];
    if (fromNative === null && arguments.length > 0 && arg !== undefined) {
      if (arg instanceof MediaStream) {
        tracks = arg.getTracks();
      } else if (arg !== null && typeof arg === 'object' && typeof arg[Symbol.iterator] === 'function') {
        tracks = Array.from(arg);
        for (const t of tracks) {
          if (!isTrack(t)) {
            throw new TypeError("Failed to construct 'MediaStream': Failed to convert value to 'MediaStreamTrack'.");
          }
        }
      } else {
        throw new TypeError("Failed to construct 'MediaStream': No matching constructor signature.");
      }
    }
    super();
    if (fromNative !== null) {
      this.#n = fromNative.stream;
      this.#tracks = fromNative.tracks;
      this.#makeTrack = fromNative.makeTrack;
      listenForTrackSetChanges(this, this.#n);
      return;
    }
    this.#n = new native.NativeStream();
    for (const t of tracks) this.addTrack(t);
  }

  /** A stream on `nativeStream`; `makeTrack(nativeTrack)` makes its track objects. */
  static [kInternal](nativeStream, makeTrack = (nt) => MediaStreamTrack[kInternal](nt)) {
    const tracks = nativeStream.tracks().map(makeTrack);
    constructingStream = { stream: nativeStream, tracks, makeTrack };
    return new MediaStream();
  }

  /**
   * The library added (`addtrack`) or removed (`removetrack`) native track `nt`: the track
   * set changes and the event fires (trusted, not bubbling, not cancelable), in the task the
   * library queued.
   *
   * Spec: https://w3c.github.io/mediacapture-main/#mediastream-track-set (add / remove a track)
   */
  [kTrackSetChanged](type, nt) {
    const same = (t) => MediaStreamTrack[kTrackState](t).native.isSame(nt);
    let track;
    if (type === 'addtrack') {
      if (this.#tracks.some(same)) return;
      track = this.#makeTrack(nt);
      this.#tracks.push(track);
    } else if (type === 'removetrack') {
      const i = this.#tracks.findIndex(same);
      if (i < 0) return;
      [track] = this.#tracks.splice(i, 1);
    } else {
      return;
    }
    this.dispatchEvent(new MediaStreamTrackEvent(type, trusted({ track })));
  }

  get id() {
    return this.#n.id;
  }

  get active() {
    return this.#tracks.some((t) => t.readyState === 'live');
  }

  getTracks() {
    return this.#tracks.slice();
  }

  getAudioTracks() {
    return this.#tracks.filter((t) => t.kind === 'audio');
  }

  getVideoTracks() {
    return this.#tracks.filter((t) => t.kind === 'video');
  }

  getTrackById(trackId) {
    if (arguments.length < 1) throw new TypeError("Failed to execute 'getTrackById': 1 argument required.");
    const id = idlString(trackId);
    return this.#tracks.find((t) => t.id === id) ?? null;
  }

  addTrack(track) {
    if (!isTrack(track)) {
      throw new TypeError("Failed to execute 'addTrack' on 'MediaStream': parameter 1 is not of type 'MediaStreamTrack'.");
    }
    if (this.#tracks.includes(track)) return;
    this.#tracks.push(track);
    this.#n.addTrack(MediaStreamTrack[kTrackState](track).native);
  }

  removeTrack(track) {
    if (!isTrack(track)) {
      throw new TypeError("Failed to execute 'removeTrack' on 'MediaStream': parameter 1 is not of type 'MediaStreamTrack'.");
    }
    const i = this.#tracks.indexOf(track);
    if (i < 0) return;
    this.#tracks.splice(i, 1);
    this.#n.removeTrack(MediaStreamTrack[kTrackState](track).native);
  }

  clone() {
    return new MediaStream(this.#tracks.map((t) => t.clone()));
  }

  /** @internal the native stream, for MediaRecorder */
  static [kTrackState](s) {
    return s.#n;
  }
}
defineEventHandlers(MediaStream, ['addtrack', 'removetrack']);

class MediaStreamTrackEvent extends Event {
  #track;
  constructor(type, eventInitDict) {
    if (arguments.length < 2) {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': 2 arguments required.");
    }
    if (eventInitDict === null || typeof eventInitDict !== 'object') {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': The provided value is not of type 'MediaStreamTrackEventInit'.");
    }
    const track = eventInitDict.track;
    if (track === undefined) {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': required member track is undefined.");
    }
    if (!isTrack(track)) {
      throw new TypeError("Failed to construct 'MediaStreamTrackEvent': member track is not of type 'MediaStreamTrack'.");
    }
    super(idlString(type), eventInitDict);
    this.#track = track;
  }
  get track() {
    return this.#track;
  }
}

module.exports = { MediaStream, MediaStreamTrackEvent };
