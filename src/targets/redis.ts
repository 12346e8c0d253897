/**
 * Redis/Tair adapter for Redis secrets (DoubleUsers), with `@redis/client`.
 *
 * A Redis account cannot change its own password (ACL SETUSER is an admin command), so the session
 * logs in with the admin account the target names (a Generic secret of the home). Passwords are
 * always set as their SHA-256 (`ACL SETUSER <name> resetpass #<hex>`), so the plaintext never
 * reaches the server, MONITOR or the slow log. After a change the ACL is saved (`ACL SAVE`) when the
 * server keeps its users in an ACL file, so a restart does not bring old passwords back.
 *
 * `login` also tries each candidate account (a fresh connection each) to learn which version the
 * server holds: an interrupted rotation may have changed a password already.
 */
import { createHash } from 'node:crypto';
import type { ProvisionPlan, RdsAccountValue } from '../core/dynamic.js';
import { importPackage } from '../import-package.js';
import type { RedisTarget } from './registry.js';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, TargetError, type AccountCreator, type Credential, type TargetSession } from './adapter.js';

type RedisModule = typeof import('@redis/client');
type Client = ReturnType<RedisModule['createClient']>;

/** The ACL rules of each AccountPrivilege; both accounts of a secret get the same. */
export const REDIS_PRIVILEGE_RULES: Record<string, string[]> = {
  RoleReadWrite: ['~*', '&*', '+@all', '-@admin'],
  RoleReadOnly: ['~*', '&*', '+@read', '+@connection'],
};

export function redisPasswordHash(password: string): string {
  return `#${createHash('sha256').update(password, 'utf8').digest('hex')}`;
}

function account(credential: Credential): RdsAccountValue {
  return credential.value as RdsAccountValue;
}

function isAuthError(err: unknown): boolean {
  return /WRONGPASS|NOAUTH|NOPERM|invalid username-password/i.test((err as Error)?.message ?? '');
}

export class RedisSession implements TargetSession, AccountCreator {
  private readonly target: RedisTarget;
  private readonly admin: RdsAccountValue | undefined;
  private client: Client | undefined;
  private redis: RedisModule | undefined;

  constructor(target: RedisTarget, admin: RdsAccountValue | undefined) {
    this.target = target;
    this.admin = admin;
  }

  private where(): string {
    return `Redis ${this.target.instanceId} (${this.target.host}:${this.target.port})`;
  }

  private async connect(user: string, password: string): Promise<Client> {
    this.redis ??= await importPackage<RedisModule>('@redis/client');
    const client = this.redis.createClient({
      socket: { host: this.target.host, port: this.target.port, connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false },
      username: user,
      password,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    } as Parameters<RedisModule['createClient']>[0]);
    // An error after connect (the server going away) must not crash the process.
    client.on('error', () => undefined);
    // connectTimeout covers the TCP connect only: a server that accepts and never answers the
    // handshake (HELLO/AUTH) would hold the rotation forever without this bound.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    });
    const attempt = (async () => {
      await client.connect();
      await client.ping();
    })();
    // The loser of the race may still reject (the client destroyed under it): not unhandled.
    attempt.catch(() => undefined);
    try {
      await Promise.race([attempt, deadline]);
      return client as Client;
    } catch (err) {
      client.destroy?.();
      throw new TargetError(isAuthError(err) ? 'auth' : 'unreachable', `${this.where()}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async command(args: string[]): Promise<unknown> {
    if (!this.client) throw new TargetError('failed', 'not logged in');
    return this.client.sendCommand(args);
  }

  private async openAdmin(): Promise<void> {
    if (!this.admin) {
      throw new TargetError('failed', `${this.where()}: the admin secret '${this.target.adminSecretName}' is not readable as {"AccountName","AccountPassword"}.`);
    }
    this.client = await this.connect(this.admin.AccountName, this.admin.AccountPassword).catch((err: TargetError) => {
      throw new TargetError(err.kind, `${err.message} (logging in as the admin account of secret '${this.target.adminSecretName}')`);
    });
  }

  /** Whether `credential` logs in on a fresh connection. */
  private async logsIn(credential: Credential): Promise<boolean> {
    try {
      const c = await this.connect(account(credential).AccountName, account(credential).AccountPassword);
      c.destroy();
      return true;
    } catch (err) {
      if (err instanceof TargetError && err.kind === 'auth') return false;
      throw err;
    }
  }

  async login(candidates: readonly Credential[]): Promise<string> {
    await this.openAdmin();
    for (const candidate of candidates) if (await this.logsIn(candidate)) return candidate.versionId;
    // None of the accounts logs in (disabled, or reset by someone): the admin resets the first anyway.
    return candidates[0]!.versionId;
  }

  private async exists(name: string): Promise<boolean> {
    return (await this.command(['ACL', 'GETUSER', name])) !== null;
  }

  /** ACL SAVE when the server keeps its users in an ACL file; without one there is nothing to save. */
  private async persist(): Promise<void> {
    try {
      await this.command(['ACL', 'SAVE']);
    } catch (err) {
      if (!/ACL file/i.test((err as Error).message)) throw err;
    }
  }

  private async setPassword(credential: Credential): Promise<void> {
    const { AccountName, AccountPassword } = account(credential);
    try {
      if (!(await this.exists(AccountName))) throw new Error(`the account ${AccountName} does not exist`);
      await this.command(['ACL', 'SETUSER', AccountName, 'resetpass', redisPasswordHash(AccountPassword)]);
      await this.persist();
    } catch (err) {
      throw new TargetError('failed', `${this.where()}: changing the password of ${AccountName} failed: ${(err as Error).message}`);
    }
  }

  async apply(next: Credential): Promise<void> {
    await this.setPassword(next);
  }

  async verify(next: Credential): Promise<void> {
    const c = await this.connect(account(next).AccountName, account(next).AccountPassword).catch((err: TargetError) => {
      throw new TargetError(err.kind, `the new password of ${account(next).AccountName} does not log in: ${err.message}`);
    });
    c.destroy();
  }

  async retire(): Promise<void> {
    // Passwords replace each other: nothing is left to remove.
  }

  async rollback(to: Credential): Promise<void> {
    await this.setPassword(to);
  }

  /**
   * CreateSecret: creates the two accounts with the same ACL rules and password. Both must be new
   * (the service manages only accounts it creates); a failure removes what this call created.
   */
  async createAccounts(plan: ProvisionPlan, password: string): Promise<void> {
    await this.openAdmin();
    const rules = REDIS_PRIVILEGE_RULES[plan.privilege ?? 'RoleReadWrite']!;
    const names = [plan.accountName, plan.cloneAccountName];
    for (const name of names) {
      if (await this.exists(name)) {
        throw new TargetError('failed', `${this.where()}: the account ${name} already exists; a Redis secret manages two new accounts that kms-local creates.`);
      }
    }
    const created: string[] = [];
    try {
      for (const name of names) {
        await this.command(['ACL', 'SETUSER', name, 'reset', 'on', redisPasswordHash(password), ...rules]);
        created.push(name);
      }
      await this.persist();
    } catch (err) {
      for (const name of created) await this.command(['ACL', 'DELUSER', name]).catch(() => undefined);
      throw err instanceof TargetError ? err : new TargetError('failed', `${this.where()}: creating the accounts failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    c?.destroy();
  }
}
