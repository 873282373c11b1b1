'use strict';
// index.d.ts under `tsc --strict`: TypeScript versions of the README's example and of the
// usual browser (MDN) patterns compile against the package's own types (no DOM lib), and
// DOM-typed code (lib.dom.d.ts) compiles against them (test/types/).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const tsc = require.resolve('typescript/bin/tsc');

function compile(project) {
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', project)], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('tsc --strict: the README and MDN examples in TypeScript', { timeout: 120_000 }, () => {
  const r = compile('tsconfig.json');
  assert.equal(r.status, 0, r.out);
});

test('tsc --strict: DOM-typed code against the package (lib.dom)', { timeout: 120_000 }, () => {
  const r = compile('tsconfig.dom.json');
  assert.equal(r.status, 0, r.out);
});
