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
 * Hashing the ~400 KB of V8 data cost 0.25 ms of every start, so it is done once per cache file:
 * `<cache>.verified` records the identity (as above) of the cache file whose data was last found
 * whole, with that of its bundle. A cache file with that identity holds those bytes (any write
 * moves its change time), and is used without hashing. The record is written beside the cache
 * when a cache is written or first checked; when it cannot be, every start hashes.
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

/** The bundle's wrapper, written into the bundle file by scripts/bundle.mjs (see runBundle). */
const [WRAP_START] = Module.wrapper;

function identityOf(st) {
  return [st.dev, st.ino, st.size, st.ctimeNs, st.mtimeNs].join('\0');
}

function fileIdentity(fd) {
  return identityOf(fs.fstatSync(fd, { bigint: true }));
}

function bundleIdentity(fd) {
  return [FORMAT, process.version, process.arch, fileIdentity(fd)].join('\0');
}

function header(identity, data) {
  return createHash('sha256').update(identity).update(data).digest();
}

/**
 * A bundle's text and identity from one open file, so both describe the same bytes, and the buffer
 * it was read into (`spare`): the cache is read into it next, because memory this process has not
 * touched yet costs a page fault per 4 KB (some 0.2 ms for a cache).
 */
function readBundle(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const bytes = fs.readFileSync(fd);
    // The build makes the bundles ASCII (scripts/bundle.mjs checks it): latin1 decodes them at
    // twice the speed of utf8, to a one-byte string.
    return { source: bytes.toString('latin1'), identity: bundleIdentity(fd), spare: bytes };
  } finally {
    fs.closeSync(fd);
  }
}

/** Every byte of an open file of `size` bytes (fewer if it shrank meanwhile), in `spare` when they fit. */
function readWhole(fd, size, spare) {
  const bytes = size <= spare.length ? spare.subarray(0, size) : Buffer.allocUnsafeSlow(size);
  let done = 0;
  while (done < size) {
    const read = fs.readSync(fd, bytes, done, size - done, done);
    if (read === 0) return bytes.subarray(0, done);
    done += read;
  }
  return bytes;
}

function verifiedPath(cachePath) {
  return `${cachePath}.verified`;
}

/** What `<cache>.verified` says of a cache file of identity `cacheIdentity` made for a bundle of `identity`. */
function verifiedRecord(identity, cacheIdentity) {
  return `${identity}\0${cacheIdentity}\n`;
}

/** The V8 data of the cache, when it was made for this bundle and is whole; else undefined. */
function readCache(cachePath, identity, spare) {
  let fd;
  try {
    fd = fs.openSync(cachePath, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    const cacheIdentity = identityOf(st);
    const cache = readWhole(fd, Number(st.size), spare);
    if (cache.length <= HEADER) return undefined;
    const data = cache.subarray(HEADER);
    const record = verifiedRecord(identity, cacheIdentity);
    if (readVerified(cachePath) === record) return data;
    if (!header(identity, data).equals(cache.subarray(0, HEADER))) return undefined;
    writeVerified(cachePath, record);
    return data;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function readVerified(cachePath) {
  try {
    return fs.readFileSync(verifiedPath(cachePath), 'latin1');
  } catch {
    return undefined;
  }
}

/** Best effort and not synced: a record lost or unwritable only means the next start hashes. */
function writeVerified(cachePath, record) {
  const temp = `${verifiedPath(cachePath)}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, record, { mode: 0o644 });
    fs.renameSync(temp, verifiedPath(cachePath));
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* nothing was written */
    }
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
      fs.renameSync(temp, cachePath);
      // Its identity after the rename (which moves the change time), from the file this wrote.
      writeVerified(cachePath, verifiedRecord(identity, fileIdentity(fd)));
    } finally {
      fs.closeSync(fd);
    }
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
  const { source, identity, spare } = readBundle(file);
  const cachedData = refresh === 'always' ? undefined : readCache(cachePath, identity, spare);
  // The build writes the bundle inside Module.wrap's wrapper: wrapping it here made V8 copy the
  // whole text once more, to flatten the joined string.
  const script = new vm.Script(source.startsWith(WRAP_START) ? source : Module.wrap(source), { filename: file, cachedData });
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
