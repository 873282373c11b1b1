#!/usr/bin/env node
// Builds the addon with cargo and copies the cdylib next to package.json as mediacapture.node.
//
//   node scripts/build.js           # release build (what `npm run build` does)
//   node scripts/build.js --debug   # debug build
//
// The cargo target directory is found with `cargo metadata` (so CARGO_TARGET_DIR and
// .cargo/config.toml are honoured), never assumed.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const debug = process.argv.includes('--debug');
const pkgDir = path.resolve(__dirname, '..');
const cargo = process.env.CARGO || 'cargo';

const args = ['build', '-p', 'mediacapture-node'];
if (!debug) args.push('--release');
execFileSync(cargo, args, { cwd: pkgDir, stdio: 'inherit' });

const meta = JSON.parse(
  execFileSync(cargo, ['metadata', '--format-version', '1', '--no-deps'], {
    cwd: pkgDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  }),
);
const profileDir = path.join(meta.target_directory, debug ? 'debug' : 'release');
const names = {
  linux: 'libmediacapture_node.so',
  darwin: 'libmediacapture_node.dylib',
  win32: 'mediacapture_node.dll',
};
const lib = path.join(profileDir, names[process.platform] || names.linux);
if (!fs.existsSync(lib)) {
  console.error(`build.js: ${lib} was not produced by cargo`);
  process.exit(1);
}
const out = path.join(pkgDir, 'mediacapture.node');
// Copy to a temporary name and rename: a running node keeps the old inode mapped.
const tmp = `${out}.${process.pid}.tmp`;
fs.copyFileSync(lib, tmp);
fs.renameSync(tmp, out);
console.log(`build.js: ${path.relative(process.cwd(), lib)} -> ${path.relative(process.cwd(), out)}`);
