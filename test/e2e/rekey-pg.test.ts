/**
 * `kms-local rekey` on a PostgreSQL store shared by hosts (bin/kms-local.js in homes standing for
 * hosts, a real server on loopback): every secret, key and alias table of every region moves
 * under the new master key, each in its own transaction; a host given only the new key then reads
 * everything, one still on the old key is refused clearly; a rekey killed between two records
 * leaves everything readable with both keys and a rerun finishes; the store's principals (their
 * sealed AccessKey secrets) and rotation targets (MAC'd) move too; writes meanwhile never put a
 * record back under the old key; a record made under the old key during the move (by a host the
 * store's own key check let through) is caught.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { freshDatabase } from '../support/store-records.js';
import { isStopped, spawnCli, waitUntil } from '../support/workload.js';
import { Keyring } from '../../src/crypto/envelope.js';

const bin = findPostgres();
const describeIfPostgres = bin ? describe : describe.skip;

describeIfPostgres('rekey of a PostgreSQL store', () => {
  let server: PgServer;
  const homes: string[] = [];
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  const [oldKeyId, newKeyId] = [oldKey, newKey].map((key) => new Keyring(Buffer.from(key, 'base64')).keyId) as [string, string];

  beforeAll(async () => {
    server = await startPostgres(bin!);
  });

  afterAll(() => {
    server?.destroy();
    homes.forEach(removeHome);
  });

  type Host = { home: string; run: (args: string[], extra?: Record<string, string>) => CliResult; env: Record<string, string> };

  /** A host: its own home, the store, and the master key(s) it was given. */
  function host(url: string, keys: { master: string; next?: string }): Host {
    const home = makeHome();
    homes.push(home);
    const env: Record<string, string> = { KMS_LOCAL_STORE: url, KMS_LOCAL_MASTER_KEY: keys.master };
    if (keys.next !== undefined) env.KMS_LOCAL_NEW_MASTER_KEY = keys.next;
    return { home, env, run: (args, extra = {}) => runCli(args, { home, env: { ...env, ...extra } }) };
  }

  const ok = (result: CliResult): CliResult => {
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return result;
  };

  /**
   * How many rows of the store's record tables hold something sealed or MAC'd under the master key
   * `keyId` (a secret's EncryptionKeyId names the master key it was made under, and keeps it).
   */
  function rowsUnder(database: string, keyId: string): number {
    const query = [
      ...['kms_local_secrets', 'kms_local_keys', 'kms_local_aliases'].map(
        (table) => `SELECT count(*) AS n FROM ${table} WHERE record LIKE '%"keyId": "${keyId}"%' OR record LIKE '%"masterKeyId": "${keyId}"%'`,
      ),
      ...['kms_local_principals', 'kms_local_targets'].map((table) => `SELECT count(*) AS n FROM ${table} WHERE record LIKE '{"keyId":"${keyId}"%'`),
    ].join(' UNION ALL ');
    const out = spawnSync(join(bin!, 'psql'), ['-X', '-tA', '-h', server.host, '-p', String(server.port), '-U', server.superuser, '-d', database, '-c', `SELECT sum(n) FROM (${query}) t`], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: server.superPassword },
    });
    expect(out.status).toBe(0);
    return Number(out.stdout.trim());
  }

  function seed(a: Host, count: number): Record<string, string> {
    const values: Record<string, string> = {};
    for (let i = 1; i <= count; i++) {
      const name = `team/s${i}`;
      values[name] = `rekey-pg-${i}-${randomBytes(4).toString('hex')}`;
      ok(a.run(['kms', 'CreateSecret', '--SecretName', name, '--SecretData', values[name]!, '--VersionId', 'v1']));
    }
    return values;
  }

  /** Reads each secret's version `versionId` (its current one when undefined). */
  function readAll(h: Host, values: Record<string, string>, versionId?: string): void {
    const version = versionId === undefined ? [] : ['--VersionId', versionId];
    for (const [name, value] of Object.entries(values)) {
      expect({ name, value: h.run(['kms', 'GetSecretValue', '--SecretName', name, ...version]).json?.SecretData }).toEqual({ name, value });
    }
  }

  test('every secret, key and alias table of every region moves; a host given only the new key reads all, one on the old key is refused; a rerun moves nothing', () => {
    const { name: database, url } = freshDatabase(server);
    const a = host(url, { master: oldKey });
    const values = seed(a, 3);
    ok(a.run(['kms', 'CreateSecret', '--SecretName', 'other/region', '--SecretData', 'in-shanghai', '--VersionId', 'v1', '--region', 'cn-shanghai']));
    const keyId = ok(a.run(['kms', 'CreateKey', '--KeySpec', 'Aliyun_AES_256'])).json.KeyMetadata.KeyId as string;
    ok(a.run(['kms', 'CreateAlias', '--AliasName', 'alias/team', '--KeyId', keyId]));
    ok(a.run(['kms', 'CreateSecret', '--SecretName', 'sealed', '--SecretData', 'under-a-key', '--VersionId', 'v1', '--EncryptionKeyId', 'alias/team']));
    const blob = ok(a.run(['kms', 'Encrypt', '--KeyId', 'alias/team', '--Plaintext', 'aGVsbG8='])).json.CiphertextBlob as string;
    // A principal of the store: its AccessKey secret is sealed under the master key too.
    const akSecret = `team-${randomBytes(9).toString('base64url')}`;
    ok(a.run(['configure', 'set', '--profile', 'ci', '--access-key-id', 'LTAIrekeyTeam000000001', '--access-key-secret', akSecret, '--region', 'cn-hangzhou']));
    // A rotation target of the store: its row is MAC'd under the master key.
    ok(a.run(['target', 'add', '--InstanceId', 'i-web', '--Host', '10.0.0.7', '--Port', '22']));

    const rekeyer = host(url, { master: oldKey, next: newKey });
    const result = ok(rekeyer.run(['rekey', '--yes']));
    // 3 + 1 + 1 secrets, one key, one principal and one target; the alias table is moved, not counted.
    expect(result.json).toMatchObject({ Total: 8, Rekeyed: 8, AlreadyRekeyed: 0, Failed: [] });
    expect(result.json.SharedStore).toContain('every host using it must now be given the new master key');
    expect(result.json.SharedStore).toContain(result.json.ToKeyId);
    expect(result.stdout).not.toContain(server.superPassword);
    expect(rowsUnder(database, result.json.FromKeyId)).toBe(0);
    expect(rowsUnder(database, result.json.ToKeyId)).toBe(9);

    const switched = host(url, { master: newKey });
    readAll(switched, { ...values, sealed: 'under-a-key' });
    expect(switched.run(['kms', 'GetSecretValue', '--SecretName', 'other/region', '--region', 'cn-shanghai']).json.SecretData).toBe('in-shanghai');
    expect(switched.run(['kms', 'DescribeKey', '--KeyId', 'alias/team']).json.KeyMetadata.KeyId).toBe(keyId);
    expect(switched.run(['kms', 'Decrypt', '--CiphertextBlob', blob]).json.Plaintext).toBe('aGVsbG8=');
    const principal = JSON.parse(ok(switched.run(['configure', 'get', '--profile', 'ci'])).stdout);
    expect(principal.access_key_secret).toBe(`${'*'.repeat(akSecret.length - 3)}${akSecret.slice(-3)}`);
    expect(ok(switched.run(['target', 'list'])).json.Targets.Target).toEqual([{ Type: 'ECS', InstanceId: 'i-web', Host: '10.0.0.7', Port: 22 }]);

    const stale = a.run(['kms', 'GetSecretValue', '--SecretName', 'team/s1']);
    expect(stale.code).toBe(1);
    expect(serviceError(stale.stderr)?.code).toBe('Rejected.IntegrityCheckFailed');
    expect(serviceError(stale.stderr)?.message).toContain(result.json.ToKeyId);

    const rerun = ok(rekeyer.run(['rekey', '--yes']));
    expect(rerun.json).toMatchObject({ Total: 8, Rekeyed: 0, AlreadyRekeyed: 8, Failed: [] });
  });

  test('killed between two records: a host with both keys reads everything, a rerun finishes', () => {
    const { name: database, url } = freshDatabase(server);
    const a = host(url, { master: oldKey });
    const values = seed(a, 5);
    const rekeyer = host(url, { master: oldKey, next: newKey });
    const killed = rekeyer.run(['rekey', '--yes'], { KMS_LOCAL_TEST_CRASH_AT: 'after-commit:2' });
    expect(killed.code).not.toBe(0);
    // Two records moved, three not: the store is half-way, each record wholly under one key.
    expect([rowsUnder(database, newKeyId), rowsUnder(database, oldKeyId)]).toEqual([2, 3]);
    readAll(rekeyer, values);
    const rerun = ok(rekeyer.run(['rekey', '--yes']));
    expect(rerun.json).toMatchObject({ Total: 5, Failed: [] });
    expect(rerun.json.Rekeyed).toBe(3);
    readAll(host(url, { master: newKey }), values);
  });

  test('writes on another host given the new key go under it, during and after the move: nothing is left under the old key', () => {
    const { name: database, url } = freshDatabase(server);
    const a = host(url, { master: oldKey });
    const values = seed(a, 2);
    const b = host(url, { master: oldKey, next: newKey });
    ok(b.run(['kms', 'PutSecretValue', '--SecretName', 'team/s1', '--SecretData', 'before-the-rekey', '--VersionId', 'v2']));
    const result = ok(host(url, { master: oldKey, next: newKey }).run(['rekey', '--yes']));
    // Host B has not switched yet: its writes still must not go back under the old key.
    ok(b.run(['kms', 'PutSecretValue', '--SecretName', 'team/s2', '--SecretData', 'after-the-rekey', '--VersionId', 'v2']));
    ok(b.run(['kms', 'CreateSecret', '--SecretName', 'team/new', '--SecretData', 'made-after', '--VersionId', 'v1']));
    expect(rowsUnder(database, result.json.FromKeyId)).toBe(0);
    const switched = host(url, { master: newKey });
    readAll(switched, { ...values, 'team/new': 'made-after' }, 'v1');
    expect(switched.run(['kms', 'GetSecretValue', '--SecretName', 'team/s1', '--VersionId', 'v2']).json.SecretData).toBe('before-the-rekey');
    expect(switched.run(['kms', 'GetSecretValue', '--SecretName', 'team/s2', '--VersionId', 'v2']).json.SecretData).toBe('after-the-rekey');
  });

  test('a host not given the new key, writing while the rekey runs: refused, or its secret moved by the check pass', async () => {
    const { name: database, url } = freshDatabase(server);
    const a = host(url, { master: oldKey });
    seed(a, 3);
    const rekeyer = host(url, { master: oldKey, next: newKey });
    // Held after its first record, so that a host that was not given the new key writes meanwhile.
    const running = spawnCli(['rekey', '--yes'], { home: rekeyer.home, env: { ...rekeyer.env, KMS_LOCAL_TEST_CRASH_AT: 'after-commit:1:SIGSTOP' } });
    await waitUntil('the rekey stops after its first record', () => isStopped(running.child.pid!));
    // The store refuses a host whose key is not the one it finds the records under; it may find an
    // unmoved record first and let the write through, under the old key.
    const late = a.run(['kms', 'CreateSecret', '--SecretName', 'team/late', '--SecretData', 'made-during', '--VersionId', 'v1']);
    if (late.code !== 0) expect(serviceError(late.stderr)?.code).toBe('Rejected.IntegrityCheckFailed');
    running.child.kill('SIGCONT');
    const result = await running.done;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const made = late.code === 0 ? 1 : 0;
    expect(result.json).toMatchObject({ Total: 3 + made, Rekeyed: 3 + made, Failed: [] });
    expect(rowsUnder(database, (result.json as { FromKeyId: string }).FromKeyId)).toBe(0);
    const read = host(url, { master: newKey }).run(['kms', 'GetSecretValue', '--SecretName', 'team/late']);
    if (made) expect(read.json.SecretData).toBe('made-during');
    else expect(serviceError(read.stderr)?.code).toBe('Forbidden.ResourceNotFound');
  });
});
