// DOM-typed code (TypeScript's lib.dom.d.ts) against this package's types: the same names, and
// DOM-typed values flow into this package's API unchanged.
//
// Not checked, on purpose: that this package's class instances are assignable to lib.dom's
// classes. lib.dom's event handler attributes name lib.dom's own classes
// (`onaddtrack: (this: MediaStream, ev: MediaStreamTrackEvent) => any`), so a handler typed for
// this package's events (whose tracks also have the nonstandard `frames()`) is not one typed for
// lib.dom's; and lib.dom (TypeScript 5.9) still types echoCancellation as a boolean, where the
// spec (and this package) also allow "all" / "remote-only".
import * as mc from 'mediacapture';

declare const devices: mc.MediaDevices;
declare const track: mc.MediaStreamTrack;
declare const stream: mc.MediaStream;

// DOM-typed dictionaries are accepted as they are.
declare const constraints: MediaStreamConstraints;
declare const trackConstraints: MediaTrackConstraints;
declare const displayOptions: DisplayMediaStreamOptions;
declare const recorderOptions: MediaRecorderOptions;
export const gum: Promise<mc.MediaStream> = devices.getUserMedia(constraints);
export const gdm: Promise<mc.MediaStream> = devices.getDisplayMedia(displayOptions);
export const applied: Promise<void> = track.applyConstraints(trackConstraints);
export const recorder = new mc.MediaRecorder(stream, recorderOptions);

// The same names for the same dictionaries and enums: this package's are usable as the DOM's
// (apart from echoCancellation, see above).
type NoEcho<T> = Omit<T, 'echoCancellation'>;
export const supported: MediaTrackSupportedConstraints = devices.getSupportedConstraints();
export const settings: NoEcho<MediaTrackSettings> = track.getSettings();
export const caps: NoEcho<MediaTrackCapabilities> = track.getCapabilities();
export const kind: MediaDeviceKind = 'audioinput' satisfies mc.MediaDeviceKind;
export const state: MediaStreamTrackState = track.readyState;
export const recording: RecordingState = recorder.state;
export const mode: BitrateMode = recorder.audioBitrateMode;
export const infos: Promise<Pick<MediaDeviceInfo, 'deviceId' | 'kind' | 'label' | 'groupId' | 'toJSON'>[]> = devices.enumerateDevices();
