'use strict';
// AudioContext: shapes, bad input, microphone -> AnalyserNode (440 Hz), oscillator ->
// MediaStreamDestination -> an ordinary track carrying 1 kHz, AudioParams, destination.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mc, rejection } = require('../testlib/helpers');

const isDom = (name) => (e) => e instanceof DOMException && e.name === name;

/** Polls `f` (the analyser has no event) until it returns a value, or fails after `ms`. */
async function until(f, ms = 20000) {
  const deadline = Date.now() + ms; // a safety timeout only: fires on failure
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('interfaces, defaults and bad input', async () => {
  assert.throws(() => new mc.AudioNode(), TypeError);
  assert.throws(() => new mc.AudioParam(), TypeError);
  const ctx = new mc.AudioContext();
  assert.equal(ctx.sampleRate, 48000);
  assert.equal(ctx.state, 'running');
  assert.equal(typeof ctx.currentTime, 'number');
  assert.ok(ctx.destination instanceof mc.AudioDestinationNode);
  assert.equal(ctx.destination, ctx.destination);
  assert.equal(ctx.destination.maxChannelCount, 2);
  assert.equal(ctx.destination.numberOfInputs, 1);
  const osc = ctx.createOscillator();
  assert.ok(osc instanceof mc.OscillatorNode && osc instanceof mc.AudioScheduledSourceNode && osc instanceof mc.AudioNode);
  assert.equal(osc.context, ctx);
  assert.equal(osc.type, 'sine');
  osc.type = 'square';
  assert.equal(osc.type, 'square');
  osc.type = 'no-such-type'; // ignored, as an invalid enumeration value in a setter
  assert.equal(osc.type, 'square');
  assert.throws(() => (osc.type = 'custom'), isDom('InvalidStateError'));
  assert.equal(osc.frequency.value, 440);
  assert.equal(osc.frequency.defaultValue, 440);
  assert.equal(osc.numberOfInputs, 0);
  assert.equal(osc.numberOfOutputs, 1);
  assert.throws(() => osc.stop(), isDom('InvalidStateError'));
  osc.start();
  assert.throws(() => osc.start(), isDom('InvalidStateError'));
  const gain = new mc.GainNode(ctx, { gain: 0.5 });
  assert.equal(gain.gain.value, 0.5);
  assert.equal(gain.gain.setValueAtTime(0.25, 0), gain.gain, 'automation methods return the param');
  assert.throws(() => gain.gain.setValueAtTime(1, -1), RangeError);
  assert.throws(() => gain.gain.exponentialRampToValueAtTime(0, 1), RangeError);
  assert.throws(() => (gain.gain.value = NaN), TypeError);
  assert.equal(osc.connect(gain), gain, 'connect returns its destination');
  assert.equal(gain.connect(ctx.destination), ctx.destination);
  assert.equal(osc.connect(gain.gain), undefined);
  osc.disconnect(gain.gain);
  gain.disconnect();
  const an = ctx.createAnalyser();
  assert.equal(an.fftSize, 2048);
  assert.equal(an.frequencyBinCount, 1024);
  assert.throws(() => (an.fftSize = 1000), isDom('IndexSizeError'));
  assert.throws(() => (an.minDecibels = 0), isDom('IndexSizeError'));
  assert.throws(() => (an.smoothingTimeConstant = 2), isDom('IndexSizeError'));
  assert.throws(() => an.getFloatFrequencyData(new Uint8Array(4)), TypeError);
  assert.throws(() => ctx.createChannelSplitter(0), isDom('IndexSizeError'));
  assert.throws(() => ctx.createDelay(200), isDom('NotSupportedError'));
  assert.throws(() => new mc.AudioContext({ sampleRate: 1 }), isDom('NotSupportedError'));
  assert.throws(() => new mc.AudioContext({ sinkId: 'no-such-device' }), isDom('NotFoundError'));
  const other = new mc.AudioContext({ sampleRate: 44100 });
  assert.equal(other.sampleRate, 44100);
  assert.throws(() => osc.connect(other.createGain()), isDom('InvalidAccessError'));
  await other.close();
  assert.throws(() => ctx.createMediaStreamSource({}), TypeError);
  const video = await mc.mediaDevices.getUserMedia({ video: true });
  assert.throws(() => ctx.createMediaStreamSource(video), isDom('InvalidStateError'));
  assert.throws(() => ctx.createMediaStreamTrackSource(video.getVideoTracks()[0]), isDom('InvalidStateError'));
  video.getTracks().forEach((t) => t.stop());
  // One statechange per change, fired before the call's promise settles (the spec's
  // resume/suspend/close steps resolve it and fire the event in one task).
  const seen = [];
  ctx.onstatechange = (ev) => {
    assert.ok(ev.isTrusted);
    seen.push(ctx.state);
  };
  await ctx.suspend();
  assert.equal(ctx.state, 'suspended');
  assert.deepEqual(seen, ['suspended']);
  await ctx.suspend();
  assert.deepEqual(seen, ['suspended'], 'no event when the state does not change');
  await ctx.resume();
  assert.equal(ctx.state, 'running');
  assert.deepEqual(seen, ['suspended', 'running']);
  await ctx.close();
  assert.equal(ctx.state, 'closed');
  assert.deepEqual(seen, ['suspended', 'running', 'closed']);
  const e = await rejection(ctx.resume());
  assert.ok(isDom('InvalidStateError')(e));
  assert.throws(() => ctx.createGain(), isDom('InvalidStateError'));
});

test('the microphone into an AnalyserNode peaks at 440 Hz', async () => {
  const ctx = new mc.AudioContext();
  // Noise suppression takes a steady tone away; this test follows the tone.
  const stream = await mc.mediaDevices.getUserMedia({ audio: { noiseSuppression: false } });
  const source = ctx.createMediaStreamSource(stream);
  assert.ok(source instanceof mc.MediaStreamAudioSourceNode);
  assert.equal(source.mediaStream, stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 4096;
  source.connect(analyser);
  const hzPerBin = ctx.sampleRate / 4096;
  const data = new Float32Array(analyser.frequencyBinCount);
  // Waits until the analyser holds the tone (the fake microphone beeps at 880 Hz for 100 ms
  // each second: that is not it).
  const peak = await until(() => {
    analyser.getFloatFrequencyData(data);
    const i = data.indexOf(Math.max(...data));
    return data[i] > -40 && Math.abs(i * hzPerBin - 440) <= hzPerBin ? i * hzPerBin : undefined;
  });
  assert.ok(Math.abs(peak - 440) <= hzPerBin);
  const time = new Uint8Array(2048);
  analyser.getByteTimeDomainData(time);
  assert.ok(Math.max(...time) > 140 && Math.min(...time) < 116, 'a loud waveform around 128');
  await ctx.close();
  stream.getTracks().forEach((t) => t.stop());
});

test('oscillator -> createMediaStreamDestination(): an ordinary track carrying 1 kHz', async () => {
  const ctx = new mc.AudioContext();
  const osc = ctx.createOscillator();
  osc.frequency.value = 1000;
  const dest = ctx.createMediaStreamDestination();
  assert.ok(dest instanceof mc.MediaStreamAudioDestinationNode);
  assert.ok(dest.stream instanceof mc.MediaStream);
  assert.equal(dest.stream, dest.stream);
  osc.connect(dest);
  osc.start();
  const [track] = dest.stream.getAudioTracks();
  assert.equal(track.kind, 'audio');
  assert.equal(track.readyState, 'live');
  assert.equal(track.getSettings().sampleRate, 48000);
  assert.equal(track.getSettings().channelCount, 2);
  // Half a second of the track's audio: the sine crosses zero upwards 1000 times a second.
  const samples = [];
  const reader = track.clone().frames();
  for await (const block of reader) {
    for (let i = 0; i < block.numberOfFrames; i++) samples.push(block.data[i * block.numberOfChannels]);
    if (samples.length >= 48000) break;
  }
  const part = samples.slice(24000, 48000);
  let ups = 0;
  for (let i = 1; i < part.length; i++) if (part[i - 1] < 0 && part[i] >= 0) ups++;
  assert.ok(Math.abs(ups - 500) <= 2, `${ups} upward zero crossings in 0.5 s`);
  const rms = Math.sqrt(part.reduce((a, s) => a + s * s, 0) / part.length);
  assert.ok(Math.abs(rms - Math.SQRT1_2) < 0.02, `rms ${rms}`);
  const ended = new Promise((resolve) => (track.onended = resolve));
  const oscEnded = new Promise((resolve) => (osc.onended = resolve));
  osc.stop();
  await oscEnded;
  await ctx.close(); // the destination's track ends with its context
  await ended;
  assert.equal(track.readyState, 'ended');
});
