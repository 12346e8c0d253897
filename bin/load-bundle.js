'use strict';
/**
 * Loads the bundled CLI (dist/bundle/kms-local.cjs, and dist/bundle/kms-local-lazy.cjs when a
 * command needs what only src/lazy.ts reaches; see scripts/bundle.mjs) through a V8 code cache per
 * bundle, because compiling the ~400 KB main bundle is the largest single cost of a start (about a
 * quarter of GetSecretValue's time before the cache). The caches are made at build time
 * (scripts/code-cache.mjs runs the everyday commands once and saves what V8 compiled), and again on
 * first use when one is missing or stale.
 *
 * A cache is only used when its 32-byte header equals the SHA-256 of the cache format, the node
 * version, the architecture, the bundle file's identity (device, inode, size, change and
 * modification times in ns) and the cache's own V8 data. Any rebuild, copy or edit of a bundle
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
// The CommonJS loader's Module class, as `require('node:module')` exports it: taken from this
// module's own object, because loading the public 'module' builtin also loads the source-map and
// ES-module-loader internals (about 0.2 ms of every start) for nothing used here.
const Module = module.constructor.createRequire && module.constructor.wrap ? module.constructor : require('node:module');
const { createHash } = require('node:crypto');

const BUNDLE = path.join(__dirname, '..', 'dist', 'bundle', 'kms-local.cjs');
const LAZY_BUNDLE = path.join(__dirname, '..', 'dist', 'bundle', 'kms-local-lazy.cjs');
const FORMAT = 'kms-local-code-cache-1';
const HEADER = 32;

function bundleIdentity(fd) {
  const st = fs.fstatSync(fd, { bigint: true });
  return [FORMAT, process.version, process.arch, st.dev, st.ino, st.size, st.ctimeNs, st.mtimeNs].join('\0');
}

function header(identity, data) {
  return createHash('sha256').update(identity).update(data).digest();
}

/** A bundle's text and identity from one open file, so both describe the same bytes. */
function readBundle(file) {
  const fd = fs.openSync(file, 'r');
  try {
    // The build makes the bundles ASCII (scripts/bundle.mjs checks it): latin1 decodes them at
    // twice the speed of utf8, to a one-byte string.
    return { source: fs.readFileSync(fd).toString('latin1'), identity: bundleIdentity(fd) };
  } finally {
    fs.closeSync(fd);
  }
}

function readCache(cachePath, identity) {
  try {
    const cache = fs.readFileSync(cachePath);
    const data = cache.subarray(HEADER);
    return cache.length > HEADER && header(identity, data).equals(cache.subarray(0, HEADER)) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Saves what V8 has compiled so far: temp file, fsync and rename, so readers never see half. */
function writeCache(script, identity, cachePath) {
  const temp = `${cachePath}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    const fd = fs.openSync(temp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, Buffer.concat([header(identity, data), data]));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, cachePath);
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* nothing was written */
    }
  }
}

/**
 * Runs one bundle file through its code cache (`<file>.cache`) and returns its exports. `refresh`
 * is when to save a new cache: 'stale' (only when there was none or V8 rejected it) or 'always'.
 */
function runBundle(file, refresh) {
  const cachePath = `${file}.cache`;
  const { source, identity } = readBundle(file);
  const cachedData = refresh === 'always' ? undefined : readCache(cachePath, identity);
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(script, identity, cachePath));
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return { exports: mod.exports, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

/**
 * Loads the main bundle and returns its `run(argv)` (src/cli/entry.ts). The lazy bundle
 * (scripts/bundle.mjs) is loaded, through its own cache, the first time the main bundle asks for
 * it, and is given the main bundle's instances of the modules both use. `refresh`: see runBundle
 * ('always' is the build's training run).
 */
function loadBundle({ refresh = 'stale' } = {}) {
  globalThis[Symbol.for('kms-local.importPackage')] = (specifier) => import(specifier);
  const main = runBundle(BUNDLE, refresh);
  let lazy;
  globalThis[Symbol.for('kms-local.loadLazy')] = () => {
    if (lazy === undefined) {
      globalThis[Symbol.for('kms-local.shared')] = main.exports.sharedModules();
      lazy = runBundle(LAZY_BUNDLE, refresh).exports;
    }
    return lazy;
  };
  return { run: main.exports.run, cacheUsed: main.cacheUsed };
}

module.exports = { loadBundle, BUNDLE, LAZY_BUNDLE };
