// The usual browser patterns (as MDN teaches them), in TypeScript against this package's types.
import {
  mediaDevices,
  createCanvas,
  install,
  CaptureController,
  MediaStream,
  MediaStreamTrackProcessor,
  VideoTrackGenerator,
  MediaStreamTrackGenerator,
  type CanvasCaptureMediaStreamTrack,
  type MediaDeviceInfo,
  type MediaStreamConstraints,
  type MediaTrackSupportedConstraints,
  type DisplayMediaStreamOptions,
} from 'mediacapture';

install();

// Listing devices.
export async function listDevices(): Promise<string[]> {
  const devices: MediaDeviceInfo[] = await mediaDevices.enumerateDevices();
  return devices.map((d) => `${d.kind}: ${d.label} id = ${d.deviceId}`);
}

// Constraints, settings, capabilities.
export async function camera(): Promise<MediaStream> {
  const supported: MediaTrackSupportedConstraints = mediaDevices.getSupportedConstraints();
  const constraints: MediaStreamConstraints = {
    audio: supported.echoCancellation ? { echoCancellation: true } : true,
    video: { facingMode: 'user', width: { min: 640, ideal: 1280 }, height: { ideal: 720 } },
  };
  const stream = await mediaDevices.getUserMedia(constraints);
  const track = stream.getVideoTracks()[0];
  const caps = track.getCapabilities();
  if (caps.width?.max !== undefined) await track.applyConstraints({ width: caps.width.max });
  stream.onaddtrack = (e) => console.log('added', e.track.kind);
  track.addEventListener('mute', () => console.log('muted', track.muted));
  return stream;
}

// Screen capture with a controller.
export async function screen(): Promise<void> {
  const controller = new CaptureController();
  const options: DisplayMediaStreamOptions = {
    video: { displaySurface: 'window' },
    audio: { suppressLocalAudioPlayback: true },
    monitorTypeSurfaces: 'exclude',
    controller,
  };
  const stream = await mediaDevices.getDisplayMedia(options);
  const [video] = stream.getVideoTracks();
  if (video.getSettings().displaySurface === 'window') controller.setFocusBehavior('no-focus-change');
}

// Canvas capture: the track of a canvas stream is a CanvasCaptureMediaStreamTrack.
export function canvasCapture(): MediaStream {
  const canvas = createCanvas(320, 240);
  const ctx = canvas.getContext('2d');
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
  if (ctx) {
    ctx.fillStyle = 'rgb(200, 0, 0)';
    ctx.fillRect(10, 10, 50, 50);
  }
  track.requestFrame();
  return new MediaStream([track]);
}

// Insertable streams: camera -> processor -> generator.
export async function insertable(): Promise<void> {
  const stream = await mediaDevices.getUserMedia({ video: true });
  const processor = new MediaStreamTrackProcessor({ track: stream.getVideoTracks()[0] });
  const generator = new VideoTrackGenerator();
  await processor.readable.pipeTo(generator.writable);
  const audio = new MediaStreamTrackGenerator({ kind: 'audio' });
  const writer = audio.writable.getWriter();
  await writer.write({ sampleRate: 48000, numberOfChannels: 1, data: new Float32Array(480) });
}

// WebRTC: MDN's "Signaling and video calling" flow (the signalling channel is declared).
import { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, type RTCTrackEvent, type RTCPeerConnectionIceEvent } from 'mediacapture';
declare function sendToServer(msg: { type: string; sdp?: string; candidate?: RTCIceCandidate }): void;
export async function call(): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:stun.example.org' }] });
  pc.onicecandidate = (e: RTCPeerConnectionIceEvent) => {
    if (e.candidate) sendToServer({ type: 'new-ice-candidate', candidate: e.candidate });
  };
  pc.ontrack = (e: RTCTrackEvent) => {
    const [remote] = e.streams;
    remote.getTracks().forEach((t) => t.kind);
  };
  pc.onnegotiationneeded = async () => {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    sendToServer({ type: 'video-offer', sdp: pc.localDescription?.sdp });
  };
  const local = await mediaDevices.getUserMedia({ video: true, audio: true });
  local.getTracks().forEach((t) => pc.addTrack(t, local));
  await pc.setRemoteDescription(new RTCSessionDescription({ type: 'answer', sdp: '' }));
  await pc.addIceCandidate(new RTCIceCandidate({ candidate: '', sdpMid: '0' }));
  const stats = await pc.getStats();
  stats.forEach((s) => s.type === 'inbound-rtp' && s.id);
  const [sender] = pc.getSenders();
  const params = sender.getParameters();
  params.encodings[0].maxBitrate = 500_000;
  await sender.setParameters(params);
  pc.getTransceivers()[0].direction = 'sendonly';
  return pc;
}
