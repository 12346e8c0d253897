/**
 * The CLI bundle runs from a V8 code cache (bin/load-bundle.js) only while the cache belongs to that
 * very bundle file and node; otherwise it compiles from source, works the same, and replaces the
 * cache. Each case runs on a private copy of bin/ and dist/bundle/, never on the repository's own.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, cliEnvironment, makeHome, removeHome } from '../support/cli.js';

let copy: string;
let home: string;
const cachePath = () => join(copy, 'dist', 'bundle', 'kms-local.cjs.cache');

/** A private install: bin/, dist/bundle/ (bundle and its cache) and the repository's node_modules. */
function makeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-code-cache-test-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  for (const file of ['kms-local.js', 'load-bundle.js', 'package.json']) copyFileSync(join(REPO_ROOT, 'bin', file), join(dir, 'bin', file));
  for (const file of ['kms-local.cjs', 'kms-local.cjs.cache']) copyFileSync(join(REPO_ROOT, 'dist', 'bundle', file), join(dir, 'dist', 'bundle', file));
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

  test('with no cache and none writable (the cache path is a folder), the CLI runs uncached', () => {
    rmSync(cachePath());
    mkdirSync(cachePath());
    const out = runCopy(['kms', 'GetRandomPassword', '--PasswordLength', '12']);
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).RandomPassword).toHaveLength(12);
    expect(existsSync(join(cachePath(), 'x'))).toBe(false);
  });

  test('the bundle has no literal import() but the one in importPackage: code-cached code has no module loader', () => {
    const bundle = readFileSync(join(REPO_ROOT, 'dist', 'bundle', 'kms-local.cjs'), 'latin1');
    const literal = [...bundle.matchAll(/\bimport\(/g)].map((m) => bundle.slice(Math.max(0, m.index! - 60), m.index! + 30));
    expect(literal).toHaveLength(1);
    expect(literal[0]).toMatch(/viaLoader\?viaLoader\(specifier\):import\(specifier\)/);
  });
});
