'use strict';
// A page's script runs unchanged under jsdom and happy-dom once install(window) was called: it
// draws on a <canvas>, captures it, records it with MediaRecorder and makes a Blob of the
// chunks; the file decodes (ffprobe). A second page plays the camera in a <video> the MDN way
// (srcObject, then play() on loadedmetadata) and draws its frames on a <canvas>.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { mc } = require('../testlib/helpers');

// The page: nothing in it knows about Node.
const PAGE = `<!doctype html>
<html><body>
<canvas id="c" width="160" height="120"></canvas>
<script>
(async () => {
  try {
    const canvas = document.getElementById('c');
    const ctx = canvas.getContext('2d');
    const stream = canvas.captureStream(30);
    const [track] = stream.getVideoTracks();
    if (!(track instanceof CanvasCaptureMediaStreamTrack) || track.canvas !== canvas) throw new Error('not a canvas track');
    const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8' });
    const chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
    recorder.start();
    // An animation: 20 frames, one every 40 ms (the page's own pace).
    for (let i = 0; i < 20; i++) {
      ctx.fillStyle = i % 2 ? '#ff0000' : '#0000ff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(i * 6, 40, 20, 20);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    recorder.stop();
    await stopped;
    const blob = new Blob(chunks, { type: 'video/webm' });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const png = canvas.toDataURL();
    stream.getTracks().forEach((t) => t.stop());
    window.pageDone({ bytes, chunks: chunks.length, blobIsWindowBlob: chunks.every((c) => c instanceof Blob), png });
  } catch (e) {
    window.pageDone({ error: String(e && e.stack || e) });
  }
})();
</script>
</body></html>`;

function ffprobe(bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-dom-'));
  try {
    const file = path.join(dir, 'page.webm');
    fs.writeFileSync(file, bytes);
    const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', file], { encoding: 'utf8' });
    return JSON.parse(out).streams;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function checkResult(r) {
  assert.equal(r.error, undefined, r.error);
  assert.ok(r.chunks >= 1, 'dataavailable delivered the recording');
  assert.equal(r.blobIsWindowBlob, true, "the chunks are the window's Blobs");
  assert.ok(r.png.startsWith('data:image/png;base64,'));
  const [video] = ffprobe(Buffer.from(r.bytes));
  assert.equal(video.codec_name, 'vp8');
  assert.equal(video.width, 160);
  assert.equal(video.height, 120);
  assert.ok(Number(video.nb_read_frames) >= 1, `decoded ${video.nb_read_frames} frames`);
}

/** Waits for the page's `pageDone`, with a safety timeout that only fires on failure. */
function pageResult(window) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the page did not finish within 60 s')), 60_000);
    window.pageDone = (r) => {
      clearTimeout(t);
      resolve(r);
    };
  });
}

/** Runs `page` in a jsdom window given to install(); `check(window)` sees it before it closes. */
async function inJsdom(page, check) {
  const { JSDOM } = require('jsdom');
  let done;
  const dom = new JSDOM(page, {
    runScripts: 'dangerously',
    beforeParse(window) {
      mc.install(window);
      done = pageResult(window);
    },
  });
  try {
    return await check(dom.window, done);
  } finally {
    dom.window.close();
  }
}

/** The same in a happy-dom window. */
async function inHappyDom(page, check) {
  const { Window } = require('happy-dom');
  const window = new Window({ settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } });
  try {
    mc.install(window);
    const done = pageResult(window);
    window.document.write(page);
    return await check(window, done);
  } finally {
    await window.happyDOM.close();
  }
}

test('jsdom: the page draws, captures and records a canvas', { timeout: 120_000 }, () =>
  inJsdom(PAGE, async (w, done) => {
    assert.equal(typeof w.HTMLCanvasElement.prototype.captureStream, 'function');
    assert.ok(w.navigator.mediaDevices instanceof mc.MediaDevices);
    assert.equal(Object.getOwnPropertyDescriptor(w.navigator, 'mediaDevices'), undefined, 'on Navigator.prototype');
    checkResult(await done);
  }));

test('happy-dom: the page draws, captures and records a canvas', { timeout: 120_000 }, () =>
  inHappyDom(PAGE, async (w, done) => checkResult(await done)));

// The page: the MDN "still photo" pattern on the DOM's own <video> element.
const VIDEO_PAGE = `<!doctype html>
<html><body>
<video id="v" autoplay muted></video>
<canvas id="c" width="320" height="240"></canvas>
<script>
(async () => {
  try {
    const video = document.getElementById('v');
    const events = [];
    for (const type of ['loadedmetadata', 'playing', 'pause']) video.addEventListener(type, () => events.push(type));
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
    const metadata = new Promise((resolve) => { video.onloadedmetadata = resolve; });
    video.srcObject = stream;
    await metadata;
    await video.play();
    const frame = await new Promise((resolve) => video.requestVideoFrameCallback((now, m) => resolve(m)));
    const canvas = document.getElementById('c');
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const row = Array.from(ctx.getImageData(0, 120, 320, 1).data).filter((_, i) => i % 4 === 0);
    const captured = video.captureStream().getTracks().map((t) => t.kind);
    let sinkError = null;
    try { await video.setSinkId('no-such-output'); } catch (e) { sinkError = e.name; }
    video.pause();
    const paused = video.paused;
    stream.getTracks().forEach((t) => t.stop());
    window.pageDone({
      isDomElement: video instanceof HTMLVideoElement && video instanceof HTMLMediaElement,
      srcObjectKept: video.srcObject === stream,
      size: [video.videoWidth, video.videoHeight],
      frameSize: [frame.width, frame.height],
      muted: video.muted,
      spread: Math.max(...row) - Math.min(...row),
      captured,
      sinkError,
      paused,
      events,
    });
  } catch (e) {
    window.pageDone({ error: String(e && e.stack || e) });
  }
})();
</script>
</body></html>`;

function checkVideoResult(result) {
  // Plain data of Node's realm (the page's arrays are the window's).
  const r = JSON.parse(JSON.stringify(result));
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.isDomElement, true, "getElementById('v') is the DOM's HTMLVideoElement");
  assert.equal(r.srcObjectKept, true);
  assert.deepEqual(r.size, [320, 240], 'videoWidth/videoHeight');
  assert.deepEqual(r.frameSize, [320, 240], 'requestVideoFrameCallback metadata');
  assert.equal(r.muted, true, 'the muted content attribute is the initial muted state');
  // The fake camera's pattern is not one colour: the frame really reached the canvas.
  assert.ok(r.spread > 32, `a drawn row spans ${r.spread} levels of red`);
  assert.deepEqual(r.captured, ['video']);
  assert.equal(r.sinkError, 'NotFoundError');
  assert.equal(r.paused, true);
  assert.deepEqual(r.events.slice(0, 2), ['loadedmetadata', 'playing'], `events: ${r.events}`);
}

test('jsdom: a <video> plays the camera (srcObject, play(), drawImage)', { timeout: 120_000 }, () =>
  inJsdom(VIDEO_PAGE, async (w, done) => {
    assert.notEqual(w.HTMLVideoElement, mc.HTMLVideoElement, "the window keeps jsdom's interface");
    checkVideoResult(await done);
  }));

test('happy-dom: a <video> plays the camera (srcObject, play(), drawImage)', { timeout: 120_000 }, () =>
  inHappyDom(VIDEO_PAGE, async (w, done) => checkVideoResult(await done)));
