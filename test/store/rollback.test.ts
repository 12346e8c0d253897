/**
 * Rollback (issue 10 point 12): a secret file's MAC proves kms-local wrote it, the region's manifest
 * (src/store/manifest.ts) proves it is the latest copy. An older copy of a file put back, the file
 * of a force-deleted secret restored, a file planted from another home under the same master key,
 * an index entry planted by hand, or a manifest shard put back or removed, are each refused (or, for
 * the index, ignored), naming the secret and leaking no value. A writer killed at any step of a
 * write never makes a false alarm, and what it left is recorded by the next writer.
 */
import { describe, expect, test } from '@jest/globals';
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../../src/errors/errors.js';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { KeyStore } from '../../src/store/key-store.js';
import { fileNameFor } from '../../src/store/secret-file.js';
import { shardOf } from '../../src/store/manifest.js';
import { ReadCache } from '../../src/store/read-cache.js';
import { homesRemovedAfterAll, runCli, serviceError, type CliResult } from '../support/cli.js';

const REGION = 'cn-hangzhou';
const newHome = homesRemovedAfterAll();

function kms(home: string, args: string[], env: Record<string, string> = {}): CliResult {
  return runCli(['kms', ...args], { home, env });
}

function ok(result: CliResult, what: unknown = ''): any {
  expect({ what, code: result.code, stderr: result.stderr }).toEqual({ what, code: 0, stderr: '' });
  return result.json;
}

/** The refusal a rolled-back file must get: IntegrityCheckFailed naming the secret, saying why, no value in it. */
function expectRefused(result: CliResult, name: string, why: RegExp, values: string[] = []): void {
  const error = serviceError(result.stderr);
  expect({ code: result.code, error: error?.code }).toEqual({ code: result.code === 0 ? -1 : result.code, error: 'Rejected.IntegrityCheckFailed' });
  expect(error!.message).toContain(`'${name}'`);
  expect(error!.message).toMatch(why);
  for (const value of values) expect(result.stderr + result.stdout).not.toContain(value);
}

const fileOf = (home: string, name: string) => join(home, 'store', REGION, fileNameFor(name));
const shardFileOf = (home: string, name: string) => join(home, 'store', REGION, '.manifest', `${shardOf(name)}.shard`);

describe('a file put back from an older copy is refused', () => {
  test('an older copy of a secret file, after the secret was updated', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'db/pw', '--SecretData', 'old-value-3f1c', '--VersionId', 'v1']));
    const old = readFileSync(fileOf(home, 'db/pw'));
    ok(kms(home, ['PutSecretValue', '--SecretName', 'db/pw', '--SecretData', 'new-value-9ab2', '--VersionId', 'v2']));
    writeFileSync(fileOf(home, 'db/pw'), old);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'db/pw']), 'db/pw', /older copy \(generation 1; the latest is generation 2\)/, ['old-value-3f1c', 'new-value-9ab2']);
    // A write does not build on it either.
    expectRefused(kms(home, ['PutSecretValue', '--SecretName', 'db/pw', '--SecretData', 'x', '--VersionId', 'v3']), 'db/pw', /older copy/);
    expectRefused(kms(home, ['DescribeSecret', '--SecretName', 'db/pw']), 'db/pw', /older copy/);
  });

  test('the file of a force-deleted secret restored: the secret does not come back', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'gone', '--SecretData', 'deleted-value-51d0', '--VersionId', 'v1']));
    const old = readFileSync(fileOf(home, 'gone'));
    ok(kms(home, ['DeleteSecret', '--SecretName', 'gone', '--ForceDeleteWithoutRecovery', 'true']));
    writeFileSync(fileOf(home, 'gone'), old, { mode: 0o600 });
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'gone']), 'gone', /deleted .*older copy of its file/, ['deleted-value-51d0']);
    // Nor through a listing (the index rebuilt from the files skips it, with a warning naming it).
    rmSync(join(home, 'store', REGION, '.index'), { recursive: true, force: true });
    const listed = kms(home, ['ListSecrets']);
    expect(listed.code).toBe(0);
    expect(listed.json.SecretList.Secret).toEqual([]);
    expect(listed.stderr).toContain("skipped the secret 'gone'");
  });

  test('a file from another home under the same master key is not this store\'s', () => {
    const key = randomBytes(32).toString('base64');
    const [a, b] = [newHome(), newHome()];
    for (const home of [a, b]) rmSync(join(home, 'master.key'));
    ok(runCli(['kms', 'CreateSecret', '--SecretName', 'here', '--SecretData', 'v', '--VersionId', 'v1'], { home: a, env: { KMS_LOCAL_MASTER_KEY: key } }));
    ok(runCli(['kms', 'CreateSecret', '--SecretName', 'planted', '--SecretData', 'planted-value-77', '--VersionId', 'v1'], { home: b, env: { KMS_LOCAL_MASTER_KEY: key } }));
    copyFileSync(fileOf(b, 'planted'), fileOf(a, 'planted'));
    const read = runCli(['kms', 'GetSecretValue', '--SecretName', 'planted'], { home: a, env: { KMS_LOCAL_MASTER_KEY: key } });
    expectRefused(read, 'planted', /not recorded in the manifest/, ['planted-value-77']);
  });

  /** A store over serve's two caches, and a record of `name` to write with it. */
  function cachedStore() {
    const root = newHome();
    const home = new Home({ KMS_LOCAL_HOME: root });
    home.readCache = new ReadCache(100);
    home.manifestCache = new ReadCache(100);
    const store = new SecretStore(home, REGION, () => Date.now());
    const keys = home.keys();
    const record = (name: string, versionId: string, value: string) => ({
      name, type: 'Generic' as const, description: value, createTime: '2026-01-01T00:00:00Z', updateTime: '2026-01-01T00:00:00Z', encryptionKeyId: keys.keyId, tags: [],
      versions: [{ versionId, createTime: '2026-01-01T00:00:00Z', stages: ['ACSCurrent'], dataType: 'text' as const, digest: keys.digest(name, 'text', Buffer.from(value)), payload: keys.sealValue(name, versionId, Buffer.from(value)) }],
    });
    const put = (name: string, versionId: string, value: string) => store.mutate(name, () => ({ next: record(name, versionId, value), result: undefined }));
    return { root, store, put };
  }

  test('an older copy put back is refused through serve\'s caches too', () => {
    const { root, store, put } = cachedStore();
    put('cached', 'v1', 'first');
    expect(store.get('cached')!.description).toBe('first');
    const old = readFileSync(fileOf(root, 'cached'));
    put('cached', 'v2', 'second');
    expect(store.get('cached')!.description).toBe('second');
    writeFileSync(fileOf(root, 'cached'), old);
    expect(() => store.get('cached')).toThrow(/'cached' failed its integrity check: its file is an older copy/);
  });

  test('through serve\'s caches, a file the manifest records exactly is answered on its own while unchanged; a shard changed by hand meanwhile is found by the next write, and by any uncached read', () => {
    const { root, store, put } = cachedStore();
    put('vouched', 'v1', 'first');
    expect(store.get('vouched')!.description).toBe('first');
    const shard = shardFileOf(root, 'vouched');
    writeFileSync(shard, readFileSync(shard, 'utf8').replace('"g":1', '"g":7'));
    // The file is the one written last, unchanged: it is still what a read answers.
    expect(store.get('vouched')!.description).toBe('first');
    expect(() => put('vouched', 'v2', 'second')).toThrow(/modified outside kms-local/);
    expect(() => new SecretStore(new Home({ KMS_LOCAL_HOME: root }), REGION, () => Date.now()).get('vouched')).toThrow(/modified outside kms-local/);
  });

  test('through serve\'s caches, a file one generation past its entry (a writer between its two steps) is checked against the manifest at every read', () => {
    const { root, store, put } = cachedStore();
    put('ahead', 'v1', 'one');
    const shardAtOne = readFileSync(shardFileOf(root, 'ahead'));
    put('ahead', 'v2', 'two');
    const shardAtTwo = readFileSync(shardFileOf(root, 'ahead'));
    put('ahead', 'v3', 'three');
    // File generation 3, entry 2: accepted as a writer at work, not vouched for.
    writeFileSync(shardFileOf(root, 'ahead'), shardAtTwo);
    expect(store.get('ahead')!.description).toBe('three');
    // Entry 1: the same unchanged file is now two generations ahead, which the next read sees.
    writeFileSync(shardFileOf(root, 'ahead'), shardAtOne);
    expect(() => store.get('ahead')).toThrow(/'ahead' failed its integrity check: its file \(generation 3\) is newer than the manifest records/);
  });
});

describe('the manifest itself', () => {
  test('a shard put back from an older copy: files newer than it are refused', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 's', '--SecretData', 'one', '--VersionId', 'v1']));
    const oldShard = readFileSync(shardFileOf(home, 's'));
    ok(kms(home, ['PutSecretValue', '--SecretName', 's', '--SecretData', 'two', '--VersionId', 'v2']));
    ok(kms(home, ['PutSecretValue', '--SecretName', 's', '--SecretData', 'three', '--VersionId', 'v3']));
    writeFileSync(shardFileOf(home, 's'), oldShard);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 's']), 's', /newer than the manifest records/);
  });

  test('a shard changed by hand, or removed, is refused naming the secret', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 's', '--SecretData', 'one', '--VersionId', 'v1']));
    const shard = shardFileOf(home, 's');
    const text = readFileSync(shard, 'utf8');
    writeFileSync(shard, text.replace('"g":1', '"g":7'));
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 's']), 's', /manifest of its region failed its check: its shard . was modified outside kms-local/);
    rmSync(shard);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 's']), 's', /shard . is missing/);
    expectRefused(kms(home, ['PutSecretValue', '--SecretName', 's', '--SecretData', 'x', '--VersionId', 'v2']), 's', /shard . is missing/);
  });

  test('a removed manifest is not silently remade: files written under it are refused until KMS_LOCAL_REENROL=1', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'a', '--SecretData', 'value-a', '--VersionId', 'v1']));
    const old = readFileSync(fileOf(home, 'a'));
    ok(kms(home, ['PutSecretValue', '--SecretName', 'a', '--SecretData', 'value-a2', '--VersionId', 'v2']));
    // Remove the manifest and put the older copy back: neither a read nor a write of any secret takes it.
    rmSync(join(home, 'store', REGION, '.manifest'), { recursive: true });
    writeFileSync(fileOf(home, 'a'), old);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'a']), 'a', /manifest .* is gone/);
    expectRefused(kms(home, ['CreateSecret', '--SecretName', 'b', '--SecretData', 'v', '--VersionId', 'v1']), 'b', /missing, but 1 file\(s\) were written under one .*KMS_LOCAL_REENROL=1/);
    // The user's decision: the files as they are become the latest.
    ok(kms(home, ['CreateSecret', '--SecretName', 'b', '--SecretData', 'v', '--VersionId', 'v1'], { KMS_LOCAL_REENROL: '1' }));
    expect(ok(kms(home, ['GetSecretValue', '--SecretName', 'a'])).SecretData).toBe('value-a');
  });

  test('a store made before manifests reads as it is, is enrolled on its first write, and is guarded from then on', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'legacy', '--SecretData', 'legacy-1', '--VersionId', 'v1']));
    ok(kms(home, ['CreateSecret', '--SecretName', 'other', '--SecretData', 'other-1', '--VersionId', 'v1']));
    // A file of the old format: no generation, MAC'd without one; and no manifest.
    const keys = new Home({ KMS_LOCAL_HOME: home }).keys();
    for (const name of ['legacy', 'other']) {
      const file = JSON.parse(readFileSync(fileOf(home, name), 'utf8'));
      delete file.generation;
      const { mac: _mac, ...body } = file;
      const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) : x));
      writeFileSync(fileOf(home, name), `${JSON.stringify({ ...body, mac: keys.fileMac(canonical(body)) }, null, 2)}\n`);
    }
    rmSync(join(home, 'store', REGION, '.manifest'), { recursive: true });
    const legacy = readFileSync(fileOf(home, 'legacy'));
    expect(ok(kms(home, ['GetSecretValue', '--SecretName', 'legacy'])).SecretData).toBe('legacy-1');
    ok(kms(home, ['PutSecretValue', '--SecretName', 'other', '--SecretData', 'other-2', '--VersionId', 'v2']));
    expect(existsSync(join(home, 'store', REGION, '.manifest'))).toBe(true);
    expect(ok(kms(home, ['GetSecretValue', '--SecretName', 'legacy'])).SecretData).toBe('legacy-1');
    ok(kms(home, ['PutSecretValue', '--SecretName', 'legacy', '--SecretData', 'legacy-2', '--VersionId', 'v2']));
    writeFileSync(fileOf(home, 'legacy'), legacy);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'legacy']), 'legacy', /older copy \(generation 0; the latest is generation 1\)/);
  });

  test('after a rekey the manifest is under the new key, and an older copy is still refused', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'r', '--SecretData', 'one', '--VersionId', 'v1']));
    ok(kms(home, ['PutSecretValue', '--SecretName', 'r', '--SecretData', 'two', '--VersionId', 'v2']));
    const keyId = ok(kms(home, ['CreateKey'])).KeyMetadata.KeyId as string;
    ok(kms(home, ['CreateAlias', '--AliasName', 'alias/r', '--KeyId', keyId]));
    const old = readFileSync(fileOf(home, 'r'));
    const rekeyed = runCli(['rekey', '--yes'], { home });
    expect({ code: rekeyed.code, stderr: rekeyed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ok(kms(home, ['GetSecretValue', '--SecretName', 'r'])).SecretData).toBe('two');
    expect(ok(kms(home, ['DescribeKey', '--KeyId', 'alias/r'])).KeyMetadata.KeyId).toBe(keyId);
    const newKeyId = new Home({ KMS_LOCAL_HOME: home }).keys().keyId;
    for (const dir of [join(home, 'store', REGION, '.manifest'), join(home, 'store', REGION, 'keys', '.manifest')]) {
      for (const shard of readdirSync(dir)) expect(readFileSync(join(dir, shard), 'utf8')).toContain(`"key":"${newKeyId}"`);
    }
    writeFileSync(fileOf(home, 'r'), old);
    // The old copy is under the old key, which the store no longer knows: refused either way.
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'r']), 'r', /./);
  });
});

describe('the metadata index', () => {
  test('an entry planted in the index, or one of a deleted secret put back, is not listed', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'real', '--SecretData', 'v', '--VersionId', 'v1']));
    ok(kms(home, ['CreateSecret', '--SecretName', 'deleted', '--SecretData', 'v', '--VersionId', 'v1']));
    ok(kms(home, ['ListSecrets']));
    const indexDir = join(home, 'store', REGION, '.index');
    const indexBefore = new Map(readdirSync(indexDir).filter((f) => !f.endsWith('lock')).map((f) => [f, readFileSync(join(indexDir, f))]));
    ok(kms(home, ['DeleteSecret', '--SecretName', 'deleted', '--ForceDeleteWithoutRecovery', 'true']));
    expect(ok(kms(home, ['ListSecrets'])).SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['real']);
    // The index as it was before the delete, put back.
    for (const [file, bytes] of indexBefore) writeFileSync(join(indexDir, file), bytes);
    const generation = readFileSync(join(indexDir, 'generation'), 'utf8').trim();
    const meta = { name: 'planted', type: 'Generic', description: '', createTime: '2026-01-01T00:00:00Z', updateTime: '2026-01-01T00:00:00Z', encryptionKeyId: 'x', tags: [] };
    appendFileSync(join(indexDir, `journal-${generation}.jsonl`), `${JSON.stringify({ name: 'planted', meta })}\n`);
    expect(ok(kms(home, ['ListSecrets'])).SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['real']);
  });
});

describe("a listing's vouch (src/store/live-vouch.ts): the index checked against the manifest once, until either changes", () => {
  const listedNames = (home: string): string[] => ok(kms(home, ['ListSecrets', '--PageSize', '100'])).SecretList.Secret.map((s: any) => s.SecretName);
  const indexDir = (home: string) => join(home, 'store', REGION, '.index');
  const vouchOf = (home: string) => join(indexDir(home), 'live');
  const inode = (path: string) => statSync(path).ino;

  /** A home with secrets `names`, its index built, and a vouch for it. */
  function vouched(names: string[]): string {
    const home = newHome();
    for (const name of names) ok(kms(home, ['CreateSecret', '--SecretName', name, '--SecretData', `${name}-value`, '--VersionId', 'v1']));
    expect(listedNames(home)).toEqual(names); // builds the index
    expect(listedNames(home)).toEqual(names); // checks it against the manifest, and vouches
    expect(existsSync(vouchOf(home))).toBe(true);
    return home;
  }

  test('a listing with neither the snapshot nor a shard changed uses the vouch as it is; after a write, the next listing checks and vouches again', () => {
    const home = vouched(['a', 'b']);
    const before = { ino: inode(vouchOf(home)), bytes: readFileSync(vouchOf(home)) };
    expect(listedNames(home)).toEqual(['a', 'b']);
    expect({ ino: inode(vouchOf(home)), bytes: readFileSync(vouchOf(home)) }).toEqual(before);
    ok(kms(home, ['PutSecretValue', '--SecretName', 'a', '--SecretData', 'a-2', '--VersionId', 'v2']));
    expect(listedNames(home)).toEqual(['a', 'b']);
    expect(inode(vouchOf(home))).not.toBe(before.ino);
    expect(readFileSync(vouchOf(home))).not.toEqual(before.bytes);
  });

  test('with a vouch that covers the snapshot and every shard, a name the journal adds is still checked against the manifest', () => {
    const home = vouched(['real']);
    const generation = readFileSync(join(indexDir(home), 'generation'), 'utf8').trim();
    const meta = { name: 'planted', type: 'Generic', description: '', createTime: '2026-01-01T00:00:00Z', updateTime: '2026-01-01T00:00:00Z', encryptionKeyId: 'x', tags: [] };
    appendFileSync(join(indexDir(home), `journal-${generation}.jsonl`), `${JSON.stringify({ name: 'planted', meta })}\n`);
    const before = inode(vouchOf(home));
    expect(listedNames(home)).toEqual(['real']);
    expect(inode(vouchOf(home))).toBe(before); // the vouch was used, not replaced
  });

  test("a snapshot name the manifest holds as deleted stays out: the vouch's dead names are checked one by one, and a vouch edited or kept from older shards is not used", () => {
    const home = vouched(['a', 'b']);
    const generation = readFileSync(join(indexDir(home), 'generation'), 'utf8').trim();
    const journal = join(indexDir(home), `journal-${generation}.jsonl`);
    const journalBefore = readFileSync(journal);
    const olderVouch = readFileSync(vouchOf(home));
    ok(kms(home, ['DeleteSecret', '--SecretName', 'b', '--ForceDeleteWithoutRecovery', 'true']));
    expect(listedNames(home)).toEqual(['a']);
    // The snapshot still holds b (the journal removes it): the new vouch names it dead.
    const [body, mac] = readFileSync(vouchOf(home), 'utf8').split('\n');
    expect(JSON.parse(body!).dead).toEqual(['b']);
    // The journal put back as it was before the delete: b is in the index again, and the vouch is current.
    writeFileSync(journal, journalBefore);
    const current = inode(vouchOf(home));
    expect(listedNames(home)).toEqual(['a']);
    expect(inode(vouchOf(home))).toBe(current);
    // The vouch edited to name no dead secret: its MAC no longer matches, so it is not used.
    writeFileSync(vouchOf(home), `${JSON.stringify({ ...JSON.parse(body!), dead: [] })}\n${mac}\n`);
    expect(listedNames(home)).toEqual(['a']);
    // The vouch made before the delete (under the shards as they were then) put back.
    writeFileSync(vouchOf(home), olderVouch);
    expect(listedNames(home)).toEqual(['a']);
  });
});

describe('a writer killed at any step never makes a false alarm, and what it left is then guarded', () => {
  // Each write: its secret file (atomic write 1), then its manifest entry (atomic write 2).
  const points = ['after-temp-write:1', 'after-rename:1', 'after-temp-write:2', 'after-rename:2'];

  test.each(points)('PutSecretValue killed at %s', (point) => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'one', '--VersionId', 'v1']));
    const before = readFileSync(fileOf(home, 'k'));
    const killed = kms(home, ['PutSecretValue', '--SecretName', 'k', '--SecretData', 'two', '--VersionId', 'v2'], { KMS_LOCAL_TEST_CRASH_AT: point });
    expect(killed.code).not.toBe(0);
    const afterCrash = ok(kms(home, ['GetSecretValue', '--SecretName', 'k']), point).SecretData;
    expect(['one', 'two']).toContain(afterCrash);
    ok(kms(home, ['ListSecrets']), point);
    ok(kms(home, ['PutSecretValue', '--SecretName', 'k', '--SecretData', 'three', '--VersionId', 'v3']), point);
    expect(ok(kms(home, ['GetSecretValue', '--SecretName', 'k'])).SecretData).toBe('three');
    writeFileSync(fileOf(home, 'k'), before);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'k']), 'k', /older copy/);
  });

  test.each(points)('CreateSecret killed at %s', (point) => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'first', '--SecretData', 'x', '--VersionId', 'v1']));
    const killed = kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'one', '--VersionId', 'v1'], { KMS_LOCAL_TEST_CRASH_AT: point });
    expect(killed.code).not.toBe(0);
    const read = kms(home, ['GetSecretValue', '--SecretName', 'k']);
    // Created or not, never an integrity failure.
    expect({ point, error: serviceError(read.stderr)?.code ?? 'none' }).toEqual({ point, error: existsSync(fileOf(home, 'k')) ? 'none' : 'Forbidden.ResourceNotFound' });
    ok(kms(home, ['ListSecrets']), point);
    if (!existsSync(fileOf(home, 'k'))) ok(kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'one', '--VersionId', 'v1']), point);
    const created = readFileSync(fileOf(home, 'k'));
    ok(kms(home, ['PutSecretValue', '--SecretName', 'k', '--SecretData', 'two', '--VersionId', 'v2']), point);
    writeFileSync(fileOf(home, 'k'), created);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'k']), 'k', /older copy/);
  });

  test.each(['after-temp-write:1', 'after-rename:1'])('DeleteSecret --ForceDeleteWithoutRecovery killed at %s (its tombstone)', (point) => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'one', '--VersionId', 'v1']));
    const before = readFileSync(fileOf(home, 'k'));
    const killed = kms(home, ['DeleteSecret', '--SecretName', 'k', '--ForceDeleteWithoutRecovery', 'true'], { KMS_LOCAL_TEST_CRASH_AT: point });
    expect(killed.code).not.toBe(0);
    const read = kms(home, ['GetSecretValue', '--SecretName', 'k']);
    expect({ point, error: serviceError(read.stderr)?.code }).toEqual({ point, error: 'Forbidden.ResourceNotFound' });
    expect(ok(kms(home, ['ListSecrets']), point).SecretList.Secret).toEqual([]);
    // Created again, then deleted again: the first file put back is refused.
    ok(kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'again', '--VersionId', 'v1']), point);
    ok(kms(home, ['DeleteSecret', '--SecretName', 'k', '--ForceDeleteWithoutRecovery', 'true']), point);
    writeFileSync(fileOf(home, 'k'), before, { mode: 0o600 });
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'k']), 'k', /deleted/);
  });

  // What the crash-safety test's writers met: a writer killed between its file and its entry, and
  // its lock broken since by a second writer that was killed in turn, so no lock is left at all.
  test('a file one generation past its entry reads back with no lock left, and the next write records it', () => {
    const home = newHome();
    ok(kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'one', '--VersionId', 'v1']));
    const killed = kms(home, ['PutSecretValue', '--SecretName', 'k', '--SecretData', 'two', '--VersionId', 'v2'], { KMS_LOCAL_TEST_CRASH_AT: 'after-rename:1' });
    expect(killed.code).not.toBe(0);
    rmSync(join(home, 'store', REGION, '.locks'), { recursive: true, force: true });
    expect(ok(kms(home, ['GetSecretValue', '--SecretName', 'k'])).SecretData).toBe('two');
    const unrecorded = readFileSync(fileOf(home, 'k'));
    ok(kms(home, ['PutSecretValue', '--SecretName', 'k', '--SecretData', 'three', '--VersionId', 'v3']));
    ok(kms(home, ['PutSecretValue', '--SecretName', 'k', '--SecretData', 'four', '--VersionId', 'v4']));
    writeFileSync(fileOf(home, 'k'), unrecorded);
    expectRefused(kms(home, ['GetSecretValue', '--SecretName', 'k']), 'k', /older copy/);
  });

  test('the first write of a new region killed while enrolling it leaves nothing in the way', () => {
    const home = newHome();
    const killed = kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'one', '--VersionId', 'v1'], { KMS_LOCAL_TEST_CRASH_AT: 'manifest-staged' });
    expect(killed.code).not.toBe(0);
    expect(existsSync(join(home, 'store', REGION, '.manifest'))).toBe(false);
    ok(kms(home, ['CreateSecret', '--SecretName', 'k', '--SecretData', 'one', '--VersionId', 'v1']));
    expect(ok(kms(home, ['GetSecretValue', '--SecretName', 'k'])).SecretData).toBe('one');
  });
});

describe('keys and alias tables are guarded the same way', () => {
  const keyFileOf = (home: string, keyId: string) => join(home, 'store', REGION, 'keys', `${keyId}.json`);
  const aliasesOf = (home: string) => join(home, 'store', REGION, 'keys', 'aliases.json');

  test('an older copy of a key file put back (a disabled key enabled again) is refused', () => {
    const home = newHome();
    const keyId = ok(kms(home, ['CreateKey'])).KeyMetadata.KeyId as string;
    const enabled = readFileSync(keyFileOf(home, keyId));
    ok(kms(home, ['DisableKey', '--KeyId', keyId]));
    writeFileSync(keyFileOf(home, keyId), enabled);
    const described = kms(home, ['DescribeKey', '--KeyId', keyId]);
    const error = serviceError(described.stderr);
    expect(error?.code).toBe('Rejected.IntegrityCheckFailed');
    expect(error!.message).toContain(`The key '${keyId}' failed its integrity check: its file is an older copy (generation 1; the latest is generation 2)`);
    expect(serviceError(kms(home, ['Encrypt', '--KeyId', keyId, '--Plaintext', 'aGk=']).stderr)?.code).toBe('Rejected.IntegrityCheckFailed');
  });

  test('an older copy of the alias table put back (an alias pointed at its old key again) is refused', () => {
    const home = newHome();
    const first = ok(kms(home, ['CreateKey'])).KeyMetadata.KeyId as string;
    const second = ok(kms(home, ['CreateKey'])).KeyMetadata.KeyId as string;
    ok(kms(home, ['CreateAlias', '--AliasName', 'alias/app', '--KeyId', first]));
    const old = readFileSync(aliasesOf(home));
    ok(kms(home, ['UpdateAlias', '--AliasName', 'alias/app', '--KeyId', second]));
    writeFileSync(aliasesOf(home), old);
    const described = kms(home, ['DescribeKey', '--KeyId', 'alias/app']);
    const error = serviceError(described.stderr);
    expect(error?.code).toBe('Rejected.IntegrityCheckFailed');
    expect(error!.message).toContain(`The alias table of ${REGION} failed its integrity check: its file is an older copy`);
  });

  test('the file of a removed key restored does not bring the key back', () => {
    const root = newHome();
    const home = new Home({ KMS_LOCAL_HOME: root });
    const keyId = ok(kms(root, ['CreateKey'])).KeyMetadata.KeyId as string;
    const old = readFileSync(keyFileOf(root, keyId));
    const keys = new KeyStore(home, REGION, () => Date.now());
    keys.mutate(keyId, () => ({ next: null, result: undefined }));
    expect(existsSync(keyFileOf(root, keyId))).toBe(false);
    writeFileSync(keyFileOf(root, keyId), old, { mode: 0o600 });
    expect(() => new KeyStore(new Home({ KMS_LOCAL_HOME: root }), REGION, () => Date.now()).get(keyId)).toThrow(/it was deleted \(at generation 2\), and an older copy of its file \(generation 1\) was put back/);
  });
});
