/**
 * The metadata index (src/store/metadata-index.ts): ListSecrets reads it instead of every file, so
 * it must always agree with the files: after many writers, after compaction, after a writer killed
 * between its file change and its index line, and when a store has no index yet.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ACS_CURRENT, type SecretMetadata, type SecretRecord } from '../../src/core/model.js';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { metadataOf } from '../../src/store/metadata-index.js';
import { makeHome, removeHome, runCli, runCliAsync } from '../support/cli.js';

const REGION = 'cn-hangzhou';
const NOW = '2026-03-01T08:00:00Z';
const homes: string[] = [];
afterAll(() => homes.forEach(removeHome));

function newHome(): string {
  const root = makeHome();
  homes.push(root);
  return root;
}

function storeOf(root: string): SecretStore {
  return new SecretStore(new Home({ KMS_LOCAL_HOME: root }), REGION, () => Date.parse(NOW));
}

function recordOf(home: Home, name: string, description: string): SecretRecord {
  const keys = home.keys();
  const plaintext = Buffer.from(`value of ${name}`);
  return {
    name,
    type: 'Generic',
    description,
    createTime: NOW,
    updateTime: NOW,
    encryptionKeyId: keys.keyId,
    tags: [],
    versions: [
      { versionId: 'v1', createTime: NOW, stages: [ACS_CURRENT], dataType: 'text', digest: keys.digest(name, 'text', plaintext), payload: keys.sealValue(name, 'v1', plaintext) },
    ],
  };
}

/** The truth: every secret file read and verified, as metadata. */
function fromFiles(store: SecretStore): SecretMetadata[] {
  return store
    .names()
    .map((name) => store.get(name))
    .filter((s): s is SecretRecord => s !== undefined)
    .map(metadataOf);
}

const byName = (list: SecretMetadata[]) => [...list].sort((a, b) => (a.name < b.name ? -1 : 1));

describe('the metadata index agrees with the secret files', () => {
  test('after creates, updates and deletes in one process', () => {
    const root = newHome();
    const store = storeOf(root);
    const home = new Home({ KMS_LOCAL_HOME: root });
    for (let i = 0; i < 30; i++) store.mutate(`s${i}`, () => ({ next: recordOf(home, `s${i}`, 'first'), result: undefined }));
    expect(byName(store.list())).toEqual(byName(fromFiles(store)));
    for (let i = 0; i < 30; i += 3) store.mutate(`s${i}`, () => ({ next: null, result: undefined }));
    for (let i = 1; i < 30; i += 3) store.mutate(`s${i}`, (c) => ({ next: { ...c!, description: 'second' }, result: undefined }));
    const listed = byName(store.list());
    expect(listed).toEqual(byName(fromFiles(store)));
    expect(listed).toHaveLength(20);
    expect(listed.filter((m) => m.description === 'second')).toHaveLength(10);
  });

  test('after enough writes to compact the journal, more than once', () => {
    const root = newHome();
    const store = storeOf(root);
    const home = new Home({ KMS_LOCAL_HOME: root });
    const longDescription = 'd'.repeat(1000);
    expect(store.list()).toEqual([]); // the first listing creates the index
    // ~1.2 KiB per journal line: 600 writes pass the 256 KiB compaction threshold twice.
    for (let i = 0; i < 600; i++) store.mutate(`s${i % 50}`, () => ({ next: recordOf(home, `s${i % 50}`, `${longDescription}${i}`), result: undefined }));
    const indexFiles = readdirSync(join(root, 'store', REGION, '.index'));
    const snapshots = indexFiles.filter((f) => f.startsWith('snapshot-'));
    expect(snapshots).toHaveLength(1);
    expect(Number(/snapshot-(\d+)/.exec(snapshots[0]!)![1])).toBeGreaterThanOrEqual(3);
    expect(byName(store.list())).toEqual(byName(fromFiles(store)));
  });

  test('a store written before the index existed is indexed from its files on first listing', () => {
    const root = newHome();
    const store = storeOf(root);
    const home = new Home({ KMS_LOCAL_HOME: root });
    for (let i = 0; i < 5; i++) store.mutate(`old${i}`, () => ({ next: recordOf(home, `old${i}`, 'old'), result: undefined }));
    rmSync(join(root, 'store', REGION, '.index'), { recursive: true, force: true });
    expect(byName(storeOf(root).list())).toEqual(byName(fromFiles(store)));
  });
});

describe('through the CLI', () => {
  const kms = (root: string, args: string[], env?: Record<string, string>) => runCli(['kms', ...args], { home: root, env });

  test('a writer killed after its file changed but before its index line: ListSecrets still tells the truth', () => {
    const root = newHome();
    expect(kms(root, ['CreateSecret', '--SecretName', 'a', '--SecretData', 'x', '--VersionId', 'v1']).code).toBe(0);
    expect(kms(root, ['ListSecrets']).json.TotalCount).toBe(1);
    const killed = kms(root, ['UpdateSecret', '--SecretName', 'a', '--Description', 'changed'], { KMS_LOCAL_TEST_CRASH_AT: 'after-rename' });
    expect(killed.code).not.toBe(0);
    const killedCreate = kms(root, ['CreateSecret', '--SecretName', 'b', '--SecretData', 'y', '--VersionId', 'v1'], { KMS_LOCAL_TEST_CRASH_AT: 'after-rename' });
    expect(killedCreate.code).not.toBe(0);
    const listed = kms(root, ['ListSecrets', '--Filters', '[{"Key":"Description","Values":["changed"]}]']);
    expect(listed.json.SecretList.Secret.map((s: { SecretName: string }) => s.SecretName)).toEqual(['a']);
    expect(kms(root, ['ListSecrets']).json.TotalCount).toBe(2);
  });

  test('30 processes creating, tagging and deleting secrets at once leave an index equal to the files', async () => {
    const root = newHome();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        runCliAsync(['kms', 'CreateSecret', '--SecretName', `c${i}`, '--SecretData', `v${i}`, '--VersionId', 'v1'], { home: root }),
      ),
    );
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? runCliAsync(['kms', 'DeleteSecret', '--SecretName', `c${i}`, '--ForceDeleteWithoutRecovery', 'true'], { home: root })
          : runCliAsync(['kms', 'TagResource', '--SecretName', `c${i}`, '--Tags', '[{"TagKey":"team","TagValue":"odd"}]'], { home: root }),
      ),
    );
    expect(results.map((r) => r.code)).toEqual(Array(30).fill(0));
    const listed = kms(root, ['ListSecrets', '--PageSize', '100', '--FetchTags', 'true']).json;
    expect(listed.TotalCount).toBe(15);
    expect(listed.SecretList.Secret.every((s: { Tags: { Tag: unknown[] } }) => s.Tags.Tag.length === 1)).toBe(true);
    expect(byName(storeOf(root).list())).toEqual(byName(fromFiles(storeOf(root))));
  });
});
