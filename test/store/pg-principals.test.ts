/**
 * Principals and the audit trail of a PostgreSQL store: the suite every store passes
 * (test/support/principal-suite.ts), then what only a database can get wrong: an AccessKey secret
 * in the clear, a row changed by someone without the master key, an audit row rewritten.
 * Against a real server on loopback (test/support/postgres.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ServiceError } from '../../src/errors/errors.js';
import { Home } from '../../src/store/home.js';
import type { StoreBackend } from '../../src/store/backend.js';
import { PgBackend } from '../../src/store/pg/backend.js';
import { auditRecord } from '../../src/audit/audit-log.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { pgHosts } from '../support/pg-hosts.js';
import { encodingsOf, freshDatabase, sqlOn } from '../support/store-records.js';
import { MASTER, principalSuite } from '../support/principal-suite.js';

const pgBin = findPostgres();
const describeIfPostgres = pgBin ? describe : describe.skip;

let server: PgServer | undefined;
const urlOf = new WeakMap<StoreBackend, string>();
const hosts = pgHosts({ poolMax: 3, env: MASTER });
const hostHome = hosts.hostHome;

function pgBackend(home: Home, url: string): PgBackend {
  const backend = hosts.pgBackend(home, url);
  urlOf.set(backend, url);
  return backend;
}

beforeAll(async () => {
  if (pgBin) server = await startPostgres(pgBin);
});

afterAll(() => server?.destroy());

describeIfPostgres('PostgreSQL', () => {
  principalSuite({
    name: 'postgresql',
    async open(shareWith) {
      // Two hosts: two homes, the team's master key, one database.
      const url = shareWith ? urlOf.get(shareWith)! : freshDatabase(server!).url;
      const home = hostHome();
      return { backend: pgBackend(home, url), home };
    },
  });

  test('pg_dump holds no AccessKey secret in any encoding, nor the master key; the ids and policies are there', async () => {
    const { name, url } = freshDatabase(server!);
    const backend = pgBackend(hostHome(), url);
    const secrets = Array.from({ length: 4 }, (_x, i) => `AkSecret-${i}-${randomBytes(18).toString('base64url')}`);
    for (const [i, secret] of secrets.entries()) await backend.principals().put(`p${i}`, { accessKeyId: `LTAIp${i}`, accessKeySecret: secret, policies: ['AliyunKMSReadOnlyAccess'] });
    const dump = spawnSync(join(pgBin!, 'pg_dump'), ['-h', server!.host, '-p', String(server!.port), '-U', server!.superuser, '-d', name], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: server!.superPassword },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain('LTAIp0');
    expect(dump.stdout).toContain('AliyunKMSReadOnlyAccess');
    for (const secret of secrets) for (const form of encodingsOf(Buffer.from(secret, 'utf8'))) expect(dump.stdout.includes(form)).toBe(false);
    for (const form of encodingsOf(Buffer.from(MASTER.KMS_LOCAL_MASTER_KEY, 'base64'))) expect(dump.stdout.includes(form)).toBe(false);
  });

  describe('a row changed by someone who can write the database but has no master key', () => {
    async function setUp(): Promise<{ url: string; backend: PgBackend; warnings: string[] }> {
      const { url } = freshDatabase(server!);
      const home = hostHome();
      const warnings: string[] = [];
      home.onWarning = (message) => warnings.push(message);
      const backend = pgBackend(home, url);
      await backend.principals().put('reader', { accessKeyId: 'LTAIreader', accessKeySecret: 'reader-secret', policies: ['AliyunKMSSecretUserAccess'] });
      await backend.principals().put('admin', { accessKeyId: 'LTAIadmin', accessKeySecret: 'admin-secret' });
      return { url, backend, warnings };
    }

    test('a policy detached in the row (to widen a reader) fails the integrity check; listings leave the principal out', async () => {
      const { url, backend, warnings } = await setUp();
      const [row] = await sqlOn<{ record: string }>(url, "SELECT record FROM kms_local_principals WHERE profile = 'reader'");
      const stored = JSON.parse(row!.record);
      stored.row = stored.row.replace('["AliyunKMSSecretUserAccess"]', '[]');
      await sqlOn(url, "UPDATE kms_local_principals SET record = $1 WHERE profile = 'reader'", [JSON.stringify(stored)]);
      const err = await backend.principals().get('reader').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code).toBe('Rejected.IntegrityCheckFailed');
      const principals = backend.principals();
      expect((await principals.list()).map((p) => p.profile)).toEqual(['admin']);
      // serve lists every second: the warning is given once.
      expect((await principals.list()).map((p) => p.profile)).toEqual(['admin']);
      expect(warnings).toEqual([expect.stringContaining("The principal 'reader' of the store failed its integrity check")]);
    });

    test("one principal's row copied over another's (to take its policies or secret) is refused", async () => {
      const { url, backend } = await setUp();
      await sqlOn(url, "UPDATE kms_local_principals SET record = (SELECT record FROM kms_local_principals WHERE profile = 'admin') WHERE profile = 'reader'");
      await expect(backend.principals().get('reader')).rejects.toThrow(/holds another principal/);
    });

    test('a host with another master key cannot read the principals', async () => {
      const { url } = await setUp();
      const other = pgBackend(hostHome({ KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') }), url);
      await expect(other.principals().get('admin')).rejects.toThrow(/master key this host does not have/);
    });
  });

  test('two hosts giving one AccessKeyId to two profiles at once: one wins, the other is refused', async () => {
    const { url } = freshDatabase(server!);
    const a = pgBackend(hostHome(), url);
    const b = pgBackend(hostHome(), url);
    await a.principals().put('seed', {}); // the schema exists before the race
    const results = await Promise.allSettled([
      a.principals().put('one', { accessKeyId: 'LTAIcontested', accessKeySecret: 'x' }),
      b.principals().put('two', { accessKeyId: 'LTAIcontested', accessKeySecret: 'y' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(refused.reason)).toMatch(/AccessKeyId given is already profile/);
    const rows = await sqlOn<{ profile: string }>(url, "SELECT profile FROM kms_local_principals WHERE access_key_id = 'LTAIcontested'");
    expect(rows).toHaveLength(1);
  });

  test('the audit table is append-only, and its rows hold the record fields', async () => {
    const { url } = freshDatabase(server!);
    const backend = pgBackend(hostHome(), url);
    const record = auditRecord({ time: '2026-03-01T08:00:00Z', operation: 'GetSecretValue', requestId: 'r-9', params: { SecretName: 'other/y' }, error: new ServiceError('Forbidden.NoPermission', 'no'), caller: 'reader/LTAIreader' });
    await backend.audit().append(record);
    const [row] = await sqlOn(url, 'SELECT operation, secret_name, request_id, outcome, error_code, caller FROM kms_local_audit');
    expect(row).toEqual({ operation: 'GetSecretValue', secret_name: 'other/y', request_id: 'r-9', outcome: 'error', error_code: 'Forbidden.NoPermission', caller: 'reader/LTAIreader' });
    for (const statement of ["UPDATE kms_local_audit SET caller = 'someone-else'", 'DELETE FROM kms_local_audit', 'TRUNCATE kms_local_audit']) {
      await expect(sqlOn(url, statement)).rejects.toThrow(/append-only/);
    }
    expect((await backend.audit().read()).map((e) => e.record)).toEqual([record]);
  });

  test('reads of a database never used create nothing: no principals, no audit records, no tables', async () => {
    const { url } = freshDatabase(server!);
    const backend = pgBackend(hostHome(), url);
    expect(await backend.principals().list()).toEqual([]);
    expect(await backend.principals().get('x')).toBeUndefined();
    expect(await backend.principals().byAccessKeyId('LTAIx')).toBeUndefined();
    expect(await backend.principals().remove('x')).toBe(false);
    expect(await backend.audit().read()).toEqual([]);
    expect(await sqlOn(url, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'kms_local_%'")).toEqual([]);
  });
});
