'use strict';
// Shared by the tests: the package, fake device profiles, and small promise helpers.
process.env.MEDIACAPTURE_FAKE = process.env.MEDIACAPTURE_FAKE || '1';
const mc = require('..');

const CAMERA = {
  kind: 'videoinput',
  label: 'Test Camera',
  id: 'cam0',
  facingMode: 'user',
  modes: [
    { width: 640, height: 480, frameRate: 30 },
    { width: 1280, height: 720, frameRate: 30 },
  ],
};
const MIC = { kind: 'audioinput', label: 'Test Mic', id: 'mic0', sampleRate: [48000], channelCount: [1, 2] };
const SPEAKER = { kind: 'audiooutput', label: 'Test Speaker', id: 'spk0' };
const SCREEN = { kind: 'screen', label: 'Test Screen', width: 1280, height: 720, frameRate: 30 };

/** A fresh MediaDevices (own exposure state and permissions) on fake devices. */
function devices(list = [CAMERA, MIC, SPEAKER, SCREEN], origin = 'https://test.example') {
  return mc.createMediaDevices({ origin, fakeProfile: { devices: list } });
}

/** Resolves with the rejection reason; fails if `p` resolves. */
async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

/** True when `p` is already rejected (a browser's synchronous getUserMedia checks). */
async function alreadyRejected(p) {
  const tick = {};
  try {
    await Promise.race([p, Promise.resolve(tick)]);
    return false;
  } catch {
    return true;
  }
}

/** Resolves with the next event of `type` at `target`, or rejects after `ms`. */
function nextEvent(target, type, ms = 3000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
    target.addEventListener(
      type,
      (e) => {
        clearTimeout(t);
        resolve(e);
      },
      { once: true },
    );
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { mc, CAMERA, MIC, SPEAKER, SCREEN, devices, rejection, alreadyRejected, nextEvent, sleep };
