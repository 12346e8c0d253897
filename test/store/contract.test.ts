/**
 * The store contract (src/store/backend.ts), one suite run against both implementations: the
 * home's encrypted files (FileBackend) and a PostgreSQL database (PgBackend) on a real server
 * started on loopback. Whatever one store does, the other must do too.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../../src/errors/errors.js';
import { formatTime } from '../../src/core/time.js';
import { createAlias } from '../../src/core/keys.js';
import type { SecretRecord } from '../../src/core/model.js';
import { Home } from '../../src/store/home.js';
import { FileBackend, type StoreBackend } from '../../src/store/backend.js';
import { PgBackend } from '../../src/store/pg/backend.js';
import { makeHome, removeHome } from '../support/cli.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { NOW, freshDatabase, keyRecord, secretRecord, valueOf } from '../support/store-records.js';

const REGION = 'cn-hangzhou';
const OTHER_REGION = 'cn-shanghai';
const DAY = 24 * 3600 * 1000;
const pgBin = findPostgres();

interface Made {
  home: Home;
  backend: StoreBackend;
  /** Another backend on the same store, for another home object (another host, another master key). */
  sameStore(home: Home): StoreBackend;
}

interface Harness {
  /** A backend on a fresh store, for a fresh home. */
  make(): Made;
  cleanup(): Promise<void>;
}

const homes: string[] = [];
function newHome(): Home {
  const root = makeHome();
  homes.push(root);
  return new Home({ KMS_LOCAL_HOME: root });
}
afterAll(() => homes.forEach(removeHome));

function fileHarness(): Harness {
  return {
    make() {
      const home = newHome();
      return { home, backend: new FileBackend(home), sameStore: (other) => new FileBackend(other) };
    },
    async cleanup() {},
  };
}

function pgHarness(server: () => PgServer): Harness {
  const opened: StoreBackend[] = [];
  return {
    make() {
      const home = newHome();
      const { url } = freshDatabase(server());
      const open = (h: Home) => {
        const backend = new PgBackend(h, url, { poolMax: 8 });
        opened.push(backend);
        return backend;
      };
      return { home, backend: open(home), sameStore: open };
    },
    async cleanup() {
      await Promise.all(opened.map((b) => b.close()));
    },
  };
}

async function serviceErrorOf(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof ServiceError)) throw new Error(`expected a ServiceError, got: ${String(err)}`);
    return err;
  }
  throw new Error('expected a ServiceError');
}

const stores: [string, boolean][] = [
  ['files', true],
  ['postgresql', pgBin !== undefined],
];

describe.each(stores)('store contract: %s', (kind, available) => {
  const maybe = available ? test : test.skip;
  let server: PgServer | undefined;
  let harness: Harness;

  beforeAll(async () => {
    if (kind === 'postgresql' && available) server = await startPostgres(pgBin!);
    harness = kind === 'files' ? fileHarness() : pgHarness(() => server!);
  });

  afterAll(async () => {
    await harness?.cleanup();
    server?.destroy();
  });

  /** A store as the requests of `atMs` see it (the real clock stays the real one). */
  function setup(atMs = Date.parse(NOW)) {
    const made = harness.make();
    const { home, backend } = made;
    expect(backend.kind).toBe(kind);
    return { home, backend, sameStore: made.sameStore, secrets: backend.secrets(REGION, () => atMs), keys: backend.keys(REGION, () => atMs) };
  }

  describe('secrets', () => {
    maybe('what mutate writes, get and peek read back, and the value opens', async () => {
      const { home, secrets } = setup();
      const record = secretRecord(home, 'app/db', 'hunter2');
      await expect(secrets.mutate('app/db', () => ({ next: record, result: 'made' }))).resolves.toBe('made');
      expect(await secrets.get('app/db')).toEqual(record);
      expect(await secrets.peek('app/db')).toEqual(record);
      expect(valueOf(home, (await secrets.get('app/db'))!)).toBe('hunter2');
    });

    maybe('a secret that was never written reads as undefined', async () => {
      const { secrets } = setup();
      expect(await secrets.get('nothing')).toBeUndefined();
      expect(await secrets.peek('nothing')).toBeUndefined();
      expect(await secrets.names()).toEqual([]);
    });

    maybe('the change sees the current record; next undefined leaves it, and the result comes back', async () => {
      const { home, secrets } = setup();
      const record = secretRecord(home, 's1', 'one');
      await secrets.mutate('s1', () => ({ next: record, result: undefined }));
      let seen: SecretRecord | undefined;
      const result = await secrets.mutate('s1', (current) => {
        seen = current;
        return { result: 42 };
      });
      expect(result).toBe(42);
      expect(seen).toEqual(record);
      expect(await secrets.get('s1')).toEqual(record);
    });

    maybe('a change that throws writes nothing, and its error reaches the caller unchanged', async () => {
      const { home, secrets } = setup();
      const record = secretRecord(home, 's1', 'one');
      await secrets.mutate('s1', () => ({ next: record, result: undefined }));
      const refusal = new ServiceError('Rejected.ResourceExist', 'no');
      await expect(secrets.mutate('s1', () => { throw refusal; })).rejects.toBe(refusal);
      await expect(secrets.mutate('s2', () => { throw refusal; })).rejects.toBe(refusal);
      expect(await secrets.get('s1')).toEqual(record);
      expect(await secrets.get('s2')).toBeUndefined();
    });

    maybe('next null deletes the secret', async () => {
      const { home, secrets } = setup();
      await secrets.mutate('gone', () => ({ next: secretRecord(home, 'gone', 'x'), result: undefined }));
      await secrets.mutate('gone', () => ({ next: null, result: undefined }));
      expect(await secrets.get('gone')).toBeUndefined();
      expect(await secrets.names()).toEqual([]);
    });

    maybe('list gives the metadata of every present secret, without versions', async () => {
      const { home, secrets } = setup();
      for (const name of ['b', 'a/x', 'c']) await secrets.mutate(name, () => ({ next: secretRecord(home, name, `v-${name}`), result: undefined }));
      const listed = (await secrets.list()).sort((x, y) => x.name.localeCompare(y.name));
      expect(listed.map((m) => m.name)).toEqual(['a/x', 'b', 'c']);
      const { versions: _v, ...expected } = secretRecord(home, 'b', 'v-b');
      expect(listed[1]).toEqual(expected);
      expect(listed.every((m) => !('versions' in m))).toBe(true);
    });

    maybe('regions are separate namespaces, and regions() names those that hold anything', async () => {
      const { home, backend, secrets } = setup();
      const other = backend.secrets(OTHER_REGION, () => Date.parse(NOW));
      await secrets.mutate('same', () => ({ next: secretRecord(home, 'same', 'here'), result: undefined }));
      expect(await other.get('same')).toBeUndefined();
      await other.mutate('same', () => ({ next: secretRecord(home, 'same', 'there'), result: undefined }));
      expect(valueOf(home, (await secrets.get('same'))!)).toBe('here');
      expect(valueOf(home, (await other.get('same'))!)).toBe('there');
      expect(await backend.regions()).toEqual([REGION, OTHER_REGION].sort());
    });

    maybe('a secret past its deletion date by the real clock is purged on get, and the purge is audited', async () => {
      const { home, backend, secrets } = setup(Date.now());
      const past = formatTime(Date.now() - DAY);
      await secrets.mutate('old', () => ({ next: secretRecord(home, 'old', 'x', { plannedDeleteTime: past }), result: undefined }));
      expect(await secrets.peek('old')).toBeDefined();
      expect(await secrets.get('old')).toBeUndefined();
      expect(await secrets.names()).toEqual([]);
      expect(await secrets.peek('old')).toBeUndefined();
      // In the store's own trail: audit.log for files, the audit table on a shared store.
      const purges = (await backend.audit().read()).filter((e) => e.record.operation === 'PurgeSecret');
      expect(purges.map((e) => e.record.secretName)).toEqual(['old']);
    });

    maybe('list leaves out and purges a secret past its deletion date', async () => {
      const { home, secrets } = setup(Date.now());
      await secrets.mutate('old', () => ({ next: secretRecord(home, 'old', 'x', { plannedDeleteTime: formatTime(Date.now() - DAY) }), result: undefined }));
      await secrets.mutate('kept', () => ({ next: secretRecord(home, 'kept', 'y', { plannedDeleteTime: formatTime(Date.now() + 7 * DAY) }), result: undefined }));
      expect((await secrets.list()).map((m) => m.name)).toEqual(['kept']);
      expect(await secrets.names()).toEqual(['kept']);
    });

    maybe('mutate purges a secret past its deletion date and hands the change nothing; the purge stands when the change refuses', async () => {
      const { home, secrets } = setup(Date.now());
      await secrets.mutate('old', () => ({ next: secretRecord(home, 'old', 'x', { plannedDeleteTime: formatTime(Date.now() - DAY) }), result: undefined }));
      let seen: SecretRecord | undefined | 'unset' = 'unset';
      await expect(
        secrets.mutate('old', (current) => {
          seen = current;
          throw new ServiceError('Forbidden.ResourceNotFound', 'none');
        }),
      ).rejects.toThrow('none');
      expect(seen).toBeUndefined();
      expect(await secrets.names()).toEqual([]);
    });

    maybe('the rehearsal clock (KMS_LOCAL_NOW) shows a secret as deleted but never destroys it, nor lets its name be reused', async () => {
      const { home, backend } = setup();
      const real = backend.secrets(REGION, () => Date.now());
      const planned = formatTime(Date.now() + 7 * DAY);
      await real.mutate('soon', () => ({ next: secretRecord(home, 'soon', 'x', { plannedDeleteTime: planned }), result: undefined }));
      const rehearsed = backend.secrets(REGION, () => Date.now() + 30 * DAY);
      expect(await rehearsed.get('soon')).toBeUndefined();
      expect(await rehearsed.list()).toEqual([]);
      expect(await rehearsed.peek('soon')).toBeDefined();
      let seen: SecretRecord | undefined | 'unset' = 'unset';
      await rehearsed.mutate('soon', (current) => {
        seen = current;
        return { result: undefined };
      });
      expect(seen).toBeUndefined();
      const conflict = await serviceErrorOf(rehearsed.mutate('soon', () => ({ next: secretRecord(home, 'soon', 'new'), result: undefined })));
      expect(conflict.code).toBe('Rejected.ResourceInDeleteWindow');
      expect(await real.names()).toEqual(['soon']);
      expect(valueOf(home, (await real.get('soon'))!)).toBe('x');
      expect((await backend.audit().read()).filter((e) => e.record.operation === 'PurgeSecret')).toEqual([]);
    });

    maybe('a store read under another master key is refused with Rejected.IntegrityCheckFailed', async () => {
      const { home, secrets, sameStore } = setup();
      await secrets.mutate('s', () => ({ next: secretRecord(home, 's', 'x'), result: undefined }));
      const other = new Home({ KMS_LOCAL_HOME: home.root, KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') });
      const elsewhere = sameStore(other).secrets(REGION, () => Date.parse(NOW));
      const refused = await serviceErrorOf(elsewhere.get('s'));
      expect(refused.code).toBe('Rejected.IntegrityCheckFailed');
      expect(refused.message).toContain('master key');
    });

    maybe('many callers changing one secret at once lose nothing', async () => {
      const { home, secrets } = setup();
      await secrets.mutate('counter', () => ({ next: secretRecord(home, 'counter', 'x', { description: '0' }), result: undefined }));
      const callers = 40;
      const seen = await Promise.all(
        Array.from({ length: callers }, () =>
          secrets.mutate('counter', (current) => {
            const count = Number(current!.description) + 1;
            return { next: { ...current!, description: String(count) }, result: count };
          }),
        ),
      );
      // Every caller saw the one before it: each count exactly once.
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: callers }, (_x, i) => i + 1));
      expect((await secrets.get('counter'))!.description).toBe(String(callers));
    });

    maybe('many callers creating one new secret at once: exactly one creates it', async () => {
      const { home, secrets } = setup();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_x, i) =>
          secrets.mutate('race', (current) => (current ? { result: 'exists' } : { next: secretRecord(home, 'race', `v${i}`), result: 'made' })),
        ),
      );
      expect(outcomes.filter((o) => o === 'made')).toHaveLength(1);
      expect(await secrets.names()).toEqual(['race']);
    });
  });

  describe('keys and aliases', () => {
    maybe('what mutate writes, get reads back; list and keyIds are sorted by id; the material opens', async () => {
      const { keys } = setup();
      const made = [keyRecord(keys), keyRecord(keys), keyRecord(keys)];
      for (const { key } of made) await keys.mutate(key.keyId, () => ({ next: key, result: undefined }));
      const ids = made.map((m) => m.key.keyId).sort();
      expect(await keys.keyIds()).toEqual(ids);
      expect((await keys.list()).map((k) => k.keyId)).toEqual(ids);
      const { key, material } = made[0]!;
      const read = (await keys.get(key.keyId))!;
      expect(read).toEqual(key);
      expect(keys.openMaterial(read, read.versions[0]!).equals(material)).toBe(true);
    });

    maybe('an id kms-local cannot have made names no key: get is undefined, mutate Forbidden.KeyNotFound', async () => {
      const { keys } = setup();
      expect(await keys.get('../etc')).toBeUndefined();
      expect((await serviceErrorOf(keys.mutate('../etc', () => ({ result: undefined })))).code).toBe('Forbidden.KeyNotFound');
    });

    maybe('a key past its deletion date by the real clock is purged; a rehearsal clock hides it but keeps it', async () => {
      const { backend, keys } = setup(Date.now());
      const { key: due } = keyRecord(keys, { state: 'PendingDeletion', deleteDate: formatTime(Date.now() - DAY) });
      const { key: later } = keyRecord(keys, { state: 'PendingDeletion', deleteDate: formatTime(Date.now() + 7 * DAY) });
      for (const key of [due, later]) await keys.mutate(key.keyId, () => ({ next: key, result: undefined }));
      const rehearsed = backend.keys(REGION, () => Date.now() + 30 * DAY);
      expect(await rehearsed.get(later.keyId)).toBeUndefined();
      expect(await rehearsed.list()).toEqual([]);
      expect(await keys.keyIds()).toContain(later.keyId);
      expect(await keys.get(due.keyId)).toBeUndefined();
      expect(await keys.keyIds()).toEqual([later.keyId]);
      expect(await keys.get(later.keyId)).toEqual(later);
    });

    maybe('peek reads a key as stored, past its deletion date too, and purges nothing', async () => {
      const { keys } = setup(Date.now());
      const { key: due } = keyRecord(keys, { state: 'PendingDeletion', deleteDate: formatTime(Date.now() - DAY) });
      await keys.mutate(due.keyId, () => ({ next: due, result: undefined }));
      expect(await keys.peek(due.keyId)).toEqual(due);
      expect(await keys.keyIds()).toEqual([due.keyId]);
      expect(await keys.peek(keyRecord(keys).key.keyId)).toBeUndefined();
      expect(await keys.peek('../etc')).toBeUndefined();
    });

    maybe('aliases: written whole, read sorted, only those whose key exists', async () => {
      const { keys } = setup();
      const { key: a } = keyRecord(keys);
      const { key: b } = keyRecord(keys);
      for (const key of [a, b]) await keys.mutate(key.keyId, () => ({ next: key, result: undefined }));
      await keys.mutateAliases((aliases) => ({ next: createAlias(aliases, 'alias/zeta', a, NOW), result: undefined }));
      await keys.mutateAliases((aliases) => ({ next: createAlias(aliases, 'alias/alpha', b, NOW), result: undefined }));
      expect((await keys.readAliases()).map((x) => x.aliasName)).toEqual(['alias/alpha', 'alias/zeta']);
      await keys.mutate(b.keyId, () => ({ next: null, result: undefined }));
      expect((await keys.readAliases()).map((x) => x.aliasName)).toEqual(['alias/zeta']);
      const refusal = new ServiceError('AliasAlreadyExists', 'taken');
      await expect(keys.mutateAliases(() => { throw refusal; })).rejects.toBe(refusal);
      expect((await keys.readAliases()).map((x) => x.aliasName)).toEqual(['alias/zeta']);
    });

    maybe('resolve finds a key by id, key ARN, alias and alias ARN; unknown ones are KeyNotFound and AliasNotFound', async () => {
      const { keys } = setup();
      const account = '1234567890123456';
      const { key } = keyRecord(keys);
      await keys.mutate(key.keyId, () => ({ next: key, result: undefined }));
      await keys.mutateAliases((aliases) => ({ next: createAlias(aliases, 'alias/app', key, NOW), result: undefined }));
      for (const reference of [key.keyId, `acs:kms:${REGION}:${account}:key/${key.keyId}`, 'alias/app', `acs:kms:${REGION}:${account}:alias/app`]) {
        expect((await keys.resolve(reference, account)).keyId).toBe(key.keyId);
      }
      expect((await serviceErrorOf(keys.resolve('alias/none', account))).code).toBe('Forbidden.AliasNotFound');
      expect((await serviceErrorOf(keys.resolve(keyRecord(keys).key.keyId, account))).code).toBe('Forbidden.KeyNotFound');
    });

    maybe('many callers changing one key and the alias table at once lose nothing', async () => {
      const { keys } = setup();
      const { key } = keyRecord(keys, { tags: [] });
      await keys.mutate(key.keyId, () => ({ next: key, result: undefined }));
      await Promise.all([
        ...Array.from({ length: 20 }, (_x, i) =>
          keys.mutate(key.keyId, (current) => ({ next: { ...current!, tags: [...current!.tags, { TagKey: `k${i}`, TagValue: 'v' }] }, result: undefined })),
        ),
        ...Array.from({ length: 20 }, (_x, i) => keys.mutateAliases((aliases) => ({ next: createAlias(aliases, `alias/a${i}`, key, NOW), result: undefined }))),
      ]);
      expect((await keys.get(key.keyId))!.tags).toHaveLength(20);
      expect(await keys.readAliases()).toHaveLength(20);
    });
  });
});
