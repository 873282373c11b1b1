'use strict';
// addtrack / removetrack: fired by the implementation only (a media file restarted after its
// end gives its captured stream new tracks), never by addTrack() / removeTrack().
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { mc, devices, nextEvent } = require('../testlib/helpers');

test('addTrack / removeTrack by the application fire no event', async () => {
  const md = devices();
  const s = await md.getUserMedia({ video: true });
  const fired = [];
  s.onaddtrack = (e) => fired.push(e.type);
  s.onremovetrack = (e) => fired.push(e.type);
  const [t] = s.getTracks();
  const c = t.clone();
  s.addTrack(c);
  s.removeTrack(t);
  await mc.flushEvents();
  assert.deepEqual(fired, []);
  c.stop();
  t.stop();
});

test('a media file restarted after its end: removetrack for the ended tracks, then addtrack for new ones', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-trackset-'));
  const file = path.join(dir, 'in.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=15', '-t', '0.4', '-c:v', 'libvpx', file]);
  const media = mc.openMediaFile(file);
  const stream = media.captureStream();
  const [old] = stream.getVideoTracks();
  const events = [];
  stream.onremovetrack = (e) => events.push(e);
  stream.addEventListener('addtrack', (e) => events.push(e));
  const ended = nextEvent(old, 'ended', 20000);
  await ended;
  // Looping from the restart on: the new track cannot end (0.4 s) before a frame is read,
  // however loaded the machine is.
  media.loop = true;
  media.play();
  const added = nextEvent(stream, 'addtrack', 20000);
  await added;
  assert.deepEqual(
    events.map((e) => e.type),
    ['removetrack', 'addtrack'],
  );
  const [removed, add] = events;
  assert.ok(removed instanceof mc.MediaStreamTrackEvent);
  assert.equal(removed.isTrusted, true);
  assert.equal(removed.bubbles, false);
  assert.equal(removed.cancelable, false);
  assert.equal(removed.track, old, 'the same track object');
  assert.equal(old.readyState, 'ended', 'ended before removed');
  const [now] = stream.getVideoTracks();
  assert.equal(add.track, now);
  assert.notEqual(now, old);
  assert.equal(now.readyState, 'live');
  assert.deepEqual(stream.getTracks(), [now]);
  const frames = now.frames();
  const { value } = await frames.next();
  assert.equal(value.width, 64, 'the new track plays the file again');
  now.stop();
  media.pause();
  await frames.return();
  fs.rmSync(dir, { recursive: true, force: true });
});
