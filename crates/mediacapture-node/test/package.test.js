'use strict';
// The npm package as users get it: `npm pack` gives a tarball (not private, engines, files,
// types) with the prebuilt binary inside; it installs into an empty directory and runs
// getUserMedia on fake devices with no Rust toolchain on PATH; on another platform it fails
// with an error naming that platform.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { platformTriple } = require('../lib/platform');

const pkgDir = path.join(__dirname, '..');

function npm(args, cwd, env = process.env) {
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('npm pack, install into an empty directory, run getUserMedia without Rust', { timeout: 300_000 }, (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-pack-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));

  // Pack (prepack puts the built addon into prebuilds/<platform>/).
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], pkgDir));
  const { filename, files } = packed[0];
  const names = files.map((f) => f.path);
  for (const f of ['package.json', 'index.js', 'index.d.ts', 'README.md', 'lib/internal.js', `prebuilds/${platformTriple()}/mediacapture.node`]) {
    assert.ok(names.includes(f), `${f} is in the tarball (${names.join(', ')})`);
  }
  assert.ok(!names.some((n) => n.startsWith('test/') || n.startsWith('src/') || n === 'mediacapture.node'), 'no tests, sources or dev build');
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(manifest.private, undefined, 'not private');
  assert.equal(manifest.types, 'index.d.ts');
  assert.ok(manifest.engines?.node, 'engines.node');

  // Install into an empty project.
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  npm(['install', '--no-audit', '--no-fund', '--offline', path.join(work, filename)], app);
  const installed = path.join(app, 'node_modules', 'mediacapture');
  assert.ok(fs.existsSync(path.join(installed, 'index.d.ts')));

  // PATH with node only: no cargo, no rustc.
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const env = { HOME: work, PATH: bin, MEDIACAPTURE_FAKE: '1' };
  assert.equal(spawnSync('cargo', ['--version'], { env }).error?.code, 'ENOENT', 'cargo is not on PATH');
  assert.equal(spawnSync('rustc', ['--version'], { env }).error?.code, 'ENOENT', 'rustc is not on PATH');
  const script = `
    const mc = require('mediacapture');
    if (!require.resolve('mediacapture').startsWith(${JSON.stringify(installed)})) throw new Error('not the installed copy');
    mc.install();
    navigator.mediaDevices.getUserMedia({ video: { width: 640 }, audio: true }).then((s) => {
      const v = s.getVideoTracks()[0].getSettings();
      console.log(JSON.stringify({ kinds: s.getTracks().map((t) => t.kind), width: v.width, label: s.getVideoTracks()[0].label }));
      s.getTracks().forEach((t) => t.stop());
    });
  `;
  const out = execFileSync(path.join(bin, 'node'), ['-e', script], { cwd: app, env, encoding: 'utf8' });
  const r = JSON.parse(out.trim());
  assert.deepEqual(r.kinds, ['audio', 'video']);
  assert.equal(r.width, 640);
  assert.equal(r.label, 'Fake Camera');

  // Another platform: a clear error that names it.
  const other = spawnSync(
    path.join(bin, 'node'),
    ['-e', "Object.defineProperty(process, 'arch', { value: 'riscv64' }); require('mediacapture')"],
    { cwd: app, env, encoding: 'utf8' },
  );
  assert.notEqual(other.status, 0);
  assert.match(other.stderr, /no native addon for this platform \(linux-riscv64-gnu\)/);
  assert.match(other.stderr, new RegExp(`prebuilt binaries for: ${platformTriple()}`));
});
