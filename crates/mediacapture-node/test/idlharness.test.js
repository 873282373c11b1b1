'use strict';
// WPT's idlharness.js over the specs' IDL (test/idl/), on the globals install() defines, as the
// browser test suites check a browser. Each run is a child process (testlib/idlharness.js);
// the failures must be exactly those testlib/idlharness-expectations.js lists with a reason.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { runs, expectations } = require('../testlib/idlharness-expectations');

const runner = path.join(__dirname, '..', 'testlib', 'idlharness.js');

function runHarness(file, mode) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [runner, file, mode],
      { env: { ...process.env, MEDIACAPTURE_FAKE: '1' }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`idlharness ${file} (${mode}) failed: ${err.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout));
        } catch (e) {
          reject(new Error(`idlharness ${file} (${mode}) printed no results: ${e.message}\n${stderr}`));
        }
      },
    );
  });
}

for (const run of runs) {
  test(`idlharness: ${run.name}`, async (t) => {
    const results = await runHarness(run.file, run.mode);
    assert.ok(results.length > 0, 'the harness ran tests');
    const mine = expectations.filter((e) => e.run === run.name);
    const failing = results.filter((r) => r.status !== 'PASS');
    const unexpected = failing.filter((r) => !mine.some((e) => e.match.test(r.name)));
    const passing = results.filter((r) => r.status === 'PASS');
    t.diagnostic(`${run.name}: ${passing.length} pass, ${failing.length} fail (all expected: ${unexpected.length === 0})`);
    assert.deepEqual(
      unexpected.map((r) => `${r.name}: ${r.message}`),
      [],
      'failures not listed in testlib/idlharness-expectations.js',
    );
    // An expectation that matches no failure any more is stale.
    const stale = mine.filter((e) => !failing.some((r) => e.match.test(r.name)));
    if (run.strict) {
      assert.deepEqual(
        stale.map((e) => String(e.match)),
        [],
        'expected failures that pass now: remove them from testlib/idlharness-expectations.js',
      );
    } else {
      for (const e of stale) t.diagnostic(`now passing, remove the expectation: ${e.match}`);
    }
  });
}
