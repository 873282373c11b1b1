// Types for the mediacapture Node.js addon. Names and shapes follow TypeScript's lib.dom.d.ts,
// so code typed against the DOM compiles against this package unchanged.

/// <reference types="node" />

export type MediaDeviceKind = 'audioinput' | 'audiooutput' | 'videoinput';
export type MediaStreamTrackState = 'live' | 'ended';
export type VideoFacingModeEnum = 'user' | 'environment' | 'left' | 'right';
export type VideoResizeModeEnum = 'none' | 'crop-and-scale';
export type DisplayCaptureSurfaceType = 'monitor' | 'window' | 'browser';
export type CursorCaptureConstraint = 'never' | 'always' | 'motion';
export type CaptureStartFocusBehavior = 'focus-capturing-application' | 'focus-captured-surface' | 'no-focus-change';
export type SelfCapturePreferenceEnum = 'include' | 'exclude';
export type SystemAudioPreferenceEnum = 'include' | 'exclude';
export type SurfaceSwitchingPreferenceEnum = 'include' | 'exclude';
export type MonitorTypeSurfacesEnum = 'include' | 'exclude';
export type RecordingState = 'inactive' | 'recording' | 'paused';
export type BitrateMode = 'constant' | 'variable';
export type PermissionName = 'camera' | 'microphone' | 'display-capture' | 'speaker-selection';
export type PermissionState = 'granted' | 'denied' | 'prompt';

export interface ULongRange {
  max?: number;
  min?: number;
}
export interface DoubleRange {
  max?: number;
  min?: number;
}
export interface ConstrainULongRange extends ULongRange {
  exact?: number;
  ideal?: number;
}
export interface ConstrainDoubleRange extends DoubleRange {
  exact?: number;
  ideal?: number;
}
export interface ConstrainBooleanParameters {
  exact?: boolean;
  ideal?: boolean;
}
export interface ConstrainDOMStringParameters {
  exact?: string | string[];
  ideal?: string | string[];
}
export interface ConstrainBooleanOrDOMStringParameters {
  exact?: boolean | string;
  ideal?: boolean | string;
}
export type ConstrainULong = number | ConstrainULongRange;
export type ConstrainDouble = number | ConstrainDoubleRange;
export type ConstrainBoolean = boolean | ConstrainBooleanParameters;
export type ConstrainDOMString = string | string[] | ConstrainDOMStringParameters;
export type ConstrainBooleanOrDOMString = boolean | string | ConstrainBooleanOrDOMStringParameters;

export interface MediaTrackConstraintSet {
  width?: ConstrainULong;
  height?: ConstrainULong;
  aspectRatio?: ConstrainDouble;
  frameRate?: ConstrainDouble;
  facingMode?: ConstrainDOMString;
  resizeMode?: ConstrainDOMString;
  sampleRate?: ConstrainULong;
  sampleSize?: ConstrainULong;
  echoCancellation?: ConstrainBooleanOrDOMString;
  autoGainControl?: ConstrainBoolean;
  noiseSuppression?: ConstrainBoolean;
  voiceIsolation?: ConstrainBoolean;
  latency?: ConstrainDouble;
  channelCount?: ConstrainULong;
  deviceId?: ConstrainDOMString;
  groupId?: ConstrainDOMString;
  backgroundBlur?: ConstrainBoolean;
  displaySurface?: ConstrainDOMString;
  logicalSurface?: ConstrainBoolean;
  cursor?: ConstrainDOMString;
  restrictOwnAudio?: ConstrainBoolean;
  suppressLocalAudioPlayback?: ConstrainBoolean;
}
export interface MediaTrackConstraints extends MediaTrackConstraintSet {
  advanced?: MediaTrackConstraintSet[];
}
export interface MediaStreamConstraints {
  video?: boolean | MediaTrackConstraints;
  audio?: boolean | MediaTrackConstraints;
}
export interface DisplayMediaStreamOptions {
  video?: boolean | MediaTrackConstraints;
  audio?: boolean | MediaTrackConstraints;
  controller?: CaptureController;
  selfBrowserSurface?: SelfCapturePreferenceEnum;
  systemAudio?: SystemAudioPreferenceEnum;
  surfaceSwitching?: SurfaceSwitchingPreferenceEnum;
  monitorTypeSurfaces?: MonitorTypeSurfacesEnum;
}
export interface MediaTrackSettings {
  width?: number;
  height?: number;
  aspectRatio?: number;
  frameRate?: number;
  facingMode?: string;
  resizeMode?: string;
  sampleRate?: number;
  sampleSize?: number;
  echoCancellation?: boolean | string;
  autoGainControl?: boolean;
  noiseSuppression?: boolean;
  voiceIsolation?: boolean;
  latency?: number;
  channelCount?: number;
  deviceId?: string;
  groupId?: string;
  backgroundBlur?: boolean;
  displaySurface?: string;
  logicalSurface?: boolean;
  cursor?: string;
  restrictOwnAudio?: boolean;
  suppressLocalAudioPlayback?: boolean;
}
export interface MediaTrackCapabilities {
  width?: ULongRange;
  height?: ULongRange;
  aspectRatio?: DoubleRange;
  frameRate?: DoubleRange;
  facingMode?: string[];
  resizeMode?: string[];
  sampleRate?: ULongRange;
  sampleSize?: ULongRange;
  echoCancellation?: (boolean | string)[];
  autoGainControl?: boolean[];
  noiseSuppression?: boolean[];
  voiceIsolation?: boolean[];
  latency?: DoubleRange;
  channelCount?: ULongRange;
  deviceId?: string;
  groupId?: string;
  backgroundBlur?: boolean[];
  displaySurface?: string;
  logicalSurface?: boolean;
  cursor?: string[];
}
export interface MediaTrackSupportedConstraints {
  width?: boolean;
  height?: boolean;
  aspectRatio?: boolean;
  frameRate?: boolean;
  facingMode?: boolean;
  resizeMode?: boolean;
  sampleRate?: boolean;
  sampleSize?: boolean;
  echoCancellation?: boolean;
  autoGainControl?: boolean;
  noiseSuppression?: boolean;
  voiceIsolation?: boolean;
  latency?: boolean;
  channelCount?: boolean;
  deviceId?: boolean;
  groupId?: boolean;
  backgroundBlur?: boolean;
  displaySurface?: boolean;
  logicalSurface?: boolean;
  cursor?: boolean;
  restrictOwnAudio?: boolean;
  suppressLocalAudioPlayback?: boolean;
}

/** Nonstandard: a video frame from `track.frames()` (tightly packed planes, µs timestamps). */
export interface VideoFrameData {
  timestamp: number;
  duration: number | null;
  width: number;
  height: number;
  format: 'I420' | 'NV12' | 'YUYV' | 'RGBA' | 'BGRA';
  data: Uint8Array;
}
/** Nonstandard: a block of audio from `track.frames()` (interleaved 32-bit float). */
export interface AudioDataBlock {
  timestamp: number;
  duration: number | null;
  sampleRate: number;
  numberOfChannels: number;
  numberOfFrames: number;
  format: 'f32';
  data: Float32Array;
}
export interface FramesOptions {
  /** Video only: convert to this pixel format (default: the format the track delivers; MJPEG is decoded to I420). */
  format?: 'I420' | 'NV12' | 'YUYV' | 'RGBA' | 'BGRA';
  /**
   * Video: frames kept while the reader is behind, the oldest dropped (default 2, at most 3).
   * Audio: blocks kept (default 200, about 2 s); blocks that do not fit are lost.
   */
  capacity?: number;
}
export interface FrameIterator<T> extends AsyncIterableIterator<T> {
  /** Items dropped (video) or lost (audio) because the reader was behind. */
  readonly dropped: number;
  return(): Promise<IteratorResult<T, undefined>>;
}

/**
 * An event handler attribute's type (`T` is the target). Declared through a method without a
 * `this` parameter, so that its parameter compares bivariantly and TypeScript still types
 * `this` as the target in `track.onended = function () { this.readyState }`: this package's
 * objects are then assignable where DOM-typed code (lib.dom.d.ts) expects the DOM interface
 * of the same name, whose handlers name the DOM's own classes.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
type Handler<T, E extends Event> = { handler(ev: E): any }['handler'] | null;

/** The EventInit dictionary (DOM), for the event constructors' init dictionaries. */
interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

export declare class MediaStreamTrack extends EventTarget {
  /** Illegal constructor: tracks come from getUserMedia, captureStream, generators. */
  protected constructor();
  readonly kind: string;
  readonly id: string;
  readonly label: string;
  enabled: boolean;
  readonly muted: boolean;
  readonly readyState: MediaStreamTrackState;
  contentHint: string;
  onmute: Handler<MediaStreamTrack, Event>;
  onunmute: Handler<MediaStreamTrack, Event>;
  onended: Handler<MediaStreamTrack, Event>;
  clone(): MediaStreamTrack;
  stop(): void;
  getCapabilities(): MediaTrackCapabilities;
  getConstraints(): MediaTrackConstraints;
  getSettings(): MediaTrackSettings;
  applyConstraints(constraints?: MediaTrackConstraints): Promise<void>;
  /** Nonstandard: this track's media as an async iterator. */
  frames(options?: FramesOptions): FrameIterator<VideoFrameData | AudioDataBlock>;
}

export declare class MediaStream extends EventTarget {
  constructor();
  constructor(stream: MediaStream);
  constructor(tracks: MediaStreamTrack[]);
  readonly id: string;
  readonly active: boolean;
  onaddtrack: Handler<MediaStream, MediaStreamTrackEvent>;
  onremovetrack: Handler<MediaStream, MediaStreamTrackEvent>;
  getAudioTracks(): MediaStreamTrack[];
  getVideoTracks(): MediaStreamTrack[];
  getTracks(): MediaStreamTrack[];
  getTrackById(trackId: string): MediaStreamTrack | null;
  addTrack(track: MediaStreamTrack): void;
  removeTrack(track: MediaStreamTrack): void;
  clone(): MediaStream;
}

export interface MediaStreamTrackEventInit extends EventInit {
  track: MediaStreamTrack;
}
export declare class MediaStreamTrackEvent extends Event {
  constructor(type: string, eventInitDict: MediaStreamTrackEventInit);
  readonly track: MediaStreamTrack;
}

export declare class MediaDeviceInfo {
  /** Illegal constructor: instances come from enumerateDevices() and devicechange. */
  protected constructor();
  readonly deviceId: string;
  readonly kind: MediaDeviceKind;
  readonly label: string;
  readonly groupId: string;
  toJSON(): { deviceId: string; kind: MediaDeviceKind; label: string; groupId: string };
}
export declare class InputDeviceInfo extends MediaDeviceInfo {
  getCapabilities(): MediaTrackCapabilities;
}

export interface DeviceChangeEventInit extends EventInit {
  devices?: MediaDeviceInfo[];
}
export declare class DeviceChangeEvent extends Event {
  constructor(type: string, eventInitDict?: DeviceChangeEventInit);
  readonly devices: ReadonlyArray<MediaDeviceInfo>;
  readonly userInsertedDevices: ReadonlyArray<MediaDeviceInfo>;
}

export declare class OverconstrainedError extends DOMException {
  constructor(constraint: string, message?: string);
  readonly constraint: string;
}

export declare class CaptureController extends EventTarget {
  constructor();
  setFocusBehavior(focusBehavior: CaptureStartFocusBehavior): void;
}

export declare class MediaDevices extends EventTarget {
  private constructor();
  ondevicechange: Handler<MediaDevices, DeviceChangeEvent>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  getSupportedConstraints(): MediaTrackSupportedConstraints;
  getUserMedia(constraints?: MediaStreamConstraints): Promise<MediaStream>;
  /**
   * The first display surface (or the one `displaySurface` prefers); with `audio` (and
   * `systemAudio` not "exclude") also a "System Audio" track, after the video track, when the
   * surface is a whole screen and the system has system audio (PulseAudio: the default sink's
   * monitor; fake devices: a `systemaudio` profile device).
   */
  getDisplayMedia(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
  /** Audio Output Devices API: asks the prompt handler ("speaker-selection") every time. */
  selectAudioOutput(options?: { deviceId?: string }): Promise<MediaDeviceInfo>;
}

export interface MediaStreamTrackProcessorInit {
  track: MediaStreamTrack;
  maxBufferSize?: number;
}
/** Over `track.frames()`: its chunks are the plain objects described there (no WebCodecs in Node). */
export declare class MediaStreamTrackProcessor {
  constructor(init: MediaStreamTrackProcessorInit);
  readonly readable: ReadableStream<VideoFrameData | AudioDataBlock>;
}

/**
 * A chunk a generator's writable takes: the shapes `track.frames()` and
 * MediaStreamTrackProcessor give (no WebCodecs in Node). A chunk with a `close()` method is
 * closed once written.
 */
export type GeneratorChunk =
  | Pick<VideoFrameData, 'format' | 'width' | 'height' | 'data'>
  | Pick<AudioDataBlock, 'sampleRate' | 'numberOfChannels' | 'data'>;
/**
 * mediacapture-transform: a video source whose frames are written to `writable`. Its `track`
 * (and the track's clones) end when the writable is closed or aborted; the writable closes
 * when the last of them ends. Settings follow the frames written (width, height, frameRate
 * estimated).
 */
export declare class VideoTrackGenerator {
  constructor();
  readonly writable: WritableStream<GeneratorChunk>;
  /** Mutes (`mute` events) and drops what is written meanwhile. */
  muted: boolean;
  readonly track: MediaStreamTrack;
}
export interface MediaStreamTrackGeneratorInit {
  kind: 'audio' | 'video';
}
/** The older mediacapture-transform generator: a track whose media is written to `writable`. */
export declare class MediaStreamTrackGenerator extends MediaStreamTrack {
  constructor(init: MediaStreamTrackGeneratorInit);
  writable: WritableStream<GeneratorChunk>;
}

/** The video track of a canvas's `captureStream()` (`HTMLCanvasElement` under jsdom / happy-dom). */
export declare class CanvasCaptureMediaStreamTrack extends MediaStreamTrack {
  private constructor();
  readonly canvas: Canvas | HTMLCanvasElementLike;
  /** The next paint is captured, whatever `frameRequestRate` says. */
  requestFrame(): void;
}
/** What a DOM's canvas element looks like to this package (jsdom / happy-dom, after `install(window)`). */
export interface HTMLCanvasElementLike {
  width: number;
  height: number;
}

export interface MediaRecorderOptions {
  mimeType?: string;
  audioBitsPerSecond?: number;
  videoBitsPerSecond?: number;
  bitsPerSecond?: number;
  audioBitrateMode?: BitrateMode;
  videoKeyFrameIntervalDuration?: number;
  videoKeyFrameIntervalCount?: number;
}
export declare class MediaRecorder extends EventTarget {
  constructor(stream: MediaStream, options?: MediaRecorderOptions);
  readonly stream: MediaStream;
  readonly mimeType: string;
  readonly state: RecordingState;
  readonly videoBitsPerSecond: number;
  readonly audioBitsPerSecond: number;
  readonly audioBitrateMode: BitrateMode;
  onstart: Handler<MediaRecorder, Event>;
  onstop: Handler<MediaRecorder, Event>;
  ondataavailable: Handler<MediaRecorder, BlobEvent>;
  onpause: Handler<MediaRecorder, Event>;
  onresume: Handler<MediaRecorder, Event>;
  onerror: Handler<MediaRecorder, Event>;
  start(timeslice?: number): void;
  stop(): void;
  pause(): void;
  resume(): void;
  requestData(): void;
  static isTypeSupported(type: string): boolean;
}

export interface BlobEventInit extends EventInit {
  data: Blob;
  timecode?: number;
}
export declare class BlobEvent extends Event {
  constructor(type: string, eventInitDict: BlobEventInit);
  readonly data: Blob;
  readonly timecode: number;
}

/** What `navigator.permissions.query({name})` resolves with (after `install()`). */
export declare class PermissionStatus extends EventTarget {
  private constructor();
  readonly name: PermissionName;
  readonly state: PermissionState;
  onchange: Handler<PermissionStatus, Event>;
}

/** The process's default MediaDevices (what `install()` puts at `navigator.mediaDevices`). */
export declare const mediaDevices: MediaDevices;

/**
 * Defines every interface as a global of `globalObject`, and `mediaDevices`, the legacy
 * `getUserMedia` and (where missing) `permissions` on its Navigator's prototype, as a browser
 * window has them (a `navigator` and a `Navigator` interface are made where the global object
 * has none). Given a DOM window (jsdom, happy-dom), also makes its canvases draw with this
 * package's 2D context and stream with `captureStream()`.
 */
export declare function install<G extends object = typeof globalThis>(globalObject?: G): G;

/**
 * What a test driver (or user) decides: every permission is "granted" by default in Node;
 * "denied" makes requests fail with NotAllowedError and ends live tracks of that kind;
 * "prompt" asks the handler given to `setPromptHandler()` on each request (without one,
 * requests are refused with NotAllowedError).
 */
export declare function setPermission(name: PermissionName, state: PermissionState, mediaDevices?: MediaDevices): void;
/** Nonstandard: the current state of a permission. */
export declare function getPermission(name: PermissionName, mediaDevices?: MediaDevices): PermissionState;

/** What a permission prompt asks (the Rust `PermissionRequest`). */
export interface PermissionPromptRequest {
  /** The feature asked for. */
  name: PermissionName;
  /** The origin asking (its MediaDevices' `origin`, "node" by default). */
  origin: string;
  /** Labels of the devices that would be used (for display-capture: every display surface, then "System Audio" when audio is asked for). */
  devices: string[];
}
/** `true` or "granted" allows; anything else refuses. */
export type PermissionPromptAnswer = boolean | 'granted' | 'denied';
/** Answers a permission prompt; a throw or a rejected promise refuses, as a dismissed prompt. */
export type PermissionPromptHandler = (
  request: PermissionPromptRequest,
) => PermissionPromptAnswer | PromiseLike<PermissionPromptAnswer>;
/**
 * Nonstandard: answers the prompts of permissions set to "prompt", for every MediaDevices of
 * this JavaScript environment (main thread or worker), as a browser's user would. A granted
 * camera or microphone is remembered (the permission becomes "granted"); display-capture asks
 * on every getDisplayMedia(). One prompt per kind per getUserMedia() call (audio, then video);
 * a refusal rejects the call with NotAllowedError. `null` removes the handler: prompts are
 * refused again. An installed handler does not keep the process alive; a pending prompt does
 * (its getUserMedia() promise is pending).
 */
export declare function setPromptHandler(handler: PermissionPromptHandler | null): void;

export interface CreateMediaDevicesOptions {
  /** Device ids are stable for an origin and unlinkable across origins (default "node"). */
  origin?: string;
  /** Fake devices, as a MEDIACAPTURE_FAKE profile file would give them. */
  fakeProfile?: { devices: object[] };
}
/** Nonstandard: a MediaDevices of its own (origin, exposure state, permissions). */
export declare function createMediaDevices(options?: CreateMediaDevicesOptions): MediaDevices;
/** Nonstandard: resolves once every event the library fired so far has been delivered. */
export declare function flushEvents(): Promise<void>;
/** Nonstandard test hooks for the fake backend. */
export declare const fake: {
  addDevice(spec: object, mediaDevices?: MediaDevices): string;
  removeDevice(rawId: string, mediaDevices?: MediaDevices): void;
  backends(mediaDevices?: MediaDevices): string[];
};
/** Nonstandard test hooks that look at the process itself. */
export declare const diagnostics: {
  /** Bytes of native heap in use, as the allocator counts them (glibc); null where unknown. */
  nativeHeapInUse(): number | null;
};

/** Nonstandard: a playing media file, the native counterpart of a `<video>` with `captureStream()`. */
export interface MediaFile {
  /** A stream of the file's tracks; they end with `ended` when playback ends. */
  captureStream(): MediaStream;
  play(): void;
  pause(): void;
  seek(seconds: number): void;
  loop: boolean;
  readonly ended: boolean;
  readonly currentTime: number;
}
/** Nonstandard: opens WebM/Matroska (VP8, VP9, Opus), WAV or y4m and starts playing it. */
export declare function openMediaFile(path: string): MediaFile;

/** Nonstandard: what `getImageData` / `createImageData` return (an `ImageData`'s shape). */
export interface CanvasImageData {
  readonly width: number;
  readonly height: number;
  /** Non-premultiplied RGBA, row by row. */
  readonly data: Uint8ClampedArray;
  readonly colorSpace: 'srgb';
}
/** A 2D affine matrix `[a c e; b d f]` as `getTransform()` returns it (DOMMatrix2DInit). */
export interface Canvas2DMatrix {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}
/**
 * Nonstandard: the subset of CanvasRenderingContext2D a `createCanvas` canvas supports (the
 * Rust `mediacapture_sources::canvas::CanvasRenderingContext2D`), with the HTML spec's
 * semantics: non-finite arguments make a call do nothing, invalid colours and
 * out-of-range `lineWidth` / `globalAlpha` values are ignored. Styles are CSS colours only
 * (names of the basic colours, `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`, `rgba()`);
 * the getters give them serialised (`#rrggbb` or `rgba(r, g, b, a)`). Every drawing call is a
 * paint: capturing tracks get a frame (subject to `captureStream`'s rate).
 */
export interface Canvas2DContext {
  readonly canvas: Canvas;
  // state
  /** Pushes fillStyle, strokeStyle, lineWidth, globalAlpha and the transform. */
  save(): void;
  restore(): void;
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  globalAlpha: number;
  // transforms
  translate(x: number, y: number): void;
  scale(x: number, y: number): void;
  rotate(angle: number): void;
  transform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  /**
   * A DOMMatrix2DInit (`a`–`f` or `m11`, `m12`, `m21`, `m22`, `m41`, `m42`): a TypeError when
   * both names of a member are given and differ; a non-finite member makes it do nothing.
   */
  setTransform(transform?: Partial<Canvas2DMatrix> & { m11?: number; m12?: number; m21?: number; m22?: number; m41?: number; m42?: number }): void;
  resetTransform(): void;
  getTransform(): Canvas2DMatrix;
  // paths (points are transformed when added)
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  closePath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  /** Throws an `IndexSizeError` DOMException for a negative radius. */
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number, counterclockwise?: boolean): void;
  fill(fillRule?: 'nonzero' | 'evenodd'): void;
  /** Butt caps and miter joins. */
  stroke(): void;
  // rectangles
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  // pixels (no transform, no globalAlpha)
  createImageData(sw: number, sh: number): CanvasImageData;
  createImageData(imageData: CanvasImageData): CanvasImageData;
  /**
   * Pixels outside the canvas are transparent black. IndexSizeError for a 0 width or height,
   * SecurityError for a tainted canvas, RangeError when the data would be over 2^31 - 1 bytes.
   */
  getImageData(sx: number, sy: number, sw: number, sh: number): CanvasImageData;
  putImageData(imageData: CanvasImageData, dx: number, dy: number): void;
  putImageData(
    imageData: CanvasImageData,
    dx: number,
    dy: number,
    dirtyX: number,
    dirtyY: number,
    dirtyWidth: number,
    dirtyHeight: number,
  ): void;
  /** Draws another `createCanvas` canvas (bilinear when scaled); drawing a tainted canvas taints this one. */
  drawImage(image: Canvas | HTMLVideoElement, dx: number, dy: number): void;
  drawImage(image: Canvas | HTMLVideoElement, dx: number, dy: number, dw: number, dh: number): void;
  drawImage(
    image: Canvas | HTMLVideoElement,
    sx: number,
    sy: number,
    sw: number,
    sh: number,
    dx: number,
    dy: number,
    dw: number,
    dh: number,
  ): void;
}
/** Nonstandard: a drawing surface that streams, like an HTML canvas. */
export interface Canvas {
  /** Setting `width` or `height` resizes and clears the canvas and resets its context's state. */
  width: number;
  height: number;
  getContext(type: '2d'): Canvas2DContext | null;
  /** The canvas as a PNG file. */
  toPNG(): Buffer;
  /** A `data:image/png;base64,…` URL (PNG whatever the type asked, as HTML does for unsupported types). */
  toDataURL(type?: string, quality?: number): string;
  /** Calls `callback` with a PNG Blob, asynchronously. */
  toBlob(callback: (blob: Blob) => void, type?: string, quality?: number): void;
  /** A stream with one video track, a `CanvasCaptureMediaStreamTrack`. */
  captureStream(frameRequestRate?: number): MediaStream;
}
/** Nonstandard: a canvas of `width` x `height` transparent black pixels. */
export declare function createCanvas(width: number, height: number): Canvas;

// ---- Media elements (HTML) playing MediaStreams

export interface VideoFrameCallbackMetadata {
  presentationTime: number;
  expectedDisplayTime: number;
  width: number;
  height: number;
  mediaTime: number;
  presentedFrames: number;
  captureTime?: number;
}
export declare class TimeRanges {
  private constructor();
  readonly length: number;
  start(index: number): number;
  end(index: number): number;
}
export declare class MediaError {
  private constructor();
  static readonly MEDIA_ERR_ABORTED: 1;
  static readonly MEDIA_ERR_NETWORK: 2;
  static readonly MEDIA_ERR_DECODE: 3;
  static readonly MEDIA_ERR_SRC_NOT_SUPPORTED: 4;
}
/** `<audio>` / `<video>` for MediaStreams (`srcObject`); URLs are not played (`canPlayType` is ""). */
export declare class HTMLMediaElement extends EventTarget {
  protected constructor();
  static readonly NETWORK_EMPTY: 0;
  static readonly NETWORK_IDLE: 1;
  static readonly NETWORK_LOADING: 2;
  static readonly NETWORK_NO_SOURCE: 3;
  static readonly HAVE_NOTHING: 0;
  static readonly HAVE_METADATA: 1;
  static readonly HAVE_CURRENT_DATA: 2;
  static readonly HAVE_FUTURE_DATA: 3;
  static readonly HAVE_ENOUGH_DATA: 4;
  readonly NETWORK_EMPTY: 0;
  readonly NETWORK_IDLE: 1;
  readonly NETWORK_LOADING: 2;
  readonly NETWORK_NO_SOURCE: 3;
  readonly HAVE_NOTHING: 0;
  readonly HAVE_METADATA: 1;
  readonly HAVE_CURRENT_DATA: 2;
  readonly HAVE_FUTURE_DATA: 3;
  readonly HAVE_ENOUGH_DATA: 4;
  srcObject: MediaStream | null;
  src: string;
  readonly currentSrc: string;
  crossOrigin: string | null;
  readonly networkState: number;
  preload: string;
  readonly buffered: TimeRanges;
  load(): void;
  canPlayType(type: string): '' | 'maybe' | 'probably';
  readonly readyState: number;
  readonly seeking: boolean;
  currentTime: number;
  fastSeek(time: number): void;
  readonly duration: number;
  getStartDate(): Date;
  readonly paused: boolean;
  defaultPlaybackRate: number;
  playbackRate: number;
  preservesPitch: boolean;
  readonly played: TimeRanges;
  readonly seekable: TimeRanges;
  readonly ended: boolean;
  autoplay: boolean;
  loop: boolean;
  /** Resolves once playing; NotSupportedError without a source, AbortError on pause()/a new load. */
  play(): Promise<void>;
  pause(): void;
  controls: boolean;
  /** 0..1, IndexSizeError outside. */
  volume: number;
  muted: boolean;
  defaultMuted: boolean;
  readonly error: MediaError | null;
  /** Audio Output Devices API: "" is the default output. */
  readonly sinkId: string;
  setSinkId(sinkId: string): Promise<void>;
  /** mediacapture-fromelement: tracks that carry what the element plays (muted while paused). */
  captureStream(): MediaStream;
  onloadstart: Handler<HTMLMediaElement, Event>;
  onemptied: Handler<HTMLMediaElement, Event>;
  onabort: Handler<HTMLMediaElement, Event>;
  ondurationchange: Handler<HTMLMediaElement, Event>;
  onloadedmetadata: Handler<HTMLMediaElement, Event>;
  onloadeddata: Handler<HTMLMediaElement, Event>;
  oncanplay: Handler<HTMLMediaElement, Event>;
  oncanplaythrough: Handler<HTMLMediaElement, Event>;
  onplay: Handler<HTMLMediaElement, Event>;
  onplaying: Handler<HTMLMediaElement, Event>;
  onwaiting: Handler<HTMLMediaElement, Event>;
  onpause: Handler<HTMLMediaElement, Event>;
  ontimeupdate: Handler<HTMLMediaElement, Event>;
  onended: Handler<HTMLMediaElement, Event>;
  onresize: Handler<HTMLMediaElement, Event>;
  onvolumechange: Handler<HTMLMediaElement, Event>;
  /** Nonstandard: the output in use went away; the element now plays to the default one. */
  onsinkfallback: Handler<HTMLMediaElement, Event>;
}
export declare class HTMLVideoElement extends HTMLMediaElement {
  constructor();
  readonly videoWidth: number;
  readonly videoHeight: number;
  width: number;
  height: number;
  poster: string;
  playsInline: boolean;
  requestVideoFrameCallback(callback: (now: number, metadata: VideoFrameCallbackMetadata) => void): number;
  cancelVideoFrameCallback(handle: number): void;
  /** Nonstandard: shows the video in a native X11 window (on DISPLAY); returns its window id. */
  showWindow(title?: string): number;
  /** Nonstandard: closes the window showWindow() opened. */
  closeWindow(): void;
}
export declare class HTMLAudioElement extends HTMLMediaElement {
  constructor();
}
/** `new Audio(src)`: an HTMLAudioElement. */
export declare const Audio: { new (src?: string): HTMLAudioElement; prototype: HTMLAudioElement };

// ---- Web Audio (the web-audio-api crate's graph, with tracks in and out)

export type AudioContextState = 'suspended' | 'running' | 'closed';
export type ChannelCountMode = 'max' | 'clamped-max' | 'explicit';
export type ChannelInterpretation = 'speakers' | 'discrete';
export type OscillatorType = 'sine' | 'square' | 'sawtooth' | 'triangle' | 'custom';
export type BiquadFilterType = 'lowpass' | 'highpass' | 'bandpass' | 'lowshelf' | 'highshelf' | 'peaking' | 'notch' | 'allpass';
export interface AudioNodeOptions {
  channelCount?: number;
  channelCountMode?: ChannelCountMode;
  channelInterpretation?: ChannelInterpretation;
}
export interface AudioContextOptions {
  /** 3000..768000 (NotSupportedError outside); 48000 by default. */
  sampleRate?: number;
  latencyHint?: 'interactive' | 'balanced' | 'playback' | number;
  /** The audiooutput device `destination` plays on ("" the default; `{type: "none"}` nowhere). */
  sinkId?: string | { type: 'none' };
}
export declare class AudioParam {
  private constructor();
  value: number;
  readonly defaultValue: number;
  readonly minValue: number;
  readonly maxValue: number;
  readonly automationRate: 'a-rate' | 'k-rate';
  setValueAtTime(value: number, startTime: number): AudioParam;
  linearRampToValueAtTime(value: number, endTime: number): AudioParam;
  exponentialRampToValueAtTime(value: number, endTime: number): AudioParam;
  setTargetAtTime(target: number, startTime: number, timeConstant: number): AudioParam;
  setValueCurveAtTime(values: Iterable<number>, startTime: number, duration: number): AudioParam;
  cancelScheduledValues(cancelTime: number): AudioParam;
  cancelAndHoldAtTime(cancelTime: number): AudioParam;
}
export declare class AudioNode extends EventTarget {
  protected constructor();
  readonly context: AudioContext;
  readonly numberOfInputs: number;
  readonly numberOfOutputs: number;
  channelCount: number;
  channelCountMode: ChannelCountMode;
  channelInterpretation: ChannelInterpretation;
  connect<T extends AudioNode>(destinationNode: T, output?: number, input?: number): T;
  connect(destinationParam: AudioParam, output?: number): void;
  disconnect(): void;
  disconnect(output: number): void;
  disconnect(destination: AudioNode | AudioParam, output?: number, input?: number): void;
}
export declare class AudioScheduledSourceNode extends AudioNode {
  protected constructor();
  onended: Handler<AudioScheduledSourceNode, Event>;
  start(when?: number): void;
  stop(when?: number): void;
}
export declare class AudioDestinationNode extends AudioNode {
  private constructor();
  readonly maxChannelCount: number;
}
export declare class OscillatorNode extends AudioScheduledSourceNode {
  constructor(context: AudioContext, options?: AudioNodeOptions & { type?: OscillatorType; frequency?: number; detune?: number });
  type: OscillatorType;
  readonly frequency: AudioParam;
  readonly detune: AudioParam;
}
export declare class ConstantSourceNode extends AudioScheduledSourceNode {
  constructor(context: AudioContext, options?: { offset?: number });
  readonly offset: AudioParam;
}
export declare class GainNode extends AudioNode {
  constructor(context: AudioContext, options?: AudioNodeOptions & { gain?: number });
  readonly gain: AudioParam;
}
export declare class AnalyserNode extends AudioNode {
  constructor(
    context: AudioContext,
    options?: AudioNodeOptions & { fftSize?: number; maxDecibels?: number; minDecibels?: number; smoothingTimeConstant?: number },
  );
  /** A power of two in 32..32768 (IndexSizeError otherwise). */
  fftSize: number;
  readonly frequencyBinCount: number;
  minDecibels: number;
  maxDecibels: number;
  smoothingTimeConstant: number;
  getFloatFrequencyData(array: Float32Array): void;
  getByteFrequencyData(array: Uint8Array): void;
  getFloatTimeDomainData(array: Float32Array): void;
  getByteTimeDomainData(array: Uint8Array): void;
}
export declare class BiquadFilterNode extends AudioNode {
  constructor(context: AudioContext, options?: AudioNodeOptions & { type?: BiquadFilterType; Q?: number; detune?: number; frequency?: number; gain?: number });
  type: BiquadFilterType;
  readonly frequency: AudioParam;
  readonly detune: AudioParam;
  readonly Q: AudioParam;
  readonly gain: AudioParam;
}
export declare class DelayNode extends AudioNode {
  constructor(context: AudioContext, options?: AudioNodeOptions & { maxDelayTime?: number; delayTime?: number });
  readonly delayTime: AudioParam;
}
export declare class StereoPannerNode extends AudioNode {
  constructor(context: AudioContext, options?: AudioNodeOptions & { pan?: number });
  readonly pan: AudioParam;
}
export declare class ChannelSplitterNode extends AudioNode {
  constructor(context: AudioContext, options?: AudioNodeOptions & { numberOfOutputs?: number });
}
export declare class ChannelMergerNode extends AudioNode {
  constructor(context: AudioContext, options?: AudioNodeOptions & { numberOfInputs?: number });
}
export declare class MediaStreamAudioSourceNode extends AudioNode {
  /** The stream's audio track whose id sorts first (InvalidStateError without one). */
  constructor(context: AudioContext, options: { mediaStream: MediaStream });
  readonly mediaStream: MediaStream;
}
export declare class MediaStreamTrackAudioSourceNode extends AudioNode {
  constructor(context: AudioContext, options: { mediaStreamTrack: MediaStreamTrack });
}
export declare class MediaStreamAudioDestinationNode extends AudioNode {
  constructor(context: AudioContext, options?: AudioNodeOptions);
  /** One ordinary audio track (records, clones, plays); it ends when the context closes. */
  readonly stream: MediaStream;
}
export declare class AudioContext extends EventTarget {
  constructor(contextOptions?: AudioContextOptions);
  readonly sampleRate: number;
  readonly currentTime: number;
  readonly state: AudioContextState;
  readonly baseLatency: number;
  readonly outputLatency: number;
  readonly sinkId: string | { type: 'none' };
  /** Plays on the context's audiooutput device (opened when first connected to). */
  readonly destination: AudioDestinationNode;
  onstatechange: Handler<AudioContext, Event>;
  getOutputTimestamp(): { contextTime: number; performanceTime: number };
  resume(): Promise<void>;
  suspend(): Promise<void>;
  /** Stops rendering, ends destination streams' tracks and releases every node. */
  close(): Promise<void>;
  createOscillator(): OscillatorNode;
  createConstantSource(): ConstantSourceNode;
  createGain(): GainNode;
  createAnalyser(): AnalyserNode;
  createBiquadFilter(): BiquadFilterNode;
  createDelay(maxDelayTime?: number): DelayNode;
  createStereoPanner(): StereoPannerNode;
  createChannelSplitter(numberOfOutputs?: number): ChannelSplitterNode;
  createChannelMerger(numberOfInputs?: number): ChannelMergerNode;
  createMediaStreamSource(mediaStream: MediaStream): MediaStreamAudioSourceNode;
  createMediaStreamTrackSource(mediaStreamTrack: MediaStreamTrack): MediaStreamTrackAudioSourceNode;
  createMediaStreamDestination(options?: AudioNodeOptions): MediaStreamAudioDestinationNode;
}

// ------------------------------------------------------------------------------------------
// WebRTC (webrtc-pc) on mediacapture-webrtc.

export type RTCSdpType = 'offer' | 'pranswer' | 'answer' | 'rollback';
export type RTCSignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer' | 'have-local-pranswer' | 'have-remote-pranswer' | 'closed';
export type RTCIceGatheringState = 'new' | 'gathering' | 'complete';
export type RTCIceConnectionState = 'closed' | 'failed' | 'disconnected' | 'new' | 'checking' | 'completed' | 'connected';
export type RTCPeerConnectionState = 'closed' | 'failed' | 'disconnected' | 'new' | 'connecting' | 'connected';
export type RTCRtpTransceiverDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | 'stopped';
export type RTCIceComponent = 'rtp' | 'rtcp';
export type RTCIceProtocol = 'udp' | 'tcp';
export type RTCIceCandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
export type RTCIceTcpCandidateType = 'active' | 'passive' | 'so';

export interface RTCIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}
export interface RTCConfiguration {
  iceServers?: RTCIceServer[];
  iceTransportPolicy?: 'relay' | 'all';
  bundlePolicy?: 'balanced' | 'max-compat' | 'max-bundle';
  rtcpMuxPolicy?: 'require';
  iceCandidatePoolSize?: number;
}
/** Nonstandard second argument of the RTCPeerConnection constructor. */
export interface RTCPeerConnectionOptions {
  /** "loopback": host candidates on 127.0.0.1 only; default: the interfaces' addresses. */
  hostCandidates?: 'loopback' | 'interfaces';
}
export interface RTCSessionDescriptionInit {
  type: RTCSdpType;
  sdp?: string;
}
export interface RTCLocalSessionDescriptionInit {
  type?: RTCSdpType;
  sdp?: string;
}
export interface RTCOfferOptions {
  iceRestart?: boolean;
  offerToReceiveAudio?: boolean;
  offerToReceiveVideo?: boolean;
}
export interface RTCAnswerOptions {}
export interface RTCIceCandidateInit {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}
export interface RTCRtpCodec {
  mimeType: string;
  clockRate: number;
  channels?: number;
  sdpFmtpLine?: string;
}
export interface RTCRtpCodecParameters extends RTCRtpCodec {
  payloadType: number;
}
export interface RTCRtpCapabilities {
  codecs: RTCRtpCodec[];
  headerExtensions: { uri: string }[];
}
export interface RTCRtpEncodingParameters {
  rid?: string;
  active?: boolean;
  maxBitrate?: number;
  maxFramerate?: number;
  scaleResolutionDownBy?: number;
}
export interface RTCRtpHeaderExtensionParameters {
  uri: string;
  id: number;
  encrypted?: boolean;
}
export interface RTCRtcpParameters {
  cname?: string;
  reducedSize?: boolean;
}
export interface RTCRtpReceiveParameters {
  headerExtensions: RTCRtpHeaderExtensionParameters[];
  rtcp: RTCRtcpParameters;
  codecs: RTCRtpCodecParameters[];
}
export interface RTCRtpSendParameters extends RTCRtpReceiveParameters {
  transactionId: string;
  encodings: RTCRtpEncodingParameters[];
}
export interface RTCRtpTransceiverInit {
  direction?: RTCRtpTransceiverDirection;
  streams?: MediaStream[];
  sendEncodings?: RTCRtpEncodingParameters[];
}
/** One entry of an RTCStatsReport (members as webrtc-stats names them, by `type`). */
export interface RTCStats {
  id: string;
  type: string;
  timestamp: number;
  [member: string]: unknown;
}

export declare class RTCSessionDescription {
  constructor(descriptionInitDict: RTCSessionDescriptionInit);
  readonly type: RTCSdpType;
  readonly sdp: string;
  toJSON(): RTCSessionDescriptionInit;
}
export declare class RTCIceCandidate {
  constructor(candidateInitDict?: RTCIceCandidateInit);
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly foundation: string | null;
  readonly component: RTCIceComponent | null;
  readonly priority: number | null;
  readonly address: string | null;
  readonly protocol: RTCIceProtocol | null;
  readonly port: number | null;
  readonly type: RTCIceCandidateType | null;
  readonly tcpType: RTCIceTcpCandidateType | null;
  readonly relatedAddress: string | null;
  readonly relatedPort: number | null;
  readonly usernameFragment: string | null;
  readonly relayProtocol: string | null;
  readonly url: string | null;
  toJSON(): RTCIceCandidateInit;
}
export declare class RTCStatsReport {
  private constructor();
  readonly size: number;
  get(id: string): RTCStats | undefined;
  has(id: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<RTCStats>;
  entries(): IterableIterator<[string, RTCStats]>;
  forEach(callback: (value: RTCStats, key: string, report: RTCStatsReport) => void, thisArg?: unknown): void;
  [Symbol.iterator](): IterableIterator<[string, RTCStats]>;
}
export declare class RTCRtpSender {
  private constructor();
  readonly track: MediaStreamTrack | null;
  readonly transport: null;
  static getCapabilities(kind: string): RTCRtpCapabilities | null;
  setParameters(parameters: RTCRtpSendParameters): Promise<void>;
  getParameters(): RTCRtpSendParameters;
  replaceTrack(withTrack: MediaStreamTrack | null): Promise<void>;
  setStreams(...streams: MediaStream[]): void;
  getStats(): Promise<RTCStatsReport>;
}
export declare class RTCRtpReceiver {
  private constructor();
  /** An ordinary MediaStreamTrack: muted until media flows, it records, clones, gives frames. */
  readonly track: MediaStreamTrack;
  readonly transport: null;
  static getCapabilities(kind: string): RTCRtpCapabilities | null;
  getParameters(): RTCRtpReceiveParameters;
  getContributingSources(): unknown[];
  getSynchronizationSources(): unknown[];
  getStats(): Promise<RTCStatsReport>;
}
export declare class RTCRtpTransceiver {
  private constructor();
  readonly mid: string | null;
  readonly sender: RTCRtpSender;
  readonly receiver: RTCRtpReceiver;
  direction: RTCRtpTransceiverDirection;
  readonly currentDirection: RTCRtpTransceiverDirection | null;
  stop(): void;
  setCodecPreferences(codecs: RTCRtpCodec[]): void;
}
export interface RTCPeerConnectionIceEventInit extends EventInit {
  candidate?: RTCIceCandidate | null;
  url?: string | null;
}
export declare class RTCPeerConnectionIceEvent extends Event {
  constructor(type: string, eventInitDict?: RTCPeerConnectionIceEventInit);
  readonly candidate: RTCIceCandidate | null;
  readonly url: string | null;
}
export interface RTCTrackEventInit extends EventInit {
  receiver: RTCRtpReceiver;
  track: MediaStreamTrack;
  streams?: MediaStream[];
  transceiver: RTCRtpTransceiver;
}
export declare class RTCTrackEvent extends Event {
  constructor(type: string, eventInitDict: RTCTrackEventInit);
  readonly receiver: RTCRtpReceiver;
  readonly track: MediaStreamTrack;
  readonly streams: ReadonlyArray<MediaStream>;
  readonly transceiver: RTCRtpTransceiver;
}
export declare class RTCPeerConnection extends EventTarget {
  constructor(configuration?: RTCConfiguration, options?: RTCPeerConnectionOptions);
  createOffer(options?: RTCOfferOptions): Promise<RTCSessionDescriptionInit>;
  createAnswer(options?: RTCAnswerOptions): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void>;
  readonly localDescription: RTCSessionDescription | null;
  readonly currentLocalDescription: RTCSessionDescription | null;
  readonly pendingLocalDescription: RTCSessionDescription | null;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  readonly remoteDescription: RTCSessionDescription | null;
  readonly currentRemoteDescription: RTCSessionDescription | null;
  readonly pendingRemoteDescription: RTCSessionDescription | null;
  addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void>;
  readonly signalingState: RTCSignalingState;
  readonly iceGatheringState: RTCIceGatheringState;
  readonly iceConnectionState: RTCIceConnectionState;
  readonly connectionState: RTCPeerConnectionState;
  readonly canTrickleIceCandidates: boolean | null;
  restartIce(): void;
  getConfiguration(): RTCConfiguration;
  setConfiguration(configuration?: RTCConfiguration): void;
  close(): void;
  getSenders(): RTCRtpSender[];
  getReceivers(): RTCRtpReceiver[];
  getTransceivers(): RTCRtpTransceiver[];
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender;
  removeTrack(sender: RTCRtpSender): void;
  addTransceiver(trackOrKind: MediaStreamTrack | string, init?: RTCRtpTransceiverInit): RTCRtpTransceiver;
  getStats(selector?: MediaStreamTrack | null): Promise<RTCStatsReport>;
  onnegotiationneeded: Handler<RTCPeerConnection, Event>;
  onicecandidate: Handler<RTCPeerConnection, RTCPeerConnectionIceEvent>;
  onicecandidateerror: Handler<RTCPeerConnection, Event>;
  onsignalingstatechange: Handler<RTCPeerConnection, Event>;
  oniceconnectionstatechange: Handler<RTCPeerConnection, Event>;
  onicegatheringstatechange: Handler<RTCPeerConnection, Event>;
  onconnectionstatechange: Handler<RTCPeerConnection, Event>;
  ontrack: Handler<RTCPeerConnection, RTCTrackEvent>;
}
