#!/usr/bin/env node
// getUserMedia / stop churn: RSS, open file descriptors and threads of this process after
// a warm-up and after every 500 further cycles (#13.5). Used by test/churn.test.js; run it by
// hand for longer soaks:
//
//   MEDIACAPTURE_FAKE=1 node --expose-gc scripts/churn.js [cycles=2000] [warmup=300] [video|audio|both]
//
// Prints one JSON object: {cycles, warmup, constraints, samples: [{cycle, rssKiB, heapKiB,
// heapTotalKiB, externalKiB, heapInUseKiB, fds, threads}]} (heapInUseKiB: native heap in use
// as the allocator counts it, null where unknown). Samples are taken after a garbage collection (when
// --expose-gc is given) so that native objects JavaScript no longer holds are released.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

process.env.MEDIACAPTURE_FAKE = process.env.MEDIACAPTURE_FAKE || '1';
const mc = require(path.join(__dirname, '..', 'index.js'));

const cycles = Number(process.argv[2] ?? 2000);
const warmup = Number(process.argv[3] ?? 300);
const kind = process.argv[4] ?? 'both';
const constraints = { video: kind !== 'audio', audio: kind !== 'video' };

const count = (dir) => fs.readdirSync(dir).length;
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function sample(cycle) {
  for (let i = 0; i < 3; i++) {
    if (global.gc) global.gc();
    await tick(); // finalizers of collected native objects run in a later tick
  }
  await mc.flushEvents();
  const m = process.memoryUsage();
  const heapInUse = mc.diagnostics.nativeHeapInUse();
  return {
    cycle,
    rssKiB: Math.round(m.rss / 1024),
    heapKiB: Math.round(m.heapUsed / 1024),
    heapTotalKiB: Math.round(m.heapTotal / 1024),
    externalKiB: Math.round(m.external / 1024),
    heapInUseKiB: heapInUse === null ? null : Math.round(heapInUse / 1024),
    fds: count('/proc/self/fd'),
    threads: count('/proc/self/task'),
  };
}

(async () => {
  const md = mc.createMediaDevices({});
  const samples = [];
  for (let i = 1; i <= warmup + cycles; i++) {
    const s = await md.getUserMedia(constraints);
    for (const t of s.getTracks()) t.stop();
    if (i === warmup || (i > warmup && (i - warmup) % 500 === 0) || i === warmup + cycles) {
      if (samples.at(-1)?.cycle !== i) samples.push(await sample(i));
    }
  }
  console.log(JSON.stringify({ cycles, warmup, constraints, samples }));
})();
