'use strict';
// Churn soak (#13.5): 2,000 getUserMedia({video, audio}) + stop() cycles after a warm-up, in
// a process of its own (scripts/churn.js): open file descriptors, threads and native memory
// stay flat. The figures are printed (TAP diagnostics) whatever the outcome.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const CYCLES = 2000;
const WARMUP = 1000;
// Bounds, from cycle WARMUP to cycle WARMUP + CYCLES:
// - descriptors and threads: at most 2 more (a getUserMedia thread may still be finishing
//   after settling its promise); a leak of one per cycle would be 2,000.
const MAX_FD_GROWTH = 2;
const MAX_THREAD_GROWTH = 2;
// - native memory (RSS minus V8's heap, after a full GC), with one malloc arena (see below):
//   at most 2 MiB, about 1 KiB a cycle. Measured on the debug and release builds: 1.0-1.5
//   MiB when nothing leaks (allocator fragmentation settling); 2.9-3.3 MiB with the
//   MediaDevices hub-list leak (one dead SourceHub allocation, ~0.5 KiB, kept per opened
//   source).
const MAX_NATIVE_GROWTH_KIB = 2048;

const linux = fs.existsSync('/proc/self/task');
let figures = null;

function soak() {
  if (figures !== null) return figures;
  const script = path.join(__dirname, '..', 'scripts', 'churn.js');
  const r = spawnSync(process.execPath, ['--expose-gc', script, String(CYCLES), String(WARMUP), 'both'], {
    encoding: 'utf8',
    // Only a hang makes this fire.
    timeout: 600000,
    env: {
      ...process.env,
      MEDIACAPTURE_FAKE: '1',
      // glibc gives threads arenas of their own (up to 8 per core); a churn of short-lived
      // capture threads spreads allocations over them, and their freed pages stay resident,
      // which grows RSS by several MiB before it levels off and would hide a leak of the
      // size this test looks for. One arena measures what is really held.
      MALLOC_ARENA_MAX: '1',
    },
  });
  assert.equal(r.status, 0, `churn.js failed: ${r.stderr}`);
  figures = JSON.parse(r.stdout);
  return figures;
}

function table(samples) {
  return samples.map((s) => `cycle ${s.cycle}: rss ${s.rssKiB} KiB, v8 heap ${s.heapTotalKiB} KiB, native ${s.rssKiB - s.heapTotalKiB} KiB, fds ${s.fds}, threads ${s.threads}`);
}

test(`${CYCLES} getUserMedia/stop cycles: file descriptors and threads stay flat`, { skip: !linux, timeout: 600000 }, (t) => {
  const { samples } = soak();
  for (const line of table(samples)) t.diagnostic(line);
  const first = samples[0];
  const last = samples.at(-1);
  assert.equal(first.cycle, WARMUP);
  assert.equal(last.cycle, WARMUP + CYCLES);
  assert.ok(last.fds - first.fds <= MAX_FD_GROWTH, `fds ${first.fds} -> ${last.fds}`);
  assert.ok(last.threads - first.threads <= MAX_THREAD_GROWTH, `threads ${first.threads} -> ${last.threads}`);
});

test(
  `${CYCLES} getUserMedia/stop cycles: native memory stays flat (<= ${MAX_NATIVE_GROWTH_KIB} KiB)`,
  {
    skip: !linux,
    timeout: 600000,
    // The library (crates/mediacapture) keeps a Weak<SourceHub> per opened source in
    // MediaDevices' hub list, pruned only by enumerateDevices, permission changes and
    // getDisplayMedia: each pins its hub's allocation. Remove this once that is fixed.
    todo: 'until the hub list of mediacapture::MediaDevices is pruned when sources open',
  },
  (t) => {
    const { samples } = soak();
    const native = (s) => s.rssKiB - s.heapTotalKiB;
    const growth = native(samples.at(-1)) - native(samples[0]);
    t.diagnostic(`native memory growth over ${CYCLES} cycles: ${growth} KiB (${((growth * 1024) / CYCLES).toFixed(0)} bytes a cycle)`);
    assert.ok(growth <= MAX_NATIVE_GROWTH_KIB, `native memory grew by ${growth} KiB`);
  },
);
