/**
 * Replay protection across hosts: two `serve` replicas with two homes (two hosts, no shared nonce
 * log) on one PostgreSQL store. A signed request captured on its way to one is refused by the
 * other (SignatureNonceUsed), as by the first; the store keeps a hash of each nonce, nothing of the
 * request; a store that cannot record a nonce refuses the request (503), never runs it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { makeHome, removeHome, runCli } from '../support/cli.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { freshDatabase } from '../support/store-records.js';
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, RpcUtil, signedV1, startServe, wireTime, type Served } from '../support/serve.js';

const bin = findPostgres();
const describeIfPostgres = bin ? describe : describe.skip;

/** Sends a request exactly as it was sent before (a captured one). */
async function resend(endpoint: string, sent: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://${endpoint}/?${new URLSearchParams(sent)}`, { method: 'POST' });
  return { status: response.status, body: await response.json() };
}

/** A V1-signed request that has not been sent yet (the SDK's own signer). */
function signV1(action: string, params: Record<string, string>): Record<string, string> {
  const query: Record<string, string> = {
    Action: action, Format: 'JSON', Version: '2016-01-20', AccessKeyId: ACCESS_KEY_ID, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
    SignatureNonce: randomBytes(12).toString('hex'), Timestamp: wireTime(Date.now()), ...params,
  };
  query.Signature = RpcUtil.getSignatureV1(query, 'POST', ACCESS_KEY_SECRET);
  return query;
}

describeIfPostgres('serve replicas on two hosts sharing one PostgreSQL store: each nonce once across them', () => {
  let server: PgServer;
  const masterKey = randomBytes(32).toString('base64');
  const homes: string[] = [];
  const replicas: Served[] = [];
  let database: string;
  let a: Served;
  let b: Served;

  function sqlIn(statement: string): string {
    const out = spawnSync(join(bin!, 'psql'), ['-X', '-v', 'ON_ERROR_STOP=1', '-tA', '-F', ' ', '-h', server.host, '-p', String(server.port), '-U', server.superuser, '-d', database, '-c', statement], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: server.superPassword },
    });
    expect(out.stderr).toBe('');
    return out.stdout.trim();
  }

  beforeAll(async () => {
    server = await startPostgres(bin!);
    const fresh = freshDatabase(server);
    database = fresh.name;
    const env = { KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: fresh.url };
    const first = makeHome();
    homes.push(first);
    expect(runCli(['kms', 'CreateSecret', '--SecretName', 'svc/db', '--SecretData', 'replayed-value', '--VersionId', 'v1'], { home: first, env }).code).toBe(0);
    // A row long expired (a replica's clock is the judge, with grace): the first claim of a replica deletes it.
    sqlIn(`INSERT INTO kms_local_nonces (access_key_id, nonce_hash, expires_at) VALUES ('LTAIold', 'expired-row', ${Date.now() - 60 * 60 * 1000})`);
    for (let i = 0; i < 2; i++) {
      const home = makeHome();
      homes.push(home);
      replicas.push(await startServe(home, [], env));
    }
    [a, b] = replicas as [Served, Served];
  }, 120_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    server?.destroy();
    homes.forEach(removeHome);
  });

  test('a request accepted by replica A is refused by replica B (and by A) with SignatureNonceUsed, and runs nowhere twice', async () => {
    const nonce = `captured-${randomBytes(8).toString('hex')}`;
    const accepted = await signedV1(a.endpoint, 'GetSecretValue', { SecretName: 'svc/db' }, { nonce });
    expect(accepted.status).toBe(200);
    expect(accepted.body.SecretData).toBe('replayed-value');
    for (const replica of [b, a]) {
      const replayed = await resend(replica.endpoint, accepted.sent);
      expect(replayed.status).toBe(400);
      expect(replayed.body.Code).toBe('SignatureNonceUsed');
      expect(JSON.stringify(replayed.body)).not.toContain('replayed-value');
    }
  });

  test('one request sent to both replicas at once: exactly one runs it', async () => {
    for (let round = 0; round < 5; round++) {
      const request = signV1('GetSecretValue', { SecretName: 'svc/db' });
      const raced = await Promise.all([resend(a.endpoint, request), resend(b.endpoint, request)]);
      expect(raced.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(raced.find((r) => r.status === 400)!.body.Code).toBe('SignatureNonceUsed');
    }
  });

  test('fresh nonces are accepted by both replicas, one after the other and alternating', async () => {
    for (let i = 0; i < 6; i++) {
      const replica = i % 2 === 0 ? a : b;
      const read = await signedV1(replica.endpoint, 'GetSecretValue', { SecretName: 'svc/db' });
      expect(read.status).toBe(200);
      expect(read.body.SecretData).toBe('replayed-value');
    }
  });

  test('kms_local_nonces holds an AccessKeyId, a hash and an expiry per nonce: nothing of a request; expired rows are deleted', async () => {
    const nonce = `looked-for-${randomBytes(8).toString('hex')}`;
    const sent = (await signedV1(b.endpoint, 'GetSecretValue', { SecretName: 'svc/db' }, { nonce })).sent;
    expect(sqlIn("SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'kms_local_nonces'")).toBe('access_key_id,expires_at,nonce_hash');
    const rows = sqlIn('SELECT access_key_id, nonce_hash, expires_at FROM kms_local_nonces');
    expect(rows.split('\n').length).toBeGreaterThanOrEqual(8);
    for (const secret of [nonce, sent.Signature!, sent.Timestamp!, ACCESS_KEY_SECRET, 'replayed-value', 'svc/db', 'GetSecretValue']) expect(rows).not.toContain(secret);
    for (const row of rows.split('\n')) expect(row).toMatch(/^LTAI\S+ [A-Za-z0-9_-]{43} \d+$/);
    // The row planted before the replicas started was past its expiry: the first claim deleted it.
    for (let tries = 0; sqlIn("SELECT count(*) FROM kms_local_nonces WHERE nonce_hash = 'expired-row'") !== '0'; tries++) {
      expect(tries).toBeLessThan(50);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  test('a store that cannot record the nonce: 503 ServiceUnavailableTemporary, the request not run; fine again once the store is back', async () => {
    server.stop();
    try {
      const refused = await signedV1(a.endpoint, 'GetSecretValue', { SecretName: 'svc/db' });
      expect(refused.status).toBe(503);
      expect(refused.body.Code).toBe('ServiceUnavailableTemporary');
      expect(refused.body.Message).toContain('SignatureNonce could not be recorded');
      expect(JSON.stringify(refused.body)).not.toContain(server.superPassword);
    } finally {
      server.start();
    }
    const read = await signedV1(a.endpoint, 'GetSecretValue', { SecretName: 'svc/db' });
    expect(read.status).toBe(200);
    expect(read.body.SecretData).toBe('replayed-value');
  });
});
