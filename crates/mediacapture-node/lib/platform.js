'use strict';
// The platform names of prebuilt binaries (no native code loaded here: scripts use it too).

/**
 * This machine's platform as prebuilt binaries are named: `linux-x64-gnu`, `linux-arm64-musl`,
 * `darwin-arm64`, `win32-x64-msvc` (the napi-rs names).
 */
function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    // glibc reports its version in the process report; musl does not.
    const glibc = process.report?.getReport?.()?.header?.glibcVersionRuntime;
    return `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `${platform}-${arch}-msvc`;
  return `${platform}-${arch}`;
}

module.exports = { platformTriple };
