/**
 * MySQL and MariaDB adapter for Rds secrets (SingleUser, DoubleUsers), with `mysql2`.
 *
 * The session logs in as an account of the secret and changes a password. On MariaDB the new
 * password is sent as its mysql_native_password hash (`SET PASSWORD = '*<hash>'`, computed here),
 * so the plaintext never reaches the server, its general query log or its processlist. MySQL 8
 * has no hashed form for its default plugin (caching_sha2_password); there kms-local sends
 * `ALTER USER ... IDENTIFIED BY '<password>'`, which MySQL itself rewrites in its general, slow
 * and binary logs (unless --log-raw). An account may change its own password without any
 * privilege; changing another account's (DoubleUsers, when only the ACSCurrent account still
 * logs in) needs UPDATE on the mysql schema (or CREATE USER on MySQL).
 */
import { createHash } from 'node:crypto';
import type { ProvisionPlan, RdsAccountValue } from '../core/dynamic.js';
import { importPackage } from '../import-package.js';
import type { DbTarget } from './registry.js';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, TargetError, type AccountCreator, type Credential, type TargetSession } from './adapter.js';

type Connection = import('mysql2/promise').Connection;
type MysqlModule = typeof import('mysql2/promise');

/** The mysql_native_password hash the server stores for `password`: '*' + SHA1(SHA1(password)), upper-case hex. */
export function nativePasswordHash(password: string): string {
  const once = createHash('sha1').update(Buffer.from(password, 'utf8')).digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

/**
 * What each PolarDB MySQL AccountPrivilege grants on its DBName (kms-local's reading of the
 * service's privilege names). Without a privilege the accounts get none (USAGE).
 */
export const POLARDB_MYSQL_GRANTS: Record<string, string> = {
  ReadWrite: 'ALL PRIVILEGES',
  ReadOnly: 'SELECT, SHOW VIEW',
  DMLOnly: 'SELECT, INSERT, UPDATE, DELETE',
  DDLOnly: 'CREATE, DROP, ALTER, INDEX, CREATE VIEW, SHOW VIEW',
  ReadIndex: 'SELECT, INDEX',
};

function account(credential: Credential): RdsAccountValue {
  return credential.value as RdsAccountValue;
}

/** ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR. */
const AUTH_ERRNOS = new Set([1045, 1044, 1698]);

function describeError(err: unknown): { auth: boolean; message: string } {
  const e = err as { errno?: number; message?: string };
  return { auth: e.errno !== undefined && AUTH_ERRNOS.has(e.errno), message: e.message ?? String(err) };
}

export class MysqlSession implements TargetSession, AccountCreator {
  private readonly target: DbTarget;
  private readonly admin: RdsAccountValue | undefined;
  private connection: Connection | undefined;
  private mysql: MysqlModule | undefined;
  private loggedInAs: string | undefined;
  private mariadb = false;

  /** `admin`: the target's admin account, only to create accounts (PolarDB CreateSecret). */
  constructor(target: DbTarget, admin?: RdsAccountValue) {
    this.target = target;
    this.admin = admin;
  }

  private where(): string {
    const kind = this.target.engine === 'mariadb' ? 'MariaDB' : 'MySQL';
    return `${kind} ${this.target.instanceId} (${this.target.host}:${this.target.port})`;
  }

  private async connect(credential: Credential): Promise<Connection> {
    if (!this.mysql) {
      const mod = await importPackage<{ default?: MysqlModule } & MysqlModule>('mysql2/promise');
      this.mysql = mod.default ?? mod;
    }
    const { AccountName, AccountPassword } = account(credential);
    let connection: Connection | undefined;
    try {
      connection = await this.mysql.createConnection({
        host: this.target.host,
        port: this.target.port,
        user: AccountName,
        password: AccountPassword,
        database: this.target.database || undefined,
        connectTimeout: CONNECT_TIMEOUT_MS,
        connectAttributes: { program_name: 'kms-local rotation' },
      });
      // An error after connect (the server going away) must not crash the process.
      connection.on('error', () => undefined);
      await connection.query({ sql: 'SELECT 1', timeout: COMMAND_TIMEOUT_MS });
      return connection;
    } catch (err) {
      connection?.destroy();
      const { auth, message } = describeError(err);
      throw new TargetError(auth ? 'auth' : 'unreachable', `${this.where()}: ${message}`);
    }
  }

  private async open(credential: Credential): Promise<void> {
    this.connection = await this.connect(credential);
    this.loggedInAs = account(credential).AccountName;
    const [rows] = await this.connection.query({ sql: 'SELECT VERSION() AS v', timeout: COMMAND_TIMEOUT_MS });
    this.mariadb = /mariadb/i.test(String((rows as { v: string }[])[0]?.v));
  }

  async login(candidates: readonly Credential[]): Promise<string> {
    const refused: string[] = [];
    for (const candidate of candidates) {
      try {
        await this.open(candidate);
        return candidate.versionId;
      } catch (err) {
        if (!(err instanceof TargetError) || err.kind !== 'auth') throw err;
        refused.push(`${account(candidate).AccountName} (version ${candidate.versionId})`);
      }
    }
    throw new TargetError('auth', `${this.where()} refused every credential it was offered: ${refused.join(', ')}.`);
  }

  /** The statement that sets `credential`'s password; the account is this session's own or named with its host. */
  private async statement(credential: Credential): Promise<string> {
    const c = this.connection!;
    const { AccountName, AccountPassword } = account(credential);
    let who = '';
    if (AccountName !== this.loggedInAs) {
      const [rows] = await c.query({ sql: 'SELECT Host FROM mysql.user WHERE User = ?', values: [AccountName], timeout: COMMAND_TIMEOUT_MS });
      const hosts = (rows as { Host: string }[]).map((r) => r.Host);
      if (hosts.length !== 1) throw new Error(`the account ${AccountName} exists for ${hosts.length} hosts, not one`);
      who = `${c.escape(AccountName)}@${c.escape(hosts[0])}`;
    }
    if (this.mariadb) return `SET PASSWORD${who ? ` FOR ${who}` : ''} = ${c.escape(nativePasswordHash(AccountPassword))}`;
    return `ALTER USER ${who || 'CURRENT_USER()'} IDENTIFIED BY ${c.escape(AccountPassword)}`;
  }

  private async setPassword(credential: Credential): Promise<void> {
    if (!this.connection) throw new TargetError('failed', 'not logged in');
    const { AccountName } = account(credential);
    try {
      await this.connection.query({ sql: await this.statement(credential), timeout: COMMAND_TIMEOUT_MS });
    } catch (err) {
      throw new TargetError('failed', `${this.where()}: changing the password of ${AccountName} failed: ${describeError(err).message}`);
    }
  }

  async apply(next: Credential): Promise<void> {
    await this.setPassword(next);
  }

  async verify(next: Credential): Promise<void> {
    const connection = await this.connect(next).catch((err: TargetError) => {
      throw new TargetError(err.kind, `the new password of ${account(next).AccountName} does not log in: ${err.message}`);
    });
    await connection.end().catch(() => connection.destroy());
  }

  async retire(): Promise<void> {
    // Passwords replace each other: nothing is left to remove.
  }

  async rollback(to: Credential): Promise<void> {
    await this.setPassword(to);
  }

  async createAccounts(plan: ProvisionPlan, password: string): Promise<void> {
    if (!this.admin) throw new TargetError('failed', `${this.where()}: no admin account to create accounts with`);
    await this.open({ versionId: 'admin', value: this.admin }).catch((err: TargetError) => {
      throw new TargetError(err.kind, `${err.message} (logging in as the admin account)`);
    });
    const c = this.connection!;
    const names = [plan.accountName, plan.cloneAccountName];
    const [rows] = await c.query({ sql: 'SELECT User FROM mysql.user WHERE User IN (?, ?)', values: names, timeout: COMMAND_TIMEOUT_MS });
    const taken = (rows as { User: string }[])[0]?.User;
    if (taken !== undefined) {
      throw new TargetError('failed', `${this.where()}: the account ${taken} already exists; a PolarDB secret manages two new accounts that kms-local creates.`);
    }
    const secret = this.mariadb ? `IDENTIFIED BY PASSWORD ${c.escape(nativePasswordHash(password))}` : `IDENTIFIED BY ${c.escape(password)}`;
    const created: string[] = [];
    try {
      for (const name of names) {
        await c.query({ sql: `CREATE USER ${c.escape(name)}@'%' ${secret}`, timeout: COMMAND_TIMEOUT_MS });
        created.push(name);
        if (plan.privilege && plan.dbName) {
          const grants = POLARDB_MYSQL_GRANTS[plan.privilege]!;
          await c.query({ sql: `GRANT ${grants} ON ${c.escapeId(plan.dbName)}.* TO ${c.escape(name)}@'%'`, timeout: COMMAND_TIMEOUT_MS });
        }
      }
    } catch (err) {
      for (const name of created) await c.query(`DROP USER ${c.escape(name)}@'%'`).catch(() => undefined);
      throw new TargetError('failed', `${this.where()}: creating the accounts failed: ${describeError(err).message}`);
    }
  }

  async close(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    await c?.end().catch(() => c.destroy());
  }
}
