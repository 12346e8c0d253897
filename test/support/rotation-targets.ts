/**
 * The real servers the shared rotation fault suite (test/e2e/rotation-faults.test.ts) runs
 * against, one fixture per adapter: how to start the server, register it as a target, make an
 * account and a secret for it, check a login with the server's own client, change a password out
 * of band (as an interrupted rotation would have), and make fresh logins of an account fail while
 * a session stays open (a verification that fails for a real reason, not a stub).
 */
import { findPostgres, startPostgres, type PgServer } from './postgres.js';
import { findMariaDb, mariadbUnavailable, startMariaDb, type MariaDbServer } from './mariadb.js';
import { findRedis, redisUnavailable, startRedis, type RedisServer } from './redis.js';
import { runCli, type CliResult } from './cli.js';

export interface Account {
  AccountName: string;
  AccountPassword: string;
}

export interface RotationTarget {
  readonly name: string;
  readonly subType: 'SingleUser' | 'DoubleUsers';
  unavailable(): string | undefined;
  setup(): Promise<void>;
  teardown(): void;
  /** `target add` for instance `id`, at the real server or at `at`. */
  addTarget(home: string, id: string, at?: { host: string; port: number }): void;
  /** Creates what a secret `name` needs on the server and the secret itself, through the CLI. */
  createSecret(home: string, name: string, id: string): void;
  canLogin(user: string, password: string): boolean;
  /** Sets a password out of band, as an operator (or an interrupted rotation) would have. */
  setPassword(user: string, password: string): void;
  /** Fresh logins of `user` fail while one session of it is open; `mend` undoes it. */
  breakFreshLogins(user: string): void;
  mendFreshLogins(user: string): void;
  stop(): void;
  start(): void;
}

function ok(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.json;
}

function kms(home: string, ...args: string[]): any {
  return ok(runCli(['kms', ...args], { home }));
}

function createRdsSecret(home: string, name: string, id: string, account: Account): void {
  kms(
    home,
    'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretType', 'Rds',
    '--ExtendedConfig', JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: id }),
    '--SecretData', JSON.stringify({ Accounts: [account] }),
  );
}

/** A role or user name from a secret name (secret names here are short and [a-z0-9-]). */
const accountOf = (secret: string) => secret.replace(/-/g, '_');

export function postgresTarget(): RotationTarget {
  const bin = findPostgres();
  let pg: PgServer;
  return {
    name: 'PostgreSQL',
    subType: 'SingleUser',
    unavailable: () => (bin ? undefined : 'the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed (apt-get install postgresql)'),
    async setup() {
      pg = await startPostgres(bin!);
    },
    teardown: () => pg?.destroy(),
    addTarget(home, id, at) {
      ok(runCli(['target', 'add', '--DBInstanceId', id, '--Engine', 'postgresql', '--Host', at?.host ?? pg.host, '--Port', String(at?.port ?? pg.port)], { home }));
    },
    createSecret(home, name, id) {
      const account = { AccountName: accountOf(name), AccountPassword: `Initial-${name}-Pw1` };
      pg.sql(`CREATE ROLE ${account.AccountName} LOGIN PASSWORD '${account.AccountPassword}'`);
      createRdsSecret(home, name, id, account);
    },
    canLogin: (user, password) => pg.canLogin(user, password),
    setPassword: (user, password) => void pg.sql(`ALTER ROLE ${user} PASSWORD '${password}'`),
    breakFreshLogins: (user) => void pg.sql(`ALTER ROLE ${user} CONNECTION LIMIT 1`),
    mendFreshLogins: (user) => void pg.sql(`ALTER ROLE ${user} CONNECTION LIMIT -1`),
    stop: () => pg.stop(),
    start: () => pg.start(),
  };
}

export function mariadbTarget(): RotationTarget {
  const bin = findMariaDb();
  let db: MariaDbServer;
  return {
    name: 'MariaDB',
    subType: 'SingleUser',
    unavailable: mariadbUnavailable,
    async setup() {
      db = await startMariaDb(bin!);
    },
    teardown: () => db?.destroy(),
    addTarget(home, id, at) {
      ok(runCli(['target', 'add', '--DBInstanceId', id, '--Engine', 'mysql', '--Host', at?.host ?? db.host, '--Port', String(at?.port ?? db.port)], { home }));
    },
    createSecret(home, name, id) {
      const account = { AccountName: accountOf(name), AccountPassword: `Initial-${name}-Pw1` };
      db.sql(`CREATE USER '${account.AccountName}'@'%' IDENTIFIED BY '${account.AccountPassword}'`);
      createRdsSecret(home, name, id, account);
    },
    canLogin: (user, password) => db.canLogin(user, password),
    setPassword: (user, password) => void db.sql(`SET PASSWORD FOR '${user}'@'%' = PASSWORD('${password}')`),
    breakFreshLogins: (user) => void db.sql(`ALTER USER '${user}'@'%' WITH MAX_USER_CONNECTIONS 1`),
    mendFreshLogins: (user) => void db.sql(`ALTER USER '${user}'@'%' WITH MAX_USER_CONNECTIONS 0`),
    stop: () => db.stop(),
    start: () => db.start(),
  };
}

export function redisTarget(): RotationTarget {
  const bin = findRedis();
  let redis: RedisServer;
  return {
    name: 'Redis',
    subType: 'DoubleUsers',
    unavailable: redisUnavailable,
    async setup() {
      redis = await startRedis(bin!);
    },
    teardown: () => redis?.destroy(),
    addTarget(home, id, at) {
      // The admin credential is a Generic secret of the home; the target names it, it holds none.
      if (runCli(['kms', 'DescribeSecret', '--SecretName', 'redis-admin'], { home }).code !== 0) {
        kms(home, 'CreateSecret', '--SecretName', 'redis-admin', '--VersionId', 'v1',
          '--SecretData', JSON.stringify({ AccountName: redis.adminUser, AccountPassword: redis.adminPassword }));
      }
      ok(runCli(['target', 'add', '--InstanceId', id, '--Engine', 'redis', '--Host', at?.host ?? redis.host, '--Port', String(at?.port ?? redis.port), '--AdminSecretName', 'redis-admin'], { home }));
    },
    createSecret(home, name, id) {
      kms(
        home,
        'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretType', 'Redis', '--SecretData', '$Auto',
        '--ExtendedConfig', JSON.stringify({
          SecretSubType: 'DoubleUsers', InstanceId: id, RegionId: 'cn-hangzhou',
          AccountName: accountOf(name), CloneAccountName: `${accountOf(name)}_clone`, AccountPrivilege: 'RoleReadWrite',
        }),
      );
    },
    canLogin: (user, password) => redis.canLogin(user, password),
    setPassword: (user, password) => redis.command('ACL', 'SETUSER', user, 'resetpass', `>${password}`),
    // An account switched off refuses every new AUTH; the admin session that changes it is not affected.
    breakFreshLogins: (user) => redis.command('ACL', 'SETUSER', user, 'off'),
    mendFreshLogins: (user) => redis.command('ACL', 'SETUSER', user, 'on'),
    stop: () => redis.stop(),
    start: () => redis.start(),
  };
}

export const ROTATION_TARGETS: (() => RotationTarget)[] = [postgresTarget, mariadbTarget, redisTarget];
