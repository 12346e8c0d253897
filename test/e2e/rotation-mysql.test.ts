/**
 * Rds secrets rotated against a real MariaDB server (a throwaway one on loopback, see
 * test/support/mariadb.ts), through bin/kms-local.js, with `--Engine mysql` targets. Every claim
 * that a credential works or not is checked with the `mariadb` client logging in. The fault tests
 * are shared by every adapter: test/e2e/rotation-faults.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { findMariaDb, mariadbUnavailable, startMariaDb, type MariaDbServer } from '../support/mariadb.js';
import { makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';

const why = mariadbUnavailable();
if (why) console.warn(`\n!!! SKIPPED test/e2e/rotation-mysql.test.ts: ${why}.\n`);
const describeIfMariaDb = why ? describe.skip : describe;

let db: MariaDbServer;
let home: string;

const kms = (...args: string[]): CliResult => runCli(['kms', ...args], { home });
function ok(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.json;
}
function current(name: string, stage = 'ACSCurrent'): { AccountName: string; AccountPassword: string } {
  return JSON.parse(ok(kms('GetSecretValue', '--SecretName', name, '--VersionStage', stage)).SecretData);
}
const current_ = (name: string, stage = 'ACSCurrent') => current(name, stage);
function createRds(name: string, subType: string, accounts: { AccountName: string; AccountPassword: string }[]): void {
  ok(kms('CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretType', 'Rds',
    '--ExtendedConfig', JSON.stringify({ SecretSubType: subType, DBInstanceId: 'rm-mysql' }),
    '--SecretData', JSON.stringify({ Accounts: accounts })));
}

describeIfMariaDb('Rds secrets rotated on a real MariaDB server', () => {
  beforeAll(async () => {
    db = await startMariaDb(findMariaDb()!);
    db.sql("CREATE USER 'app_single'@'%' IDENTIFIED BY 'Initial-single-Pw1'");
    db.sql("CREATE USER 'app_a'@'%' IDENTIFIED BY 'Initial-a-Pw1'");
    db.sql("CREATE USER 'app_b'@'%' IDENTIFIED BY 'Initial-b-Pw1'");
    home = makeHome();
  }, 120_000);

  afterAll(() => {
    db?.destroy();
    if (home) removeHome(home);
  });

  test('target add --Engine mysql: port 3306 by default, no database', () => {
    const added = ok(runCli(['target', 'add', '--DBInstanceId', 'rm-default', '--Engine', 'mysql', '--Host', 'db.internal'], { home }));
    expect(added.Target).toEqual({ Type: 'Rds', DBInstanceId: 'rm-default', Engine: 'mysql', Host: 'db.internal', Port: 3306 });
    const maria = ok(runCli(['target', 'add', '--DBInstanceId', 'rm-maria', '--Engine', 'mariadb', '--Host', 'db.internal', '--Database', 'app'], { home }));
    expect(maria.Target).toMatchObject({ Engine: 'mariadb', Port: 3306, Database: 'app' });
    ok(runCli(['target', 'add', '--DBInstanceId', 'rm-mysql', '--Engine', 'mysql', '--Host', db.host, '--Port', String(db.port)], { home }));
  });

  test('SingleUser: the mariadb client logs in with ACSCurrent and no longer with the old password', () => {
    createRds('my-single', 'SingleUser', [{ AccountName: 'app_single', AccountPassword: 'Initial-single-Pw1' }]);
    ok(kms('RotateSecret', '--SecretName', 'my-single', '--VersionId', 'v2'));
    const now = current('my-single');
    expect(now.AccountName).toBe('app_single');
    expect(now.AccountPassword).toMatch(/^[A-Za-z0-9!@#$%^&*()_+=-]{32}$/);
    expect(db.canLogin('app_single', now.AccountPassword)).toBe(true);
    expect(db.canLogin('app_single', 'Initial-single-Pw1')).toBe(false);
    expect(current('my-single', 'ACSPrevious').AccountPassword).toBe('Initial-single-Pw1');
  });

  test('the new password never reaches the server in plaintext: the general query log holds only its hash', () => {
    const { AccountPassword } = current('my-single');
    const log = db.generalLog();
    expect(log).toMatch(/SET PASSWORD = '\*[0-9A-F]{40}'/);
    expect(log).not.toContain(AccountPassword);
  });

  test('a custom value (--SecretData) is applied as given', () => {
    ok(kms('RotateSecret', '--SecretName', 'my-single', '--VersionId', 'custom', '--SecretData', '{"AccountPassword":"Custom-Pw-1234-abcd"}'));
    expect(current('my-single').AccountPassword).toBe('Custom-Pw-1234-abcd');
    expect(db.canLogin('app_single', 'Custom-Pw-1234-abcd')).toBe(true);
  });

  test('DoubleUsers: the value read before the rotation still logs in, and ACSCurrent is the other account', () => {
    createRds('my-double', 'DoubleUsers', [
      { AccountName: 'app_a', AccountPassword: 'Initial-a-Pw1' },
      { AccountName: 'app_b', AccountPassword: 'Initial-b-Pw1' },
    ]);
    const before = current('my-double');
    ok(kms('RotateSecret', '--SecretName', 'my-double', '--VersionId', 'v2'));
    const after = current('my-double');
    expect(after.AccountName).toBe('app_b');
    expect(db.canLogin('app_b', after.AccountPassword)).toBe(true);
    expect(db.canLogin('app_b', 'Initial-b-Pw1')).toBe(false);
    expect(db.canLogin(before.AccountName, before.AccountPassword)).toBe(true);
    ok(kms('RotateSecret', '--SecretName', 'my-double', '--VersionId', 'v3'));
    expect(current('my-double').AccountName).toBe('app_a');
    expect(db.canLogin('app_b', after.AccountPassword)).toBe(true);
  });

  test('DoubleUsers: when the ACSPrevious account no longer logs in, the ACSCurrent one resets it if it may', () => {
    db.sql("GRANT UPDATE ON mysql.* TO 'app_a'@'%'");
    db.sql("GRANT SELECT ON mysql.* TO 'app_a'@'%'");
    db.sql("SET PASSWORD FOR 'app_b'@'%' = PASSWORD('Lost-by-someone-Pw1')");
    const readBefore = current('my-double');
    expect(readBefore.AccountName).toBe('app_a');
    ok(kms('RotateSecret', '--SecretName', 'my-double', '--VersionId', 'v4'));
    const now = current('my-double');
    expect(now.AccountName).toBe('app_b');
    expect(db.canLogin('app_b', now.AccountPassword)).toBe(true);
    expect(db.canLogin('app_a', readBefore.AccountPassword)).toBe(true);
  });

  describe('PolarDB MySQL secrets (SecretData $Auto) through the same adapter', () => {
    const polardb = (extra: Record<string, unknown> = {}) =>
      JSON.stringify({ SecretSubType: 'DoubleUsers', RegionId: 'cn-hangzhou', DBClusterId: 'pc-shop', DBType: 'MySQL', AccountName: 'shop', AccountPrivilege: 'ReadWrite', DBName: 'shop', ...extra });
    const create = (name: string, config: string) =>
      kms('CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretType', 'PolarDB', '--SecretData', '$Auto', '--ExtendedConfig', config);

    beforeAll(() => {
      db.sql("CREATE USER 'kmsadmin'@'%' IDENTIFIED BY 'Admin-Pw-1'");
      db.sql("GRANT ALL ON *.* TO 'kmsadmin'@'%' WITH GRANT OPTION");
      db.sql('CREATE DATABASE shop');
      ok(kms('CreateSecret', '--SecretName', 'maria-admin', '--VersionId', 'v1', '--SecretData', '{"AccountName":"kmsadmin","AccountPassword":"Admin-Pw-1"}'));
    });

    test('a target without --AdminSecretName cannot create the accounts, and says what to add', () => {
      ok(runCli(['target', 'add', '--DBInstanceId', 'pc-shop', '--Engine', 'mysql', '--Host', db.host, '--Port', String(db.port)], { home }));
      const failed = serviceError(create('shop-db', polardb()).stderr);
      expect(failed?.code).toBe('Rejected.TargetNotFound');
      expect(failed?.message).toMatch(/--AdminSecretName/);
      expect(db.sql("SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'shop%'").trim()).toBe('0');
    });

    test('a PolarDB PostgreSQL secret is refused on a MySQL target', () => {
      const failed = serviceError(create('shop-pg', polardb({ DBType: 'PostgreSQL', AccountPrivilege: undefined, DBName: undefined })).stderr);
      expect(failed?.code).toBe('Rejected.TargetNotFound');
      expect(failed?.message).toMatch(/PolarDB PostgreSQL secret, but the target of 'pc-shop' is --Engine mysql/);
    });

    test('CreateSecret creates shop and shop_clone with the same grants and password; the plaintext never reaches the server', () => {
      ok(runCli(['target', 'add', '--DBInstanceId', 'pc-shop', '--Engine', 'mysql', '--Host', db.host, '--Port', String(db.port), '--AdminSecretName', 'maria-admin'], { home }));
      ok(create('shop-db', polardb()));
      const current = current_('shop-db');
      const previous = current_('shop-db', 'ACSPrevious');
      expect([current.AccountName, previous.AccountName]).toEqual(['shop', 'shop_clone']);
      expect(previous.AccountPassword).toBe(current.AccountPassword);
      expect(current.AccountPassword).toMatch(/^[A-Za-z0-9!@#$%^&*()_+=-]{32}$/);
      expect(db.canLogin('shop', current.AccountPassword)).toBe(true);
      expect(db.canLogin('shop_clone', current.AccountPassword)).toBe(true);
      const grants = (user: string) => db.sql(`SHOW GRANTS FOR '${user}'@'%'`).replaceAll(`\`${user}\`@`, '`<user>`@');
      expect(grants('shop')).toBe(grants('shop_clone'));
      expect(grants('shop')).toMatch(/GRANT ALL PRIVILEGES ON `shop`\.\* TO/);
      expect(db.generalLog()).not.toContain(current.AccountPassword);
    });

    test('RotateSecret alternates them: the account read as ACSCurrent before keeps working', () => {
      const before = current_('shop-db');
      ok(kms('RotateSecret', '--SecretName', 'shop-db', '--VersionId', 'v2'));
      const after = current_('shop-db');
      expect(after.AccountName).toBe('shop_clone');
      expect(db.canLogin('shop_clone', after.AccountPassword)).toBe(true);
      expect(db.canLogin('shop_clone', before.AccountPassword)).toBe(false);
      expect(db.canLogin('shop', before.AccountPassword)).toBe(true);
    });

    test('accounts that already exist are refused; no secret is stored', () => {
      const failed = serviceError(create('shop-again', polardb()).stderr);
      expect(failed?.code).toBe('Rejected.TargetFailed');
      expect(failed?.message).toMatch(/already exists/);
      expect(serviceError(kms('DescribeSecret', '--SecretName', 'shop-again').stderr)?.code).toBe('Forbidden.ResourceNotFound');
    });
  });
});
