/**
 * The metadata index (src/store/metadata-index.ts): ListSecrets reads it instead of every file, so
 * it must always agree with the files: after many writers, after compaction, after a writer killed
 * between its file change and its index line, and when a store has no index yet.
 */
import { describe, expect, test } from '@jest/globals';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ACS_CURRENT, type SecretMetadata, type SecretRecord } from '../../src/core/model.js';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { metadataOf } from '../../src/store/metadata-index.js';
import { homesRemovedAfterAll, runCli, runCliAsync } from '../support/cli.js';

const REGION = 'cn-hangzhou';
const NOW = '2026-03-01T08:00:00Z';
const newHome = homesRemovedAfterAll();

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
    // The region's folder exists once a secret is written (a read creates none); the first listing then creates the index.
    store.mutate('first', () => ({ next: recordOf(home, 'first', 'v'), result: undefined }));
    expect(store.list().map((m) => m.name)).toEqual(['first']);
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
  test('a write on a region that has no index yet leaves none, and takes no index lock to know it', () => {
    const root = newHome();
    const store = storeOf(root);
    const home = new Home({ KMS_LOCAL_HOME: root });
    store.mutate('s', () => ({ next: recordOf(home, 's', 'one'), result: undefined }));
    store.mutate('s', (c) => ({ next: { ...c!, description: 'two' }, result: undefined }));
    // A lock taken would have made the index folder to hold it.
    expect(existsSync(join(root, 'store', REGION, '.index'))).toBe(false);
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

  test('ListSecrets building the first index while writers change secrets: the index it leaves equals the files', async () => {
    for (let round = 0; round < 3; round++) {
      const root = newHome();
      const store = storeOf(root);
      const home = new Home({ KMS_LOCAL_HOME: root });
      for (let i = 0; i < 12; i++) store.mutate(`s${i}`, () => ({ next: recordOf(home, `s${i}`, 'before'), result: undefined }));
      rmSync(join(root, 'store', REGION, '.index'), { recursive: true, force: true });
      const runs = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          i % 4 === 0
            ? runCliAsync(['kms', 'ListSecrets', '--PageSize', '100'], { home: root })
            : runCliAsync(['kms', 'UpdateSecret', '--SecretName', `s${i % 12}`, '--Description', `after-${i}`], { home: root }),
        ),
      );
      expect(runs.map((r) => r.code)).toEqual(Array(24).fill(0));
      expect(byName(storeOf(root).list())).toEqual(byName(fromFiles(storeOf(root))));
    }
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

// ---------------------------------------------------------------- a damaged index, an unreadable file (issue 10 point 5)

describe('a damaged metadata index is rebuilt; an unreadable secret file is skipped with a warning', () => {
  const cli = (root: string, ...args: string[]) => runCli(['kms', ...args], { home: root });
  const listed = (root: string): string[] => {
    const result = cli(root, 'ListSecrets', '--PageSize', '100');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return result.json.SecretList.Secret.map((s: any) => s.SecretName);
  };
  /** A home with secrets a, b, c and its index built; returns the index folder. */
  function seeded(): { root: string; index: string; generation: () => string } {
    const root = newHome();
    for (const name of ['a', 'b', 'c']) expect(cli(root, 'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretData', `${name}-value`).code).toBe(0);
    expect(listed(root)).toEqual(['a', 'b', 'c']);
    const index = join(root, 'store', REGION, '.index');
    return { root, index, generation: () => readFileSync(join(index, 'generation'), 'utf8').trim() };
  }

  /**
   * The snapshot (src/store/index-snapshot.ts) rewritten by `change`, given its lines after the
   * header: the names, the pending positions, one metadata line per name. `rehash` writes a
   * checksum that matches.
   */
  const editSnapshot = (index: string, g: string, change: (lines: string[]) => string[], rehash = false): void => {
    const file = join(index, `snapshot-${g}.lines`);
    const [headerLine, ...lines] = readFileSync(file, 'utf8').slice(0, -1).split('\n');
    const header = JSON.parse(headerLine!);
    const body = `${change(lines).join('\n')}\n`;
    if (rehash) header.sha256 = createHash('sha256').update(body).digest('hex');
    writeFileSync(file, `${JSON.stringify(header)}\n${body}`);
  };
  /** The names line changed by `change`. */
  const names = (change: (list: string[]) => string[]) => (lines: string[]) => [JSON.stringify(change(JSON.parse(lines[0]!))), ...lines.slice(1)];
  /** The index in the first snapshot format (`snapshot-<g>.json`, one JSON object), as older stores have it. */
  const firstFormat = (index: string, g: string, text?: string): void => {
    const [, nameLine, , ...metas] = readFileSync(join(index, `snapshot-${g}.lines`), 'utf8').trim().split('\n');
    const entries = Object.fromEntries((JSON.parse(nameLine!) as string[]).map((name, i) => [name, JSON.parse(metas[i]!)]));
    rmSync(join(index, `snapshot-${g}.lines`));
    writeFileSync(join(index, `snapshot-${g}.json`), text ?? JSON.stringify(entries));
  };

  const damages: [string, (index: string, g: string) => void][] = [
    ['a snapshot cut short', (index, g) => writeFileSync(join(index, `snapshot-${g}.lines`), readFileSync(join(index, `snapshot-${g}.lines`)).subarray(0, 150))],
    ['a snapshot of the first .lines format', (index, g) => writeFileSync(join(index, `snapshot-${g}.lines`), readFileSync(join(index, `snapshot-${g}.lines`), 'utf8').replace('"v":2', '"v":1'))],
    ['a snapshot line changed (its checksum fails)', (index, g) => editSnapshot(index, g, (lines) => [lines[0]!, '[1]', ...lines.slice(2)])],
    ['a snapshot without its pending positions', (index, g) => editSnapshot(index, g, (lines) => [lines[0]!, ...lines.slice(2)], true)],
    ['a snapshot whose names are out of order', (index, g) => editSnapshot(index, g, names((list) => [...list].reverse()), true)],
    ['a snapshot with a name twice', (index, g) => editSnapshot(index, g, names((list) => [list[0]!, ...list]), true)],
    ['a snapshot that lost a name (its count fails)', (index, g) => editSnapshot(index, g, names((list) => list.filter((name) => name !== 'b')), true)],
    ['a first-format snapshot that is not JSON', (index, g) => firstFormat(index, g, '{"a": {"name": "a", "ty')],
    ['a first-format snapshot entry that is not metadata', (index, g) => firstFormat(index, g, '{"a": null, "b": 5}')],
    ['a journal line that is not JSON', (index, g) => appendFileSync(join(index, `journal-${g}.jsonl`), '{"name":"a","me\n')],
    ['a journal line of the wrong shape', (index, g) => appendFileSync(join(index, `journal-${g}.jsonl`), 'null\n{"name":"b","meta":{"name":"zzz"}}\n')],
  ];

  test.each(damages)('%s: a write exits 0 and is audited as a success, and ListSecrets lists every secret', (_what, damage) => {
    const { root, index, generation } = seeded();
    const damaged = generation();
    damage(index, damaged);
    const put = cli(root, 'PutSecretValue', '--SecretName', 'b', '--VersionId', 'v2', '--SecretData', 'b-2');
    expect({ code: put.code, stderr: put.stderr }).toEqual({ code: 0, stderr: '' });
    const created = cli(root, 'CreateSecret', '--SecretName', 'd', '--VersionId', 'v1', '--SecretData', 'd-value');
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(listed(root)).toEqual(['a', 'b', 'c', 'd']);
    // Rebuilt as a new generation, which later writes keep up.
    const rebuilt = generation();
    expect(Number(rebuilt)).toBeGreaterThan(Number(damaged));
    expect(cli(root, 'DeleteSecret', '--SecretName', 'c', '--ForceDeleteWithoutRecovery', 'true').code).toBe(0);
    expect(listed(root)).toEqual(['a', 'b', 'd']);
    expect(generation()).toBe(rebuilt);
    const audit = readFileSync(join(root, 'audit.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(audit.filter((r) => r.outcome !== 'success')).toEqual([]);
  });

  test('a snapshot line that is not metadata, under a checksum that matches (an edit): the secret is read from its file, with a warning', () => {
    const { root, index, generation } = seeded();
    // b's metadata line (after the names and the pending positions, b is the second).
    editSnapshot(index, generation(), (lines) => lines.map((line, i) => (i === 3 ? '{"name":"b","type":5}' : line)), true);
    const result = cli(root, 'ListSecrets');
    expect(result.code).toBe(0);
    expect(result.json.SecretList.Secret.map((s: any) => [s.SecretName, s.SecretType])).toEqual([['a', 'Generic'], ['b', 'Generic'], ['c', 'Generic']]);
    expect(result.stderr).toMatch(/^WARNING: the metadata index of the region has an entry for 'b' that is not what kms-local writes; it is read from its file\n$/);
  });

  test('an index in the first snapshot format (a store made before .lines snapshots) is read, journal included, and rewritten as .lines', () => {
    const { root, index, generation } = seeded();
    expect(cli(root, 'UpdateSecret', '--SecretName', 'b', '--Description', 'after the snapshot').code).toBe(0);
    const g = generation();
    firstFormat(index, g);
    const result = cli(root, 'ListSecrets', '--Filters', '[{"Key":"Description","Values":["after"]}]');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.json.SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['b']);
    expect(result.json.TotalCount).toBe(1);
    // Compacted into the next generation, in the current format.
    expect(generation()).toBe(String(Number(g) + 1));
    expect(readdirSync(index).filter((f) => f.startsWith('snapshot-'))).toEqual([`snapshot-${generation()}.lines`]);
    expect(listed(root)).toEqual(['a', 'b', 'c']);
    expect(byName(storeOf(root).list())).toEqual(byName(fromFiles(storeOf(root))));
  });

  test('one unreadable secret file: ListSecrets lists the others and warns on stderr naming it, each time, until it is fixed', () => {
    const { root, index } = seeded();
    const file = join(root, 'store', REGION, 'b.json');
    const original = readFileSync(file);
    writeFileSync(file, original.toString('utf8').replace('"v1"', '"v9"'));
    for (const rebuild of [true, false]) {
      if (rebuild) rmSync(index, { recursive: true, force: true });
      const result = cli(root, 'ListSecrets');
      expect(result.code).toBe(0);
      expect(result.json.SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['a', 'c']);
      expect(result.stderr).toMatch(/^WARNING: ListSecrets skipped the secret 'b': .*integrity check.*\n$/);
      expect(result.stderr).not.toContain('b-value');
    }
    writeFileSync(file, original);
    expect(listed(root)).toEqual(['a', 'b', 'c']);
  });

  test('a secret file the file system will not give (a folder in its place): skipped with a warning naming it', () => {
    const { root, index } = seeded();
    rmSync(index, { recursive: true, force: true });
    const file = join(root, 'store', REGION, 'c.json');
    // (root reads files of any mode: a folder makes the read fail whoever runs the test.)
    rmSync(file);
    mkdirSync(file);
    const result = cli(root, 'ListSecrets');
    expect(result.code).toBe(0);
    expect(result.json.SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['a', 'b']);
    expect(result.stderr).toMatch(/^WARNING: ListSecrets skipped the secret 'c'/);
  });
});
