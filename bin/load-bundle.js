'use strict';
/**
 * Loads the bundled CLI (dist/bundle/kms-local.cjs) through a V8 code cache, because compiling the
 * ~400 KB bundle is the largest single cost of a start (about a quarter of GetSecretValue's time
 * before the cache). The cache is made at build time (scripts/code-cache.mjs runs the everyday
 * commands once and saves what V8 compiled), and again on first use when it is missing or stale.
 *
 * A cache is only used when its 32-byte header equals the SHA-256 of the cache format, the node
 * version, the architecture, the bundle file's identity (device, inode, size, change and
 * modification times in ns) and the cache's own V8 data. Any rebuild, copy or edit of the bundle
 * changes its identity (stat costs microseconds where hashing the bundle cost half a millisecond of
 * every start). The data is hashed because a release V8 does not checksum a code cache: damaged
 * data crashes the process (seen: a segfault). V8 then checks its own version and flags and may
 * still reject it (`cachedDataRejected`). Either way the bundle
 * simply compiles from source, and a fresh cache replaces the stale one at exit (atomically; a
 * read-only install keeps working, uncached).
 *
 * Code compiled by vm.Script has no loader for a literal `import()`; the bundle imports packages
 * through `importPackage` (src/import-package.ts), which finds this module's `import` here.
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { createHash } = require('node:crypto');

const BUNDLE = path.join(__dirname, '..', 'dist', 'bundle', 'kms-local.cjs');
const CACHE = `${BUNDLE}.cache`;
const FORMAT = 'kms-local-code-cache-1';
const HEADER = 32;

function bundleIdentity(fd) {
  const st = fs.fstatSync(fd, { bigint: true });
  return [FORMAT, process.version, process.arch, st.dev, st.ino, st.size, st.ctimeNs, st.mtimeNs].join('\0');
}

function header(identity, data) {
  return createHash('sha256').update(identity).update(data).digest();
}

/** The bundle's text and identity from one open file, so both describe the same bytes. */
function readBundle() {
  const fd = fs.openSync(BUNDLE, 'r');
  try {
    // The build makes the bundle ASCII (scripts/bundle.mjs checks it): latin1 decodes it at twice
    // the speed of utf8, to a one-byte string.
    return { source: fs.readFileSync(fd).toString('latin1'), identity: bundleIdentity(fd) };
  } finally {
    fs.closeSync(fd);
  }
}

function readCache(identity) {
  try {
    const cache = fs.readFileSync(CACHE);
    const data = cache.subarray(HEADER);
    return cache.length > HEADER && header(identity, data).equals(cache.subarray(0, HEADER)) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Saves what V8 has compiled so far: temp file, fsync and rename, so readers never see half. */
function writeCache(script, identity) {
  const temp = `${CACHE}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    const fd = fs.openSync(temp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, Buffer.concat([header(identity, data), data]));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, CACHE);
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* nothing was written */
    }
  }
}

/**
 * Loads the bundle and returns its `run(argv)` (src/cli/entry.ts). `refresh` is when to save a new cache: 'stale' (the default: only when there was
 * none or V8 rejected it) or 'always' (the build's training run).
 */
function loadBundle({ refresh = 'stale' } = {}) {
  const { source, identity } = readBundle();
  const cachedData = refresh === 'always' ? undefined : readCache(identity);
  globalThis[Symbol.for('kms-local.importPackage')] = (specifier) => import(specifier);
  const script = new vm.Script(Module.wrap(source), { filename: BUNDLE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(script, identity));
  const mod = { exports: {}, filename: BUNDLE, id: BUNDLE };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(BUNDLE), mod, BUNDLE, path.dirname(BUNDLE));
  return { run: mod.exports.run, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

module.exports = { loadBundle, BUNDLE, CACHE };
