'use strict';
// Helpers of the WebRTC tests: signalling between two peer connections of this process,
// waiting on events and stats (with a safety timeout that only fires on failure), reading
// the fake camera's frame counter and measuring a tone in audio.

// Only reached when the behaviour under test is broken: tests never assert timings.
const SAFETY_MS = 30_000;

/** Resolves with the first `type` event of `target` for which `pred(event)` holds. */
function waitFor(target, type, pred = () => true, what = type) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, on);
      reject(new Error(`timed out waiting for ${what}`));
    }, SAFETY_MS);
    function on(e) {
      if (!pred(e)) return;
      clearTimeout(timer);
      target.removeEventListener(type, on);
      resolve(e);
    }
    target.addEventListener(type, on);
  });
}

/** Resolves when `pc.connectionState` is `state` (now or later). */
function waitState(pc, state) {
  if (pc.connectionState === state) return Promise.resolve();
  return waitFor(pc, 'connectionstatechange', () => pc.connectionState === state, `connectionState ${state}`);
}

/**
 * Trickles each side's candidates to the other (the spec's flow, as a page does over its
 * signalling channel). Candidates that arrive before the remote description are queued.
 */
function trickle(a, b) {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ]) {
    const queue = [];
    const flush = () => {
      while (queue.length > 0 && to.remoteDescription) to.addIceCandidate(queue.shift()).catch(() => {});
    };
    from.addEventListener('icecandidate', (e) => {
      if (e.candidate) queue.push(e.candidate);
      flush();
    });
    to.addEventListener('signalingstatechange', flush);
  }
}

/** The offer/answer exchange: `offerer` offers, `answerer` answers. */
async function negotiate(offerer, answerer) {
  const offer = await offerer.createOffer();
  await offerer.setLocalDescription(offer);
  await answerer.setRemoteDescription(offerer.localDescription);
  const answer = await answerer.createAnswer();
  await answerer.setLocalDescription(answer);
  await offerer.setRemoteDescription(answerer.localDescription);
}

/**
 * Polls `pc.getStats()` until `pred(report)` holds (stats move only as media flows, which no
 * event announces; each poll waits for the event loop to turn, not for a fixed time to pass
 * as an assertion).
 */
async function statsUntil(pc, pred, what) {
  const deadline = Date.now() + SAFETY_MS;
  for (;;) {
    const report = await pc.getStats();
    if (pred(report)) return report;
    if (Date.now() > deadline) throw new Error(`timed out waiting for stats: ${what}; last: ${JSON.stringify([...report.values()])}`);
    // A poll interval, not a measured time: how often to look again.
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statsOf = (report, type, kind) => [...report.values()].find((s) => s.type === type && (kind === undefined || s.kind === kind));

/**
 * The frame counter the fake camera draws (a band of 56 black/white cells at the top of the
 * picture: sync bits 1 0, 48 payload bits, a 6-bit count of the ones), read from an I420
 * frame as `mediacapture_hal::fake::read_frame_counter` reads it; null when unreadable.
 */
function readFrameCounter(f) {
  const { width: w, height: h, data } = f;
  const CELLS = 56;
  const BAND_DIV = 24;
  if (f.format !== 'I420' || w < CELLS || h < BAND_DIV * 2) return null;
  const yc = h / (2 * BAND_DIV);
  const cellW = w / CELLS;
  const bandH = h / BAND_DIV;
  const rx = Math.min(2, Math.max(0, Math.floor(cellW / 6)));
  const ry = Math.min(2, Math.max(0, Math.floor(bandH / 6)));
  const clamp = (v, hi) => Math.min(hi, Math.max(0, v));
  const bits = [];
  for (let i = 0; i < CELLS; i++) {
    const xc = Math.trunc((i + 0.5) * cellW);
    let sum = 0;
    let n = 0;
    for (let dy = -ry; dy <= ry; dy++) {
      for (let dx = -rx; dx <= rx; dx++) {
        sum += data[clamp(Math.trunc(yc) + dy, h - 1) * w + clamp(xc + dx, w - 1)];
        n++;
      }
    }
    bits.push(Math.floor(sum / n) >= 128);
  }
  if (!bits[0] || bits[1]) return null;
  let payload = 0;
  let ones = 0;
  for (const b of bits.slice(2, 50)) {
    payload = payload * 2 + (b ? 1 : 0);
    ones += b ? 1 : 0;
  }
  let check = 0;
  for (const b of bits.slice(50)) check = check * 2 + (b ? 1 : 0);
  return check === ones ? payload : null;
}

/** Power of `samples` (mono) at `freq` Hz (Goertzel), normalised by the length. */
function powerAt(samples, sampleRate, freq) {
  const k = (2 * Math.cos((2 * Math.PI * freq) / sampleRate));
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s = x + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

/** The first channel of `seconds` of audio from a track's frames(), as one Float32Array. */
async function collectAudio(track, seconds) {
  const out = [];
  let rate = 48000;
  let total = 0;
  const it = track.frames();
  for await (const a of it) {
    rate = a.sampleRate;
    const ch = a.numberOfChannels;
    const mono = new Float32Array(a.numberOfFrames);
    for (let i = 0; i < a.numberOfFrames; i++) mono[i] = a.data[i * ch];
    out.push(mono);
    total += mono.length;
    if (total >= seconds * rate) break;
  }
  const all = new Float32Array(total);
  let o = 0;
  for (const m of out) {
    all.set(m, o);
    o += m.length;
  }
  return { samples: all, sampleRate: rate };
}

/** Which of `candidates` (Hz) is strongest in `samples`, with every power. */
function strongest(samples, sampleRate, candidates) {
  const powers = candidates.map((f) => [f, powerAt(samples, sampleRate, f)]);
  powers.sort((x, y) => y[1] - x[1]);
  return { freq: powers[0][0], powers };
}

module.exports = { SAFETY_MS, waitFor, waitState, trickle, negotiate, statsUntil, statsOf, readFrameCounter, powerAt, collectAudio, strongest };
