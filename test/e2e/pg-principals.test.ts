/**
 * Principals on a shared PostgreSQL store, from the outside (issue 13 items 3 and 4): two homes
 * standing for two hosts, both given the team's master key and KMS_LOCAL_STORE. `configure set`
 * on host A makes an AccessKey that `serve` on host B accepts; a reader limited to secret/app/*
 * reads app/x through B's serve and gets Forbidden.NoPermission on anything else until a secret
 * policy grants it; the database and A's profile file hold no AccessKey secret; the store's
 * audit trail names every caller, whichever host served it. Against a real server on loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, removeHome, runCli, twoHosts } from '../support/cli.js';
import { expectSuccess as ok } from '../support/expect-cli.js';
import { signedV1, startServe, type Served } from '../support/serve.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { encodingsOf, freshDatabase } from '../support/store-records.js';

const bin = findPostgres();
const describeIfPostgres = bin ? describe : describe.skip;

const READER = { accessKeyId: 'LTAIteamReader00000001', secret: `reader-${randomBytes(12).toString('base64url')}` };
const ADMIN = { accessKeyId: 'LTAIteamAdmin000000001', secret: `admin-${randomBytes(12).toString('base64url')}` };
const APP_READER = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['kms:GetSecretValue', 'kms:DescribeSecret'], Resource: ['acs:kms:*:*:secret/app/*'] }],
});

describeIfPostgres('principals on a PostgreSQL store shared by two hosts', () => {
  let server: PgServer;
  let db: { name: string; url: string };
  let serveB: Served;
  let env: Record<string, string>;
  const { homeA, homeB, onA, onB } = twoHosts(() => env);
  const call = (who: { accessKeyId: string; secret: string }, action: string, params: Record<string, string>) =>
    signedV1(serveB.endpoint, action, params, { accessKeyId: who.accessKeyId, secret: who.secret });
  const psql = (sql: string): string => server.sql(sql, db.name).trim();
  /** serve reads the store's principals at most once a second. */
  const nextRead = () => new Promise((resolve) => setTimeout(resolve, 1100));

  beforeAll(async () => {
    server = await startPostgres(bin!);
    db = freshDatabase(server);
    env = { KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64'), KMS_LOCAL_STORE: db.url };
    ok(onA('configure', 'set', '--profile', 'admin', '--access-key-id', ADMIN.accessKeyId, '--access-key-secret', ADMIN.secret, '--region', 'cn-hangzhou'));
    ok(onA('configure', 'set', '--profile', 'reader', '--access-key-id', READER.accessKeyId, '--access-key-secret', READER.secret, '--region', 'cn-hangzhou', '--policy-document', APP_READER));
    ok(onA('kms', 'CreateSecret', '--SecretName', 'app/x', '--SecretData', 'app-value', '--VersionId', 'v1'));
    ok(onA('kms', 'CreateSecret', '--SecretName', 'other/y', '--SecretData', 'other-value', '--VersionId', 'v1'));
    // Host B's serve knows no AccessKey of its own (none in its home, none in its environment).
    serveB = await startServe(homeB, [], { ...env, KMS_LOCAL_SERVE_ACCESS_KEYS: undefined });
  });

  afterAll(async () => {
    await serveB?.stop();
    server?.destroy();
  });

  test("serve on B accepts the AccessKeys configured on A, and only those", async () => {
    expect(serveB.output()).toContain('2 AccessKey pair(s)');
    const read = await call(ADMIN, 'GetSecretValue', { SecretName: 'other/y' });
    expect({ status: read.status, data: read.body.SecretData }).toEqual({ status: 200, data: 'other-value' });
    const wrongSecret = await call({ accessKeyId: ADMIN.accessKeyId, secret: 'not-it' }, 'GetSecretValue', { SecretName: 'app/x' });
    expect(wrongSecret.body.Code).toBe('SignatureDoesNotMatch');
    expect((await call({ accessKeyId: 'LTAInobody', secret: 'x' }, 'GetSecretValue', { SecretName: 'app/x' })).body.Code).toBe('InvalidAccessKeyId.NotFound');
  });

  test('a reader limited to secret/app/* reads app/x and gets 403 Forbidden.NoPermission on other/y, until a secret policy grants it', async () => {
    const read = await call(READER, 'GetSecretValue', { SecretName: 'app/x' });
    expect({ status: read.status, data: read.body.SecretData }).toEqual({ status: 200, data: 'app-value' });
    const refused = await call(READER, 'GetSecretValue', { SecretName: 'other/y' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ Code: 'Forbidden.NoPermission', HttpStatus: 403 });
    expect(JSON.stringify(refused.body)).not.toContain('other-value');
    const grant = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: ['acs:ram::*:user/reader'] }, Action: ['kms:GetSecretValue'], Resource: ['*'] }] });
    expect((await call(ADMIN, 'SetSecretPolicy', { SecretName: 'other/y', Policy: grant })).status).toBe(200);
    const granted = await call(READER, 'GetSecretValue', { SecretName: 'other/y' });
    expect({ status: granted.status, data: granted.body.SecretData }).toEqual({ status: 200, data: 'other-value' });
  });

  test("the store's audit trail names the callers of B's serve, in the database and through `kms-local audit` on A", () => {
    const rows = psql("SELECT operation, secret_name, outcome, coalesce(error_code, ''), caller FROM kms_local_audit WHERE caller LIKE 'reader/%' ORDER BY seq").split('\n');
    expect(rows).toContain(`GetSecretValue|other/y|error|Forbidden.NoPermission|reader/${READER.accessKeyId}`);
    const fromA = ok(onA('audit', '--SecretName', 'other/y')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(fromA.map((r) => [r.operation, r.errorCode, r.caller])).toEqual(
      expect.arrayContaining([
        ['CreateSecret', null, undefined],
        ['GetSecretValue', 'Forbidden.NoPermission', `reader/${READER.accessKeyId}`],
        ['SetSecretPolicy', null, `admin/${ADMIN.accessKeyId}`],
      ]),
    );
    // Nothing went to either host's own audit.log.
    for (const home of [homeA, homeB]) expect(() => readFileSync(join(home, 'audit.log'))).toThrow(/ENOENT/);
  });

  test('no AccessKey secret is kept in plaintext, base64 or hex: not in the database, not in either profile file', () => {
    const dump = spawnSync(join(bin!, 'pg_dump'), ['-h', server.host, '-p', String(server.port), '-U', server.superuser, '-d', db.name], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: server.superPassword },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain(READER.accessKeyId);
    const files = [homeA, homeB].map((home) => {
      try {
        return readFileSync(join(home, 'config.json'), 'utf8');
      } catch {
        return '';
      }
    });
    for (const secret of [READER.secret, ADMIN.secret]) {
      for (const form of encodingsOf(Buffer.from(secret, 'utf8'))) {
        expect(dump.stdout.includes(form)).toBe(false);
        for (const file of files) expect(file.includes(form)).toBe(false);
      }
    }
    // A's profile file keeps its own settings of the profile: the region.
    expect(JSON.parse(files[0]!).profiles.find((p: { name: string }) => p.name === 'reader')).toMatchObject({ region_id: 'cn-hangzhou', access_key_secret: '' });
  });

  test('configure get and list on B show the principals set up on A, the secret masked', () => {
    const shown = JSON.parse(ok(onB('configure', 'get', '--profile', 'reader')).stdout);
    expect(shown.access_key_id).toBe(READER.accessKeyId);
    expect(shown.access_key_secret).toBe(`${'*'.repeat(READER.secret.length - 3)}${READER.secret.slice(-3)}`);
    expect(shown.policy_documents).toEqual([APP_READER]);
    ok(onB('configure', 'set', '--profile', 'reader', '--region', 'cn-hangzhou'));
    const listed = ok(onB('configure', 'list')).stdout;
    expect(listed).toContain(`AK:***${READER.accessKeyId.slice(-3)}`);
    expect(listed).not.toContain(READER.secret);
  });

  test('run with a profile on B acts as the shared principal: app/x is handed over, third/z refused', () => {
    ok(onA('kms', 'CreateSecret', '--SecretName', 'third/z', '--SecretData', 'third-value', '--VersionId', 'v1'));
    const handed = onB('run', '--profile', 'reader', '--SecretName', 'app/x', '--', 'sh', '-c', 'test "$APP_X" = app-value');
    expect({ code: handed.code, stderr: handed.stderr }).toEqual({ code: 0, stderr: '' });
    const refused = onB('run', '--profile', 'reader', '--SecretName', 'third/z', '--', 'true');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Forbidden.NoPermission');
  });

  test("a change on A reaches B's running serve within a second: a policy attached, then the principal deleted", async () => {
    ok(onA('configure', 'set', '--profile', 'admin', '--policy', 'AliyunKMSSecretUserAccess'));
    await nextRead();
    expect((await call(ADMIN, 'GetSecretValue', { SecretName: 'app/x' })).status).toBe(200);
    expect((await call(ADMIN, 'DeleteSecret', { SecretName: 'app/x' })).body.Code).toBe('Forbidden.NoPermission');
    ok(onA('configure', 'delete', '--profile', 'reader'));
    await nextRead();
    expect((await call(READER, 'GetSecretValue', { SecretName: 'app/x' })).body.Code).toBe('InvalidAccessKeyId.NotFound');
    expect(psql("SELECT count(*) FROM kms_local_principals WHERE profile = 'reader'")).toBe('0');
  });

  test('interactive configure on B writes the principal to the store; its prompts show the store\'s values masked', async () => {
    const secret = `inter-${randomBytes(9).toString('base64url')}`;
    ok(runCli(['configure', '--profile', 'inter'], { home: homeB, env, input: `LTAIinteractive01\n${secret}\ncn-hangzhou\n` }));
    const again = ok(runCli(['configure', '--profile', 'inter'], { home: homeA, env, input: '\n\n\n' })).stdout;
    expect(again).toContain(`Access Key Id [**************e01]: Access Key Secret [${'*'.repeat(secret.length - 3)}${secret.slice(-3)}]`);
    for (const home of [homeA, homeB]) expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain(secret);
    await nextRead();
    expect((await call({ accessKeyId: 'LTAIinteractive01', secret }, 'GetSecretValue', { SecretName: 'app/x' })).status).toBe(200);
  });

  test('a change whose audit row cannot be stored is not reported as done', () => {
    psql(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused for the test'; END $$;
          CREATE TRIGGER refuse_audit BEFORE INSERT ON kms_local_audit FOR EACH ROW EXECUTE FUNCTION refuse_audit()`);
    try {
      const put = onA('kms', 'PutSecretValue', '--SecretName', 'app/x', '--SecretData', 'unaudited', '--VersionId', 'v-unaudited');
      expect(put.code).not.toBe(0);
      expect(put.stderr).toMatch(/^ERROR: PutSecretValue ran \(RequestId [0-9a-f-]{36}\) but the audit log could not be written/);
      expect(put.stdout).toBe('');
    } finally {
      psql('DROP TRIGGER refuse_audit ON kms_local_audit; DROP FUNCTION refuse_audit()');
    }
  });

  test('configure set --store with an AccessKey in one call: the principal goes to the store it names', () => {
    const homeC = makeHome();
    try {
      // No KMS_LOCAL_STORE: the store is the one --store names.
      const envC = { KMS_LOCAL_MASTER_KEY: env.KMS_LOCAL_MASTER_KEY! };
      const secret = `storeflag-${randomBytes(9).toString('base64url')}`;
      ok(runCli(['configure', 'set', '--store', db.url, '--profile', 'ci', '--region', 'cn-hangzhou', '--access-key-id', 'LTAIstoreFlag01', '--access-key-secret', secret], { home: homeC, env: envC }));
      const file = readFileSync(join(homeC, 'config.json'), 'utf8');
      expect(JSON.parse(file).store).toBe(db.url);
      expect(file).not.toContain(secret);
      expect(psql("SELECT profile FROM kms_local_principals WHERE access_key_id = 'LTAIstoreFlag01'")).toBe('ci');
    } finally {
      removeHome(homeC);
    }
  });

  test('an AccessKeyId that a profile holds is refused for another, on any host', () => {
    const taken = onB('configure', 'set', '--profile', 'thief', '--region', 'cn-hangzhou', '--access-key-id', ADMIN.accessKeyId, '--access-key-secret', 'mine-now');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("already profile admin's");
    expect(psql("SELECT count(*) FROM kms_local_principals WHERE profile = 'thief'")).toBe('0');
  });

  test("a database outage: serve on B keeps the AccessKeys it knew (a request is 503, not an unknown AccessKey), and serves again when it is back", async () => {
    server.stop();
    try {
      await nextRead();
      const during = await call(ADMIN, 'GetSecretValue', { SecretName: 'app/x' });
      expect({ status: during.status, code: during.body.Code }).toEqual({ status: 503, code: 'ServiceUnavailableTemporary' });
    } finally {
      server.start();
    }
    await nextRead();
    const after = await call(ADMIN, 'GetSecretValue', { SecretName: 'app/x' });
    expect(after.status).toBe(200);
  });
});
