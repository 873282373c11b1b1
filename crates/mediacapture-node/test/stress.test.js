'use strict';
// getUserMedia / clone / frames / stop in a loop from JS, as crates/mediacapture/tests/stress.rs:
// every capture thread is joined (the process's thread count comes back).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { mc, devices, sleep } = require('../testlib/helpers');

function threadCount() {
  return fs.readdirSync('/proc/self/task').length;
}

test('100 rounds of getUserMedia, clone x3, frames, stop: threads come back', { timeout: 120000, skip: !fs.existsSync('/proc/self/task') }, async () => {
  const md = devices();
  const warm = await md.getUserMedia({ video: true, audio: true });
  warm.getTracks().forEach((t) => t.stop());
  await mc.flushEvents();
  // Threads of the warm-up exit on their own; counting too early only makes `before` larger
  // (the test more lenient), so this short wait cannot make it fail.
  await sleep(200);
  const before = threadCount();
  for (let round = 0; round < 100; round++) {
    const s = await md.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
    const [v] = s.getVideoTracks();
    const clones = [v.clone(), v.clone(), v.clone()];
    clones.forEach((c) => (c.onended = () => {}));
    if (round % 20 === 0) {
      const it = clones[0].frames();
      const { value } = await it.next();
      assert.equal(value.width, 640);
      await it.return();
    }
    for (const t of [...clones, ...s.getTracks()]) t.stop();
  }
  await mc.flushEvents();
  let after = threadCount();
  for (let i = 0; i < 20 && after > before; i++) {
    await sleep(100);
    after = threadCount();
  }
  assert.ok(after <= before, `threads: ${before} before, ${after} after`);
});
