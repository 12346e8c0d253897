/**
 * The PostgreSQL store beyond the contract (contract.test.ts): how a home chooses it, its schema
 * migrations, two hosts on one database, a database that holds no value in any encoding, records
 * changed in the database, and a database that goes away mid-call. Against a real server on
 * loopback (test/support/postgres.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { CliError, ServiceError } from '../../src/errors/errors.js';
import { Home } from '../../src/store/home.js';
import type { StoreBackend } from '../../src/store/backend.js';
import { backendOf, closeBackendOf } from '../../src/store/open-backend.js';
import { SCHEMA_VERSION } from '../../src/store/pg/schema.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { pgHosts } from '../support/pg-hosts.js';
import { encodingsOf, freshDatabase, keyRecord, secretRecord, sqlOn, valueOf } from '../support/store-records.js';

const REGION = 'cn-hangzhou';
const pgBin = findPostgres();
const describeIfPostgres = pgBin ? describe : describe.skip;

/** Homes standing for hosts, each with its own folder; the team's master key and store come in `env`. */
const { hostHome, pgBackend } = pgHosts({ poolMax: 4 });

async function serviceErrorOf(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof ServiceError)) throw new Error(`expected a ServiceError, got: ${String(err)}`);
    return err;
  }
  throw new Error('expected a ServiceError');
}

/** A write that changes nothing: it brings the schema up to date, as any write does. */
function writeNothing(backend: StoreBackend): Promise<void> {
  return backend.secrets(REGION, () => Date.now()).mutate('nothing', () => ({ result: undefined }));
}

/** Runs SQL on one database of the server, as its superuser. */

describe('which store a home uses', () => {
  test('KMS_LOCAL_STORE=postgresql:// (or postgres://) selects the PostgreSQL store; files otherwise', () => {
    expect(backendOf(hostHome({ KMS_LOCAL_STORE: 'postgresql://u@127.0.0.1:1/db' })).kind).toBe('postgresql');
    expect(backendOf(hostHome({ KMS_LOCAL_STORE: 'postgres://u@127.0.0.1:1/db' })).kind).toBe('postgresql');
    expect(backendOf(hostHome({})).kind).toBe('files');
    expect(backendOf(hostHome({ KMS_LOCAL_STORE: 'files' })).kind).toBe('files');
  });

  test("the profile file's store setting selects it too, and KMS_LOCAL_STORE wins over it", () => {
    const home = hostHome({});
    writeFileSync(home.path('config.json'), JSON.stringify({ current: 'default', profiles: [], store: 'postgresql://u@127.0.0.1:1/db' }));
    expect(backendOf(home).kind).toBe('postgresql');
    const overridden = new Home({ KMS_LOCAL_HOME: home.root, KMS_LOCAL_STORE: 'files' });
    expect(backendOf(overridden).kind).toBe('files');
  });

  test('an empty KMS_LOCAL_STORE is refused rather than read as files', () => {
    expect(() => backendOf(hostHome({ KMS_LOCAL_STORE: '' }))).toThrow(CliError);
    expect(() => backendOf(hostHome({ KMS_LOCAL_STORE: ' ' }))).toThrow('KMS_LOCAL_STORE is set but empty');
  });

  test('a URL of another kind is refused without echoing it (it may hold a password)', () => {
    const home = hostHome({ KMS_LOCAL_STORE: 'mysql://admin:Pa55w0rd@db/kms' });
    expect(() => backendOf(home)).toThrow('KMS_LOCAL_STORE must be a postgresql://');
    try {
      backendOf(home);
    } catch (err) {
      expect((err as Error).message).not.toContain('Pa55w0rd');
    }
  });

  test('choosing the store connects to nothing: a backend nobody calls closes without having loaded it', async () => {
    const home = hostHome({ KMS_LOCAL_STORE: 'postgresql://u:p@127.0.0.1:1/db' });
    const backend = backendOf(home);
    backend.secrets(REGION, () => Date.now());
    backend.keys(REGION, () => Date.now());
    await expect(closeBackendOf(home)).resolves.toBeUndefined();
  });
});

describeIfPostgres('the PostgreSQL store on a real server', () => {
  let server: PgServer;
  const masterKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    server = await startPostgres(pgBin!);
  });

  afterAll(() => {
    server?.destroy();
  });

  describe('schema', () => {
    test('nothing is created by choosing the store or by reading a database never used; the first write creates every table, at the newest version', async () => {
      const { url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: url });
      const backend = backendOf(home);
      const secrets = backend.secrets(REGION, () => Date.now());
      const keys = backend.keys(REGION, () => Date.now());
      const tables = () => sqlOn<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'kms_local_%' ORDER BY 1`);
      await backend.open();
      expect(await secrets.names()).toEqual([]);
      expect(await secrets.get('s')).toBeUndefined();
      expect(await secrets.list()).toEqual([]);
      expect(await keys.keyIds()).toEqual([]);
      expect(await keys.readAliases()).toEqual([]);
      expect(await backend.regions()).toEqual([]);
      expect(await tables()).toEqual([]);
      await secrets.mutate('s', () => ({ result: undefined }));
      expect((await tables()).map((r) => r.t)).toEqual(['kms_local_aliases', 'kms_local_audit', 'kms_local_keys', 'kms_local_meta', 'kms_local_nonces', 'kms_local_principals', 'kms_local_schema_version', 'kms_local_secrets', 'kms_local_targets']);
      const versions = await sqlOn<{ version: number }>(url, 'SELECT version FROM kms_local_schema_version ORDER BY version');
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_x, i) => i + 1));
      await closeBackendOf(home);
    });

    test('a host that read the empty store sees what another host wrote after it', async () => {
      const { url } = freshDatabase(server);
      const env = { KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: url };
      const [reader, writer] = [hostHome(env), hostHome(env)];
      const onReader = backendOf(reader).secrets(REGION, () => Date.now());
      expect(await onReader.get('later')).toBeUndefined();
      await backendOf(writer).secrets(REGION, () => Date.now()).mutate('later', () => ({ next: secretRecord(writer, 'later', 'v'), result: undefined }));
      expect(valueOf(reader, (await onReader.get('later'))!)).toBe('v');
      await backendOf(reader).open();
      expect(reader.accountId()).toBe(writer.accountId());
      await Promise.all([closeBackendOf(reader), closeBackendOf(writer)]);
    });

    test('hosts starting at once on a new database migrate it once and agree on one account id', async () => {
      const { url } = freshDatabase(server);
      const hosts = Array.from({ length: 6 }, () => hostHome({ KMS_LOCAL_MASTER_KEY: masterKey }));
      await Promise.all(hosts.map((home) => writeNothing(pgBackend(home, url))));
      const versions = await sqlOn(url, 'SELECT version FROM kms_local_schema_version');
      expect(versions).toHaveLength(SCHEMA_VERSION);
      const accounts = new Set(hosts.map((home) => home.accountId()));
      expect(accounts.size).toBe(1);
      const [stored] = await sqlOn<{ value: string }>(url, `SELECT value FROM kms_local_meta WHERE name = 'account_id'`);
      expect([...accounts]).toEqual([stored!.value]);
      expect(stored!.value).toMatch(/^\d{16}$/);
    });

    test("the first host's account id becomes the store's, so its ARNs do not change", async () => {
      const { url } = freshDatabase(server);
      const first = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const before = first.accountId();
      await writeNothing(pgBackend(first, url));
      expect(first.accountId()).toBe(before);
      const second = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      expect(second.accountId()).not.toBe(before);
      await writeNothing(pgBackend(second, url));
      expect(second.accountId()).toBe(before);
    });

    test('a database migrated by a newer kms-local is refused, not written', async () => {
      const { url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      await writeNothing(pgBackend(home, url));
      await sqlOn(url, `INSERT INTO kms_local_schema_version (version, description) VALUES (${SCHEMA_VERSION + 1}, 'from the future')`);
      const later = pgBackend(hostHome({ KMS_LOCAL_MASTER_KEY: masterKey }), url);
      const refused = await serviceErrorOf(later.secrets(REGION, () => Date.now()).mutate('s', () => ({ result: undefined })));
      expect(refused.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
      expect(refused.message).toContain('upgrade kms-local');
    });
  });

  describe('two hosts on one database', () => {
    test('a value written on one host is read on the other, and the ARNs agree', async () => {
      const { url } = freshDatabase(server);
      const env = { KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: url };
      const [a, b] = [hostHome(env), hostHome(env)];
      const onA = backendOf(a).secrets(REGION, () => Date.now());
      const onB = backendOf(b).secrets(REGION, () => Date.now());
      await onA.mutate('shared/db', () => ({ next: secretRecord(a, 'shared/db', 'written-on-a'), result: undefined }));
      expect(valueOf(b, (await onB.get('shared/db'))!)).toBe('written-on-a');
      expect(a.accountId()).toBe(b.accountId());
      await Promise.all([closeBackendOf(a), closeBackendOf(b)]);
    });

    test('writers on both hosts at once lose nothing', async () => {
      const { url } = freshDatabase(server);
      const env = { KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: url };
      const [a, b] = [hostHome(env), hostHome(env)];
      const stores = [a, b].map((home) => backendOf(home).secrets(REGION, () => Date.now()));
      await stores[0]!.mutate('counter', () => ({ next: secretRecord(a, 'counter', 'x', { description: '0' }), result: undefined }));
      const perHost = 25;
      await Promise.all(
        stores.flatMap((store) =>
          Array.from({ length: perHost }, () =>
            store.mutate('counter', (current) => ({ next: { ...current!, description: String(Number(current!.description) + 1) }, result: undefined })),
          ),
        ),
      );
      expect((await stores[1]!.get('counter'))!.description).toBe(String(2 * perHost));
      await Promise.all([closeBackendOf(a), closeBackendOf(b)]);
    });
  });

  describe('the master key', () => {
    test('a host given another master key than the store\'s first write was sealed under: its writes are refused, nothing written', async () => {
      const { url } = freshDatabase(server);
      const a = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const b = hostHome({ KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') });
      await pgBackend(a, url).secrets(REGION, () => Date.now()).mutate('from-a', () => ({ next: secretRecord(a, 'from-a', 'x'), result: undefined }));
      const onB = pgBackend(b, url).secrets(REGION, () => Date.now());
      const refused = await serviceErrorOf(onB.mutate('from-b', () => ({ next: secretRecord(b, 'from-b', 'y'), result: undefined })));
      expect(refused.code).toBe('Rejected.IntegrityCheckFailed');
      expect(refused.message).toContain(`sealed under master key ${a.keys().keyId}, but this host's master key is ${b.keys().keyId}`);
      expect(refused.message).toContain('every host of a shared store needs');
      expect(await onB.names()).toEqual(['from-a']);
    });
  });

  describe('what the database holds', () => {
    test('pg_dump of the whole database holds no secret value and no key material, in any encoding', async () => {
      const { name, url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const backend = pgBackend(home, url);
      const secrets = backend.secrets(REGION, () => Date.now());
      const keys = backend.keys(REGION, () => Date.now());
      const values = Array.from({ length: 5 }, (_x, i) => `Val-${i}-${randomBytes(18).toString('base64url')}`);
      for (const [i, value] of values.entries()) {
        await secrets.mutate(`app/s${i}`, () => ({ next: secretRecord(home, `app/s${i}`, value), result: undefined }));
      }
      const { key, material } = keyRecord(keys);
      await keys.mutate(key.keyId, () => ({ next: key, result: undefined }));
      const dump = spawnSync(join(pgBin!, 'pg_dump'), ['-h', server.host, '-p', String(server.port), '-U', server.superuser, '-d', name], {
        encoding: 'utf8',
        env: { ...process.env, PGPASSWORD: server.superPassword },
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(dump.status).toBe(0);
      // The dump does hold the records (so the search below searches something).
      expect(dump.stdout).toContain('app/s0');
      expect(dump.stdout).toContain(key.keyId);
      for (const value of values) {
        for (const form of encodingsOf(Buffer.from(value, 'utf8'))) expect(dump.stdout.includes(form)).toBe(false);
      }
      for (const form of encodingsOf(material)) expect(dump.stdout.includes(form)).toBe(false);
      // Nor the master key, which stays on the hosts.
      for (const form of encodingsOf(Buffer.from(masterKey, 'base64'))) expect(dump.stdout.includes(form)).toBe(false);
    });

    test('a record changed in the database is refused with Rejected.IntegrityCheckFailed', async () => {
      const { url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const secrets = pgBackend(home, url).secrets(REGION, () => Date.now());
      await secrets.mutate('s', () => ({ next: secretRecord(home, 's', 'x'), result: undefined }));
      await sqlOn(url, `UPDATE kms_local_secrets SET record = replace(record, 'made by a store test', 'made by someone else')`);
      expect((await serviceErrorOf(secrets.get('s'))).code).toBe('Rejected.IntegrityCheckFailed');
      expect((await serviceErrorOf(secrets.mutate('s', () => ({ result: undefined })))).code).toBe('Rejected.IntegrityCheckFailed');
    });

    test('a record moved to another name or region is refused', async () => {
      const { url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const backend = pgBackend(home, url);
      const secrets = backend.secrets(REGION, () => Date.now());
      await secrets.mutate('s', () => ({ next: secretRecord(home, 's', 'x'), result: undefined }));
      await sqlOn(url, `INSERT INTO kms_local_secrets (region, name, record, metadata) SELECT region, 'copy', record, metadata FROM kms_local_secrets`);
      await sqlOn(url, `INSERT INTO kms_local_secrets (region, name, record, metadata) SELECT 'cn-shanghai', name, record, metadata FROM kms_local_secrets WHERE name = 's'`);
      expect((await serviceErrorOf(secrets.get('copy'))).message).toContain('holds another secret');
      expect((await serviceErrorOf(backend.secrets('cn-shanghai', () => Date.now()).get('s'))).message).toContain('holds another secret');
    });
  });

  describe('a database that goes away', () => {
    test('a row locked longer than the statement limit: the call fails within that limit, and nothing is written', async () => {
      const { url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const secrets = pgBackend(home, url, { statementMs: 1_000 }).secrets(REGION, () => Date.now());
      await secrets.mutate('held', () => ({ next: secretRecord(home, 'held', 'before', { description: 'before' }), result: undefined }));
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM kms_local_secrets WHERE name = 'held' FOR UPDATE`);
        const started = Date.now();
        const refused = await serviceErrorOf(secrets.mutate('held', (current) => ({ next: { ...current!, description: 'after' }, result: undefined })));
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(refused.code).toBe('ServiceUnavailableTemporary');
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
      expect((await secrets.get('held'))!.description).toBe('before');
    });

    test('a server that stops answering (its processes frozen): connecting and waiting for an answer both give up within their limits', async () => {
      const { url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const backend = pgBackend(home, url, { connectMs: 1_000, answerMs: 1_500 });
      const secrets = backend.secrets(REGION, () => Date.now());
      await secrets.mutate('s', () => ({ next: secretRecord(home, 's', 'x'), result: undefined }));
      // The server's processes: the postmaster (the parent of any backend) and all its children.
      // (Read while that backend's session is open: it exits when its client leaves.)
      const probe = new pg.Client({ connectionString: url });
      await probe.connect();
      const { pid } = (await probe.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      const postmaster = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
      await probe.end();
      const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      const frozen = [postmaster, ...children];
      for (const p of frozen) process.kill(p, 'SIGSTOP');
      try {
        let started = Date.now();
        // A connection of the pool already open: the query is sent, no answer comes.
        const waited = await serviceErrorOf(secrets.get('s'));
        expect(waited.code).toBe('ServiceUnavailableTemporary');
        expect(Date.now() - started).toBeLessThan(20_000);
        // New connections: the kernel accepts them, the server never says hello.
        started = Date.now();
        const fresh = pgBackend(hostHome({ KMS_LOCAL_MASTER_KEY: masterKey }), url, { connectMs: 1_000, answerMs: 1_500 });
        expect((await serviceErrorOf(fresh.secrets(REGION, () => Date.now()).get('s'))).code).toBe('ServiceUnavailableTemporary');
        expect(Date.now() - started).toBeLessThan(20_000);
      } finally {
        for (const p of frozen) process.kill(p, 'SIGCONT');
      }
      expect(valueOf(home, (await secrets.get('s'))!)).toBe('x');
    });

    test('a wrong password: ServiceUnavailableTemporary saying the store refused the connection, without the password', async () => {
      const { url } = freshDatabase(server);
      const wrong = url.replace(encodeURIComponent(server.superPassword), 'Wrong-Pa55word');
      const secrets = pgBackend(hostHome({ KMS_LOCAL_MASTER_KEY: masterKey }), wrong).secrets(REGION, () => Date.now());
      const refused = await serviceErrorOf(secrets.get('s'));
      expect(refused.code).toBe('ServiceUnavailableTemporary');
      expect(refused.message).toContain('refused the connection');
      expect(refused.message).not.toContain('Wrong-Pa55word');
    });

    test('a server stopped mid-call: a clear ServiceUnavailableTemporary naming the store (not its password), nothing half-applied, and the next call after it is back works', async () => {
      const { name, url } = freshDatabase(server);
      const home = hostHome({ KMS_LOCAL_MASTER_KEY: masterKey });
      const secrets = pgBackend(home, url, { connectMs: 2_000 }).secrets(REGION, () => Date.now());
      await secrets.mutate('s', () => ({ next: secretRecord(home, 's', 'x', { description: 'before' }), result: undefined }));
      // Another session holds the row, so the call is waiting inside its transaction when the server stops.
      const holder = new pg.Client({ connectionString: url });
      holder.on('error', () => undefined);
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM kms_local_secrets WHERE name = 's' FOR UPDATE`);
      const waiting = serviceErrorOf(secrets.mutate('s', (current) => ({ next: { ...current!, description: 'after' }, result: undefined })));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      server.stop();
      try {
        const refused = await waiting;
        expect(refused.code).toBe('ServiceUnavailableTemporary');
        expect(refused.message).toContain(`PostgreSQL store postgresql://postgres@${server.host}:${server.port}/${name}`);
        expect(refused.message).not.toContain(server.superPassword);
        // While it is down: refused within the connect limit, not hung.
        const down = await serviceErrorOf(secrets.get('s'));
        expect(down.code).toBe('ServiceUnavailableTemporary');
        expect(down.message).not.toContain(server.superPassword);
        expect(Date.now() - started).toBeLessThan(30_000);
      } finally {
        await holder.end().catch(() => undefined);
        server.start();
      }
      expect((await secrets.get('s'))!.description).toBe('before');
    });
  });
});
