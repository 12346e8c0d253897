/**
 * Rds secrets rotated against a real PostgreSQL server (a throwaway cluster on loopback, see
 * test/support/postgres.ts), through bin/kms-local.js. Every claim that a credential works or not
 * is checked with `psql` logging in. No mock anywhere. The fault tests (server down, verification
 * failing, a rotation killed midway) are shared by every adapter: test/e2e/rotation-faults.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { makeHome, removeHome, runCli, runCliAsync, serviceError, type CliResult } from '../support/cli.js';
import { scramVerifier } from '../../src/targets/scram.js';

const bin = findPostgres();
if (!bin) {
  console.warn('\n!!! SKIPPED test/e2e/rotation-postgres.test.ts: the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed.\n');
}
const describeIfPostgres = bin ? describe : describe.skip;

let pg: PgServer;
let home: string;

/**
 * A TCP proxy in front of the server that loses the reply to the first ALTER ROLE: when the
 * server's CommandComplete for it passes, both sides of that connection are cut, so the server has
 * applied (and committed) the change and its client never hears of it. Connections whose number is
 * in `refuse` (1 is the first) are cut as soon as they are made.
 */
async function lossyProxy(refuse: number[] = []): Promise<{ port: number; lostReplies: () => number; close: () => void }> {
  let lost = 0;
  let count = 0;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    sockets.push(client);
    client.on('error', () => undefined);
    if (refuse.includes(++count)) {
      client.destroy();
      return;
    }
    const upstream = connect(pg.port, pg.host);
    sockets.push(upstream);
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk) => upstream.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.on('data', (chunk: Buffer) => {
      if (lost === 0 && chunk.includes(Buffer.from('ALTER ROLE\0'))) {
        lost++;
        upstream.destroy();
        client.destroy();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    lostReplies: () => lost,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

function kms(...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

function ok(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.json;
}

function current(name: string, stage = 'ACSCurrent'): { AccountName: string; AccountPassword: string } {
  return JSON.parse(ok(kms('GetSecretValue', '--SecretName', name, '--VersionStage', stage)).SecretData);
}

function createRds(name: string, subType: string, accounts: { AccountName: string; AccountPassword: string }[], instance = 'rm-test'): void {
  ok(
    kms(
      'CreateSecret',
      '--SecretName', name,
      '--VersionId', 'v1',
      '--SecretType', 'Rds',
      '--ExtendedConfig', JSON.stringify({ SecretSubType: subType, DBInstanceId: instance }),
      '--SecretData', JSON.stringify({ Accounts: accounts }),
    ),
  );
}

describeIfPostgres('Rds secrets rotated on a real PostgreSQL server', () => {
  beforeAll(async () => {
    // Every statement the server receives is logged: no password may ever be among them.
    pg = await startPostgres(bin!, { logStatements: true });
    pg.sql("CREATE ROLE app_single LOGIN PASSWORD 'Initial-single-Pw1'");
    pg.sql("CREATE ROLE app_a LOGIN PASSWORD 'Initial-a-Pw1'");
    pg.sql("CREATE ROLE app_b LOGIN PASSWORD 'Initial-b-Pw1'");
    home = makeHome();
    ok(runCli(['target', 'add', '--DBInstanceId', 'rm-test', '--Engine', 'postgresql', '--Host', pg.host, '--Port', String(pg.port)], { home }));
  }, 120_000);

  afterAll(() => {
    pg?.destroy();
    if (home) removeHome(home);
  });

  test('SingleUser: after RotateSecret, psql logs in with ACSCurrent and no longer with the old password', () => {
    createRds('db-single', 'SingleUser', [{ AccountName: 'app_single', AccountPassword: 'Initial-single-Pw1' }]);
    expect(pg.canLogin('app_single', 'Initial-single-Pw1')).toBe(true);

    const rotated = ok(kms('RotateSecret', '--SecretName', 'db-single', '--VersionId', 'v2'));
    expect(rotated).toMatchObject({ SecretName: 'db-single', VersionId: 'v2' });

    const now = current('db-single');
    expect(now.AccountName).toBe('app_single');
    expect(now.AccountPassword).toMatch(/^[A-Za-z0-9!@#$%^&*()_+=-]{32}$/); // the RDS account password set
    expect(pg.canLogin('app_single', now.AccountPassword)).toBe(true);
    expect(pg.canLogin('app_single', 'Initial-single-Pw1')).toBe(false);
    expect(current('db-single', 'ACSPrevious').AccountPassword).toBe('Initial-single-Pw1');
    // The password reached the server as a SCRAM verifier, never in plaintext.
    expect(pg.sql("SELECT rolpassword LIKE 'SCRAM-SHA-256$4096:%' FROM pg_authid WHERE rolname = 'app_single'").trim()).toBe('t');
  });

  test('Rds secrets: only ACSCurrent and ACSPrevious are readable; PutSecretValue and UpdateSecretVersionStage are refused', () => {
    const code = (r: CliResult) => serviceError(r.stderr)?.code;
    expect(code(kms('GetSecretValue', '--SecretName', 'db-single', '--VersionStage', 'ACSPending'))).toBe('InvalidParameter');
    expect(code(kms('PutSecretValue', '--SecretName', 'db-single', '--VersionId', 'x', '--SecretData', '{}'))).toBe('UnsupportedOperation');
    expect(code(kms('UpdateSecretVersionStage', '--SecretName', 'db-single', '--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v1'))).toBe('UnsupportedOperation');
    // VersionId is ignored for dynamic secrets: the stage decides.
    expect(ok(kms('GetSecretValue', '--SecretName', 'db-single', '--VersionId', 'v1')).VersionId).toBe('v2');
  });

  test('RotateSecret is idempotent on VersionId: the same VersionId again changes nothing', () => {
    const before = current('db-single');
    ok(kms('RotateSecret', '--SecretName', 'db-single', '--VersionId', 'v2'));
    expect(current('db-single')).toEqual(before);
    expect(pg.canLogin('app_single', before.AccountPassword)).toBe(true);
  });

  test('a custom value (--SecretData) is applied as given', () => {
    ok(kms('RotateSecret', '--SecretName', 'db-single', '--VersionId', 'custom', '--SecretData', '{"AccountPassword":"Custom-Pw-1234-abcd"}'));
    expect(current('db-single').AccountPassword).toBe('Custom-Pw-1234-abcd');
    expect(pg.canLogin('app_single', 'Custom-Pw-1234-abcd')).toBe(true);
  });

  test('a non-ASCII custom password reaches PostgreSQL only as a verifier: its statement log never holds it, and psql logs in with it', () => {
    pg.sql("CREATE ROLE app_intl LOGIN PASSWORD 'Initial-intl-Pw1'");
    createRds('db-intl', 'SingleUser', [{ AccountName: 'app_intl', AccountPassword: 'Initial-intl-Pw1' }]);
    // Accents, CJK, a ligature NFKC turns into 'fi', an OHM SIGN it turns into an omega, a no-break space.
    const password = 'Pässwörd-密码-\ufb01x-\u2126-\u00a0end';
    const before = pg.log();
    ok(kms('RotateSecret', '--SecretName', 'db-intl', '--VersionId', 'v2', '--SecretData', JSON.stringify({ AccountPassword: password })));
    expect(current('db-intl').AccountPassword).toBe(password);
    expect(pg.canLogin('app_intl', password)).toBe(true);
    expect(pg.canLogin('app_intl', 'Initial-intl-Pw1')).toBe(false);
    const logged = pg.log().slice(before.length);
    // The log does record the statements: the rotation's ALTER ROLE is there, with a verifier.
    expect(logged).toMatch(/ALTER ROLE "app_intl" PASSWORD 'SCRAM-SHA-256\$4096:/);
    for (const part of [password, 'Pässwörd', '密码', password.normalize('NFKC')]) expect(logged).not.toContain(part);
  });

  test("the verifiers rotation computes equal PostgreSQL's own, for the same salt, for every kind of password", () => {
    const passwords = ['Plain-ascii-Pw1', 'Pässwörd-密码', '\ufb01le-\u2126', 'a\u00a0b\u3000c', 'soft\u00adhyphen', '\u05d0\u05d1\u05d2', 'mixed-\u05d0', 'private-\ue000-é'];
    pg.sql("CREATE ROLE app_verifier LOGIN");
    for (const password of passwords) {
      pg.sql(`SET password_encryption = 'scram-sha-256'; ALTER ROLE app_verifier PASSWORD '${password}'`);
      const stored = pg.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_verifier'").trim();
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
      expect([password, scramVerifier(password, Buffer.from(salt!, 'base64'), Number(iterations))]).toEqual([password, stored]);
    }
  });

  test('the reply to the ALTER is lost (the connection dies after the server applied it): a fresh login with the new password works, so the rotation finishes forward', async () => {
    const proxy = await lossyProxy();
    try {
      pg.sql("CREATE ROLE app_lost LOGIN PASSWORD 'Initial-lost-Pw1'");
      createRds('db-lost', 'SingleUser', [{ AccountName: 'app_lost', AccountPassword: 'Initial-lost-Pw1' }], 'rm-lost');
      ok(runCli(['target', 'add', '--DBInstanceId', 'rm-lost', '--Engine', 'postgresql', '--Host', '127.0.0.1', '--Port', String(proxy.port)], { home }));
      // Asynchronous: the proxy runs in this process and must go on forwarding meanwhile.
      const rotated = await runCliAsync(['kms', 'RotateSecret', '--SecretName', 'db-lost', '--VersionId', 'v2', '--SecretData', '{"AccountPassword":"Lost-reply-Pw-2"}'], { home });
      expect(proxy.lostReplies()).toBe(1);
      expect(rotated.stderr).toBe('');
      expect(rotated.code).toBe(0);
      expect(current('db-lost').AccountPassword).toBe('Lost-reply-Pw-2');
      expect(pg.canLogin('app_lost', 'Lost-reply-Pw-2')).toBe(true);
      expect(pg.canLogin('app_lost', 'Initial-lost-Pw1')).toBe(false);
      expect(ok(kms('DescribeSecret', '--SecretName', 'db-lost')).RotationStatus).toBeUndefined();
    } finally {
      proxy.close();
    }
  });

  test('the reply to the ALTER is lost and the new password cannot be verified: the old one is restored through a fresh login, not left broken', async () => {
    // Connection 1 logs in and applies (its reply lost); connection 2, the verification, is cut.
    const proxy = await lossyProxy([2]);
    try {
      pg.sql("CREATE ROLE app_restore LOGIN PASSWORD 'Initial-restore-Pw1'");
      createRds('db-restore', 'SingleUser', [{ AccountName: 'app_restore', AccountPassword: 'Initial-restore-Pw1' }], 'rm-restore');
      ok(runCli(['target', 'add', '--DBInstanceId', 'rm-restore', '--Engine', 'postgresql', '--Host', '127.0.0.1', '--Port', String(proxy.port)], { home }));
      const failed = await runCliAsync(['kms', 'RotateSecret', '--SecretName', 'db-restore', '--VersionId', 'v2', '--SecretData', '{"AccountPassword":"Restore-Pw-2"}'], { home });
      expect(proxy.lostReplies()).toBe(1);
      expect(failed.code).toBe(1);
      const error = serviceError(failed.stderr);
      expect(error?.code).toBe('Rejected.RotationFailed');
      expect(error?.message).toMatch(/failed at step apply/);
      expect(error?.message).toMatch(/restored through a fresh login with the new one/);
      expect(failed.stderr).not.toContain('Restore-Pw-2');
      // ACSCurrent is unchanged, and it works: the server has the old password again.
      expect(current('db-restore').AccountPassword).toBe('Initial-restore-Pw1');
      expect(pg.canLogin('app_restore', 'Initial-restore-Pw1')).toBe(true);
      expect(pg.canLogin('app_restore', 'Restore-Pw-2')).toBe(false);
    } finally {
      proxy.close();
    }
  });

  test('DoubleUsers: the value read before the rotation still logs in, and ACSCurrent is the other account', () => {
    createRds('db-double', 'DoubleUsers', [
      { AccountName: 'app_a', AccountPassword: 'Initial-a-Pw1' },
      { AccountName: 'app_b', AccountPassword: 'Initial-b-Pw1' },
    ]);
    const readBefore = current('db-double');
    expect(readBefore.AccountName).toBe('app_a');

    ok(kms('RotateSecret', '--SecretName', 'db-double', '--VersionId', 'v2'));
    const after = current('db-double');
    expect(after.AccountName).toBe('app_b');
    expect(pg.canLogin('app_b', after.AccountPassword)).toBe(true);
    expect(pg.canLogin('app_b', 'Initial-b-Pw1')).toBe(false);
    expect(pg.canLogin(readBefore.AccountName, readBefore.AccountPassword)).toBe(true);
    expect(current('db-double', 'ACSPrevious')).toEqual(readBefore);

    // The next rotation resets app_a; app_b, read as ACSCurrent just now, keeps working.
    ok(kms('RotateSecret', '--SecretName', 'db-double', '--VersionId', 'v3'));
    const third = current('db-double');
    expect(third.AccountName).toBe('app_a');
    expect(third.AccountPassword).not.toBe('Initial-a-Pw1');
    expect(pg.canLogin('app_a', third.AccountPassword)).toBe(true);
    expect(pg.canLogin('app_b', after.AccountPassword)).toBe(true);
  });

  test('a wrong ACSCurrent password: the rotation fails at login and nothing changes', () => {
    createRds('db-wrong', 'SingleUser', [{ AccountName: 'app_single', AccountPassword: 'not-the-password' }]);
    const failed = kms('RotateSecret', '--SecretName', 'db-wrong', '--VersionId', 'v2');
    expect(serviceError(failed.stderr)?.message).toMatch(/refused every credential/);
    expect(current('db-wrong').AccountPassword).toBe('not-the-password');
  });

  test('a secret whose instance has no target cannot rotate, and says so', () => {
    createRds('db-nowhere', 'SingleUser', [{ AccountName: 'app_single', AccountPassword: 'x-Pw1' }], 'rm-nowhere');
    const failed = serviceError(kms('RotateSecret', '--SecretName', 'db-nowhere', '--VersionId', 'v2').stderr);
    expect(failed?.code).toBe('Rejected.TargetNotFound');
    expect(failed?.message).toMatch(/kms-local target add --DBInstanceId rm-nowhere/);
  });

  test('PolarDB PostgreSQL (SecretData $Auto): kms-local creates app_pc and app_pc_clone as SCRAM roles; rotations alternate them', () => {
    ok(kms('CreateSecret', '--SecretName', 'pg-admin', '--VersionId', 'v1', '--SecretData', JSON.stringify({ AccountName: pg.superuser, AccountPassword: pg.superPassword })));
    ok(runCli(['target', 'add', '--DBInstanceId', 'pc-pg', '--Engine', 'postgresql', '--Host', pg.host, '--Port', String(pg.port), '--AdminSecretName', 'pg-admin'], { home }));
    ok(kms('CreateSecret', '--SecretName', 'pc-db', '--VersionId', 'v1', '--SecretType', 'PolarDB', '--SecretData', '$Auto',
      '--ExtendedConfig', JSON.stringify({ SecretSubType: 'DoubleUsers', RegionId: 'cn-hangzhou', DBClusterId: 'pc-pg', DBType: 'PostgreSQL', AccountName: 'app_pc' })));
    const first = current('pc-db');
    expect(first.AccountName).toBe('app_pc');
    expect(current('pc-db', 'ACSPrevious')).toEqual({ AccountName: 'app_pc_clone', AccountPassword: first.AccountPassword });
    expect(pg.canLogin('app_pc', first.AccountPassword)).toBe(true);
    expect(pg.canLogin('app_pc_clone', first.AccountPassword)).toBe(true);
    expect(pg.sql("SELECT count(*) FROM pg_authid WHERE rolname LIKE 'app_pc%' AND rolpassword LIKE 'SCRAM-SHA-256$4096:%'").trim()).toBe('2');

    ok(kms('RotateSecret', '--SecretName', 'pc-db', '--VersionId', 'v2'));
    const second = current('pc-db');
    expect(second.AccountName).toBe('app_pc_clone');
    expect(pg.canLogin('app_pc_clone', second.AccountPassword)).toBe(true);
    expect(pg.canLogin('app_pc', first.AccountPassword)).toBe(true);
  });
});
