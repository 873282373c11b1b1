// The README's example, in TypeScript (tsc --strict, no DOM lib: the package's own types).
import {
  mediaDevices,
  MediaRecorder,
  OverconstrainedError,
  type BlobEvent,
  type MediaStreamTrack,
} from 'mediacapture';
import { writeFileSync } from 'node:fs';

export async function readme(): Promise<void> {
  const stream = await mediaDevices.getUserMedia({
    video: { width: { ideal: 1280 }, frameRate: { max: 30 } },
    audio: true,
  });
  const [video] = stream.getVideoTracks();
  const settings = video.getSettings();
  console.log(video.label, settings.width, settings.height, settings.frameRate);

  video.onended = function (this: MediaStreamTrack) {
    console.log('camera gone', this.readyState);
  };

  try {
    await video.applyConstraints({ width: { exact: 99999 } });
  } catch (e) {
    if (e instanceof OverconstrainedError) console.log(e.name, e.constraint);
  }

  const recorder = new MediaRecorder(stream);
  const chunks: Blob[] = [];
  let type = '';
  recorder.onstart = () => {
    type = recorder.mimeType;
  };
  recorder.ondataavailable = (e: BlobEvent) => chunks.push(e.data);
  recorder.onstop = async () => {
    const blob = new Blob(chunks, { type });
    writeFileSync('out.webm', Buffer.from(await blob.arrayBuffer()));
    stream.getTracks().forEach((t) => t.stop());
  };
  recorder.start(500);
  setTimeout(() => recorder.stop(), 2000);

  for await (const frame of video.clone().frames({ format: 'RGBA' })) {
    if ('width' in frame) console.log(frame.width, frame.height, frame.data.length);
    break;
  }
}
