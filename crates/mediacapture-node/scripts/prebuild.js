#!/usr/bin/env node
// `npm pack` / `npm publish` (prepack): puts the addon built by `npm run build` into
// prebuilds/<platform>/mediacapture.node, the file an installed package loads, with its debug
// information stripped (the release profile keeps line tables for profiling; users need not
// download them).
//
// One package holds the binaries (not the napi-rs layout of one npm package per platform):
// there is one platform to ship (linux-x64-gnu), and one tarball installs and is tested
// offline as it is. With more platforms built in CI, per-platform packages become worth it
// (each user then downloads only their binary); lib/internal.js already names platforms the
// napi-rs way.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkgDir = path.resolve(__dirname, '..');
const built = path.join(pkgDir, 'mediacapture.node');
if (!fs.existsSync(built)) {
  console.error('prebuild.js: mediacapture.node is missing: run `npm run build` first');
  process.exit(1);
}
const { platformTriple } = require('../lib/platform');
const dir = path.join(pkgDir, 'prebuilds', platformTriple());
fs.mkdirSync(dir, { recursive: true });
const out = path.join(dir, 'mediacapture.node');
fs.copyFileSync(built, out);
try {
  execFileSync('strip', ['--strip-debug', out], { stdio: 'inherit' });
} catch (e) {
  console.warn(`prebuild.js: strip failed (${e.message}); the binary keeps its debug information`);
}
console.error(`prebuild.js: ${path.relative(pkgDir, out)} (${fs.statSync(out).size} bytes)`);
