/**
 * The CLI bundle runs from a V8 code cache (bin/load-bundle.js) only while the cache belongs to that
 * very bundle file and node; otherwise it compiles from source, works the same, and replaces the
 * cache. Each case runs on a private copy of bin/ and dist/bundle/, never on the repository's own.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, cliEnvironment, makeHome, removeHome } from '../support/cli.js';

let copy: string;
let home: string;
const cachePath = () => join(copy, 'dist', 'bundle', 'kms-local.cjs.cache');
const lazyBundlePath = () => join(copy, 'dist', 'bundle', 'kms-local-lazy.cjs');

/** A private install: bin/, dist/bundle/ (both bundles and their caches) and the repository's node_modules. */
function makeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-code-cache-test-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  for (const file of ['kms-local.js', 'load-bundle.js', 'package.json']) copyFileSync(join(REPO_ROOT, 'bin', file), join(dir, 'bin', file));
  for (const file of readdirSync(join(REPO_ROOT, 'dist', 'bundle'))) copyFileSync(join(REPO_ROOT, 'dist', 'bundle', file), join(dir, 'dist', 'bundle', file));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Loads the copy's bundle and reports whether the cache was used (the exit saves a fresh one). */
function cacheUsed(): boolean {
  const script = `process.stdout.write(String(require(${JSON.stringify(join(copy, 'bin', 'load-bundle.js'))}).loadBundle().cacheUsed))`;
  const out = spawnSync(process.execPath, ['-e', script], { env: cliEnvironment({ home }), encoding: 'utf8' });
  expect(out.stderr).toBe('');
  return out.stdout === 'true';
}

function runCopy(args: string[]) {
  return spawnSync(process.execPath, [join(copy, 'bin', 'kms-local.js'), ...args], {
    env: cliEnvironment({ home, env: { KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') } }),
    encoding: 'utf8',
  });
}

beforeEach(() => {
  copy = makeCopy();
  home = makeHome();
});

afterEach(() => {
  rmSync(copy, { recursive: true, force: true });
  removeHome(home);
});

describe('code cache', () => {
  test('the build made a cache, and the repository bundle uses it', () => {
    const script = `process.stdout.write(String(require(${JSON.stringify(join(REPO_ROOT, 'bin', 'load-bundle.js'))}).loadBundle().cacheUsed))`;
    const out = spawnSync(process.execPath, ['-e', script], { env: cliEnvironment({ home }), encoding: 'utf8' });
    expect(out.stdout).toBe('true');
  });

  test('a cache made for another file (a copied bundle) is not used, and is replaced by one that is', () => {
    expect(cacheUsed()).toBe(false);
    expect(cacheUsed()).toBe(true);
  });

  test('an edited bundle never runs from the old cache', () => {
    cacheUsed();
    expect(cacheUsed()).toBe(true);
    appendFileSync(join(copy, 'dist', 'bundle', 'kms-local.cjs'), '\n// edited\n');
    expect(cacheUsed()).toBe(false);
  });

  test('a cache whose V8 data is damaged is not used (V8 would crash on it), and the CLI works and replaces it', () => {
    cacheUsed();
    const cache = readFileSync(cachePath());
    cache.fill(0x5a, 64, 256);
    writeFileSync(cachePath(), cache);
    expect(cacheUsed()).toBe(false);
    writeFileSync(cachePath(), cache);
    const created = runCopy(['kms', 'CreateSecret', '--SecretName', 'a', '--SecretData', 'value-a', '--VersionId', 'v1']);
    expect(created.status).toBe(0);
    const read = runCopy(['kms', 'GetSecretValue', '--SecretName', 'a', '--cli-query', 'SecretData']);
    expect(read.stdout).toBe('"value-a"\n');
    expect(cacheUsed()).toBe(true);
  });

  test('a cache found whole is recorded beside it, by its file identity, and then used without hashing its data again', () => {
    expect(cacheUsed()).toBe(false);
    expect(cacheUsed()).toBe(true);
    const record = readFileSync(`${cachePath()}.verified`, 'latin1');
    const { ino, size } = statSync(cachePath(), { bigint: true });
    expect(record.split('\0')).toEqual(expect.arrayContaining([String(ino), String(size)]));
    // The same bytes written again are another file identity: checked in full, then recorded anew.
    writeFileSync(cachePath(), readFileSync(cachePath()));
    expect(readFileSync(`${cachePath()}.verified`, 'latin1')).toBe(record);
    expect(cacheUsed()).toBe(true);
    expect(readFileSync(`${cachePath()}.verified`, 'latin1')).not.toBe(record);
  });

  test('with the record unwritable (a folder in its place), the cache is checked at every start and used', () => {
    cacheUsed();
    rmSync(`${cachePath()}.verified`, { force: true });
    mkdirSync(`${cachePath()}.verified`);
    expect(cacheUsed()).toBe(true);
    expect(cacheUsed()).toBe(true);
    expect(readdirSync(join(copy, 'dist', 'bundle')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('with no cache and none writable (the cache path is a folder), the CLI runs uncached', () => {
    rmSync(cachePath());
    mkdirSync(cachePath());
    const out = runCopy(['kms', 'GetRandomPassword', '--PasswordLength', '12']);
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).RandomPassword).toHaveLength(12);
    expect(existsSync(join(cachePath(), 'x'))).toBe(false);
  });

  test("the bundles ask node's module loader for a built-in once each (__nodeBuiltin), not once per module that imports it", () => {
    for (const file of ['kms-local.cjs', 'kms-local-lazy.cjs']) {
      const bundle = readFileSync(join(REPO_ROOT, 'dist', 'bundle', file), 'latin1');
      expect(bundle.match(/\brequire\("node:[^"]+"\)/g)).toEqual(['require("node:url")']);
      expect((bundle.match(/__nodeBuiltin\("node:crypto"\)/g) ?? []).length).toBeGreaterThan(1);
    }
  });

  test('the bundles have no literal import() but the one in importPackage: code-cached code has no module loader', () => {
    const bundle = readFileSync(join(REPO_ROOT, 'dist', 'bundle', 'kms-local.cjs'), 'latin1');
    const literal = [...bundle.matchAll(/\bimport\(/g)].map((m) => bundle.slice(Math.max(0, m.index! - 60), m.index! + 30));
    expect(literal).toHaveLength(1);
    expect(literal[0]).toMatch(/viaLoader\?viaLoader\(specifier\):import\(specifier\)/);
    expect(readFileSync(join(REPO_ROOT, 'dist', 'bundle', 'kms-local-lazy.cjs'), 'latin1')).not.toMatch(/\bimport\(/);
  });
});

describe('the lazy bundle (scripts/bundle.mjs)', () => {
  test('the everyday commands never read it: they run with it gone', () => {
    rmSync(lazyBundlePath());
    const created = runCopy(['kms', 'CreateSecret', '--SecretName', 'a', '--SecretData', 'value-a', '--VersionId', 'v1']);
    expect(created.stderr).toBe('');
    const read = runCopy(['kms', 'GetSecretValue', '--SecretName', 'a']);
    expect({ status: read.status, value: JSON.parse(read.stdout).SecretData }).toEqual({ status: 0, value: 'value-a' });
    const put = runCopy(['kms', 'PutSecretValue', '--SecretName', 'a', '--SecretData', 'value-b', '--VersionId', 'v2']);
    expect({ status: put.status, stderr: put.stderr }).toEqual({ status: 0, stderr: '' });
    expect(runCopy(['kms', 'ListSecrets']).status).toBe(0);
  });

  test('a command that needs it loads it through a cache of its own, replaced when stale', () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'bundle', 'kms-local-lazy.cjs.cache'))).toBe(true);
    const lazyCache = `${lazyBundlePath()}.cache`;
    const copied = statSync(lazyCache).mtimeMs;
    // The copy's lazy bundle has another identity than the one its cache was made for.
    const read = runCopy(['kms', 'GetRandomPassword', '--PasswordLength', '12', '--cli-query', 'RandomPassword']);
    expect({ status: read.status, length: JSON.parse(read.stdout).length }).toEqual({ status: 0, length: 12 });
    expect(statSync(lazyCache).mtimeMs).toBeGreaterThan(copied);
    const header = readFileSync(lazyCache).subarray(0, 32);
    expect(runCopy(['kms', 'GetRandomPassword', '--cli-query', 'RandomPassword']).status).toBe(0);
    expect(readFileSync(lazyCache).subarray(0, 32)).toEqual(header);
  });

  test('its code uses the main bundle\'s modules: an error class thrown in it is the one the main bundle renders', () => {
    // CliError comes from src/errors (in the main bundle); a second copy of the class in the lazy
    // bundle would fail the main bundle's instanceof and print as an internal error.
    const out = runCopy(['kms', 'GetRandomPassword', '--cli-query', 'Random[']);
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^ERROR: JMESPath query failed: /) });
    expect(out.stderr).not.toMatch(/internal|stack|at /i);
  });

  test('with the lazy bundle missing, a command that needs it fails with an error naming the file', () => {
    rmSync(lazyBundlePath());
    const out = runCopy(['kms', 'GetRandomPassword', '--cli-query', 'RandomPassword']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('kms-local-lazy.cjs');
  });
});
