/**
 * The store (docs/design.md §3): SecretStore in temporary homes, file names, modes, tamper detection,
 * master keys, and 20 processes writing one secret at once through bin/kms-local.js.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, ServiceError } from '../../src/errors/errors.js';
import type { SecretRecord } from '../../src/core/model.js';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { fileNameFor } from '../../src/store/secret-file.js';
import { listFiles, makeHome, makeEmptyHome, removeHome, runCli, runCliAsync } from '../support/cli.js';
import { NOW, secretRecord } from '../support/store-records.js';

const REGION = 'cn-hangzhou';
const homes: string[] = [];

function tempHome(env: Record<string, string | undefined> = {}): Home {
  const root = makeEmptyHome();
  homes.push(root);
  return new Home({ KMS_LOCAL_HOME: root, ...env });
}

function storeOf(home: Home, region = REGION): SecretStore {
  return new SecretStore(home, region, () => Date.parse(NOW));
}

function save(store: SecretStore, record: SecretRecord): void {
  store.mutate(record.name, () => ({ next: record, result: undefined }));
}

function readValue(home: Home, store: SecretStore, name: string): string {
  const secret = store.get(name)!;
  return home.keys().openValue(name, 'v1', secret.versions[0]!.payload).toString('utf8');
}

function serviceErrorOf(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    return err as ServiceError;
  }
  throw new Error('expected a ServiceError');
}

afterAll(() => {
  for (const root of homes) removeHome(root);
});

describe('SecretStore', () => {
  test('round trip: what is saved is read back, and the value decrypts', () => {
    const home = tempHome();
    const store = storeOf(home);
    const record = secretRecord(home, 'db_cred', '{"uname": "alice", "pwd": "s3cr3t"}');
    save(store, record);
    expect(store.get('db_cred')).toEqual(record);
    expect(readValue(home, store, 'db_cred')).toBe('{"uname": "alice", "pwd": "s3cr3t"}');
    expect(store.get('other')).toBeUndefined();
    expect(store.list().map((s) => s.name)).toEqual(['db_cred']);
  });

  test('a mutation returning null deletes the file; undefined leaves it untouched', () => {
    const home = tempHome();
    const store = storeOf(home);
    save(store, secretRecord(home, 'gone', 'x1'));
    const file = join(home.root, 'store', REGION, fileNameFor('gone'));
    const before = readFileSync(file);
    expect(store.mutate('gone', () => ({ result: 42 }))).toBe(42);
    expect(readFileSync(file).equals(before)).toBe(true);
    store.mutate('gone', () => ({ next: null, result: undefined }));
    expect(existsSync(file)).toBe(false);
    expect(store.get('gone')).toBeUndefined();
  });

  test('regions are separate namespaces', () => {
    const home = tempHome();
    save(storeOf(home, 'cn-hangzhou'), secretRecord(home, 'shared-name', 'hz-value'));
    expect(storeOf(home, 'cn-shanghai').get('shared-name')).toBeUndefined();
    expect(storeOf(home, 'cn-shanghai').list()).toEqual([]);
  });

  const awkwardNames = [
    'a/b',
    'a/b/c/../../d',
    '../escape',
    '/leading/slash',
    'trailing/',
    'plus+sign',
    'equals=sign',
    'a+b',
    'a=b',
    '.hidden',
    '.',
    '..',
    '...',
    'mail@example.com',
    'A',
    'a',
    'x'.repeat(192),
    `${'y'.repeat(191)}1`,
    `${'y'.repeat(191)}2`,
    `${'/'.repeat(192)}`,
    `${'+'.repeat(191)}=`,
  ];

  test('every valid name maps to a distinct, safe file name inside the region folder', () => {
    const files = awkwardNames.map(fileNameFor);
    expect(new Set(files).size).toBe(awkwardNames.length);
    for (const file of files) {
      expect(file).not.toContain('/');
      expect(file.startsWith('.')).toBe(false);
      expect(file.endsWith('.json')).toBe(true);
      expect(Buffer.byteLength(file)).toBeLessThanOrEqual(255);
    }
  });

  test('names with / + = . and 192 characters round-trip through real files', () => {
    const home = tempHome();
    const store = storeOf(home);
    for (const [i, name] of awkwardNames.entries()) save(store, secretRecord(home, name, `value-${i}`));
    for (const [i, name] of awkwardNames.entries()) expect(readValue(home, store, name)).toBe(`value-${i}`);
    // Nothing was written outside the region folder, and each secret is one plain file in it.
    const regionDir = join(home.root, 'store', REGION);
    expect(readdirSync(join(home.root, 'store'))).toEqual([REGION]);
    const entries = readdirSync(regionDir).filter((e) => !e.startsWith('.'));
    expect(entries.sort()).toEqual(awkwardNames.map(fileNameFor).sort());
    expect(store.list().map((s) => s.name).sort()).toEqual([...awkwardNames].sort());
  });

  test('files are 0600 and folders 0700', () => {
    const home = tempHome();
    const store = storeOf(home);
    save(store, secretRecord(home, 'mode/check', 'v'));
    const mode = (path: string): number => statSync(path).mode & 0o777;
    for (const dir of [home.root, join(home.root, 'store'), join(home.root, 'store', REGION), join(home.root, 'store', REGION, '.locks')]) {
      expect(mode(dir).toString(8)).toBe('700');
    }
    for (const file of listFiles(home.root)) expect([file, mode(join(home.root, file)).toString(8)]).toEqual([file, '600']);
    expect(listFiles(home.root)).toEqual(expect.arrayContaining(['master.key', join('store', REGION, fileNameFor('mode/check'))]));
  });

  test('the value is not stored in clear', () => {
    const home = tempHome();
    save(storeOf(home), secretRecord(home, 'clear', 'plain-text-needle'));
    for (const file of listFiles(home.root)) {
      const bytes = readFileSync(join(home.root, file));
      expect(bytes.includes('plain-text-needle')).toBe(false);
      expect(bytes.includes(Buffer.from('plain-text-needle').toString('base64'))).toBe(false);
    }
  });
});

describe('tamper detection', () => {
  const NAME = 'tamper/me';
  const VALUE = 'tamper-value-4711';

  /** Positions in the file text, found by what they hold, where a flipped byte must be caught. */
  const targets: { name: string; find: (text: string) => number }[] = [
    { name: 'the first byte', find: () => 0 },
    { name: 'the ciphertext', find: (t) => t.indexOf('"ciphertext": "') + 20 },
    { name: 'the wrapped data key', find: (t) => t.indexOf('"wrappedKey": "') + 20 },
    { name: 'a stage name', find: (t) => t.indexOf('ACSCurrent') + 3 },
    { name: 'a time stamp', find: (t) => t.indexOf('"updateTime": "') + 17 },
    { name: 'the description', find: (t) => t.indexOf('made by') + 1 },
    { name: 'a tag value', find: (t) => t.indexOf('"TagValue": "') + 14 },
    { name: 'the version id', find: (t) => t.indexOf('"versionId": "') + 14 },
    { name: 'the digest', find: (t) => t.indexOf('"digest": "') + 15 },
    { name: 'the MAC', find: (t) => t.indexOf('"mac": "') + 10 },
    { name: 'the region', find: (t) => t.indexOf('"region": "') + 12 },
    { name: 'the last byte', find: (t) => t.length - 1 },
  ];

  test.each(targets)('a flipped byte in $name -> Rejected.IntegrityCheckFailed naming the secret, no value', ({ find }) => {
    const home = tempHome();
    const store = storeOf(home);
    save(store, secretRecord(home, NAME, VALUE));
    const file = join(home.root, 'store', REGION, fileNameFor(NAME));
    const bytes = readFileSync(file);
    const at = find(bytes.toString('utf8'));
    expect(at).toBeGreaterThanOrEqual(0);
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(file, bytes);
    const err = serviceErrorOf(() => store.get(NAME));
    expect(err.code).toBe('Rejected.IntegrityCheckFailed');
    expect(err.message).toContain(`'${NAME}'`);
    expect(err.message).not.toContain(VALUE);
    // A write is refused too: a tampered file is never silently replaced.
    expect(serviceErrorOf(() => save(store, secretRecord(home, NAME, 'replacement'))).code).toBe('Rejected.IntegrityCheckFailed');
  });

  test('a file copied under another secret\'s name is detected', () => {
    const home = tempHome();
    const store = storeOf(home);
    save(store, secretRecord(home, 'first', 'one'));
    save(store, secretRecord(home, 'second', 'two'));
    const dir = join(home.root, 'store', REGION);
    writeFileSync(join(dir, fileNameFor('second')), readFileSync(join(dir, fileNameFor('first'))));
    expect(serviceErrorOf(() => store.get('second')).code).toBe('Rejected.IntegrityCheckFailed');
  });

  test('a truncated file is detected', () => {
    const home = tempHome();
    const store = storeOf(home);
    save(store, secretRecord(home, 'short', 'v'));
    const file = join(home.root, 'store', REGION, fileNameFor('short'));
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    expect(serviceErrorOf(() => store.get('short')).code).toBe('Rejected.IntegrityCheckFailed');
  });
});

describe('master keys', () => {
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');

  test('KMS_LOCAL_MASTER_KEY is used, and no key file is made', () => {
    const home = tempHome({ KMS_LOCAL_MASTER_KEY: keyA });
    save(storeOf(home), secretRecord(home, 'k', 'v'));
    expect(existsSync(join(home.root, 'master.key'))).toBe(false);
    expect(readValue(home, storeOf(home), 'k')).toBe('v');
  });

  test('a wrong master key -> a clear IntegrityCheckFailed that points at KMS_LOCAL_MASTER_KEY', () => {
    const home = tempHome({ KMS_LOCAL_MASTER_KEY: keyA });
    save(storeOf(home), secretRecord(home, 'locked', 'locked-value'));
    const other = new Home({ KMS_LOCAL_HOME: home.root, KMS_LOCAL_MASTER_KEY: keyB });
    const err = serviceErrorOf(() => storeOf(other).get('locked'));
    expect(err.code).toBe('Rejected.IntegrityCheckFailed');
    expect(err.message).toContain("'locked'");
    expect(err.message).toContain('master key');
    expect(err.message).toContain('KMS_LOCAL_MASTER_KEY');
    expect(err.message).not.toContain(keyA);
    expect(err.message).not.toContain(keyB);
  });

  test('KMS_LOCAL_MASTER_KEY_FILE is read', () => {
    const home = tempHome();
    const keyFile = join(home.root, 'my.key');
    writeFileSync(keyFile, `${keyA}\n`, { mode: 0o600 });
    const viaFile = new Home({ KMS_LOCAL_HOME: home.root, KMS_LOCAL_MASTER_KEY_FILE: keyFile });
    const viaEnv = new Home({ KMS_LOCAL_HOME: home.root, KMS_LOCAL_MASTER_KEY: keyA });
    expect(viaFile.keys().keyId).toBe(viaEnv.keys().keyId);
  });

  test('the key file made on first use is reused', () => {
    const home = tempHome();
    const first = home.keys().keyId;
    expect(new Home({ KMS_LOCAL_HOME: home.root }).keys().keyId).toBe(first);
    expect(Buffer.from(readFileSync(join(home.root, 'master.key'), 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  test.each([
    { name: 'not base64', env: { KMS_LOCAL_MASTER_KEY: 'not a key!' } },
    { name: 'too short', env: { KMS_LOCAL_MASTER_KEY: randomBytes(16).toString('base64') } },
    { name: 'too long', env: { KMS_LOCAL_MASTER_KEY: randomBytes(48).toString('base64') } },
    { name: 'a missing key file', env: { KMS_LOCAL_MASTER_KEY_FILE: '/nonexistent/kms-local.key' } },
  ])('a bad master key ($name) -> a clear CLI error, no stack', ({ env }) => {
    const home = tempHome(env);
    let caught: unknown;
    try {
      home.keys();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as CliError).message).toMatch(/KMS_LOCAL_MASTER_KEY|key file/);
  });
});

describe('processes', () => {
  let root: string;
  const SECRET = 'concurrent/secret';
  const WRITERS = 20;

  beforeAll(() => {
    root = makeHome();
    homes.push(root);
    const created = runCli(['kms', 'CreateSecret', '--SecretName', SECRET, '--SecretData', 'initial-value', '--VersionId', 'v0'], { home: root });
    expect(created.code).toBe(0);
  });

  test(`${WRITERS} processes running PutSecretValue on one secret at once all succeed, and the file stays valid`, async () => {
    const runs = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        runCliAsync(['kms', 'PutSecretValue', '--SecretName', SECRET, '--SecretData', `value-${i}`, '--VersionId', `w${i}`], { home: root }),
      ),
    );
    for (const [i, run] of runs.entries()) {
      expect({ i, code: run.code, stderr: run.stderr }).toEqual({ i, code: 0, stderr: '' });
      expect(run.json.VersionId).toBe(`w${i}`);
    }

    const listed = runCli(['kms', 'ListSecretVersionIds', '--SecretName', SECRET, '--IncludeDeprecated', 'true'], { home: root });
    expect(listed.code).toBe(0);
    const versions: { VersionId: string; VersionStages: { VersionStage: string[] } }[] = listed.json.VersionIds.VersionId;
    expect(listed.json.TotalCount).toBe(10);
    expect(versions).toHaveLength(10);
    const holders = (stage: string) => versions.filter((v) => v.VersionStages.VersionStage.includes(stage)).map((v) => v.VersionId);
    expect(holders('ACSCurrent')).toHaveLength(1);
    expect(holders('ACSPrevious')).toHaveLength(1);
    // Newest first: the last writer holds ACSCurrent, the one before it ACSPrevious.
    expect(versions[0]!.VersionId).toBe(holders('ACSCurrent')[0]);
    expect(versions[1]!.VersionId).toBe(holders('ACSPrevious')[0]);
    expect(new Set(versions.map((v) => v.VersionId)).size).toBe(10);
    for (const v of versions) expect(v.VersionId).toMatch(/^w\d+$/);

    // Every kept version decrypts to the value its writer stored.
    for (const v of versions) {
      const got = runCli(['kms', 'GetSecretValue', '--SecretName', SECRET, '--VersionId', v.VersionId], { home: root });
      expect(got.code).toBe(0);
      expect(got.json.SecretData).toBe(`value-${v.VersionId.slice(1)}`);
    }
    const current = runCli(['kms', 'GetSecretValue', '--SecretName', SECRET], { home: root });
    expect(current.json.VersionId).toBe(holders('ACSCurrent')[0]);

    // The file validates through the store itself, and no lock or temp file is left behind.
    const home = new Home({ KMS_LOCAL_HOME: root });
    const secret = storeOf(home).get(SECRET)!;
    expect(secret.versions).toHaveLength(10);
    const files = listFiles(join(root, 'store', REGION));
    // The secret's file and the region's manifest (16 shards, docs/semantics.md "Store guarantees").
    expect(files).toEqual([...[...'0123456789abcdef'].map((shard) => join('.manifest', `${shard}.shard`)), fileNameFor(SECRET)]);
  });

  test('a writer killed mid-write leaves the old file intact and its lock is recovered at once', () => {
    const before = runCli(['kms', 'GetSecretValue', '--SecretName', SECRET], { home: root });
    for (const point of ['after-temp-write', 'after-rename']) {
      const killed = runCli(['kms', 'PutSecretValue', '--SecretName', SECRET, '--SecretData', `crash-${point}`, '--VersionId', `crash-${point}`], {
        home: root,
        env: { KMS_LOCAL_TEST_CRASH_AT: point },
      });
      expect(killed.code).not.toBe(0);
      const after = runCli(['kms', 'GetSecretValue', '--SecretName', SECRET], { home: root });
      expect(after.code).toBe(0);
      // Killed before the rename: the old version is current; after it: the new one is.
      expect(after.json.VersionId).toBe(point === 'after-rename' ? `crash-${point}` : before.json.VersionId);
    }
    const started = Date.now();
    const next = runCli(['kms', 'PutSecretValue', '--SecretName', SECRET, '--SecretData', 'after-crash', '--VersionId', 'after-crash'], { home: root });
    expect(next.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
