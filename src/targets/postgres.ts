/**
 * PostgreSQL adapter for Rds secrets (SingleUser, DoubleUsers), with `pg`.
 *
 * The session logs in as an account of the secret and changes a password with ALTER ROLE. The new
 * password is sent as a SCRAM-SHA-256 verifier computed here (as psql's \password does), so the
 * plaintext never reaches the server, its logs or pg_stat_activity. A role may change its own
 * password without any privilege; changing another role's (DoubleUsers, when only the ACSCurrent
 * account still logs in) needs CREATEROLE.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { RdsAccountValue } from '../core/dynamic.js';
import type { DbTarget } from './registry.js';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, TargetError, type Credential, type TargetSession } from './adapter.js';
import { importPackage } from '../import-package.js';

type PgClient = import('pg').Client;
type PgModule = typeof import('pg');

const SCRAM_ITERATIONS = 4096;

/** The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677). */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function account(credential: Credential): RdsAccountValue {
  return credential.value as RdsAccountValue;
}

const AUTH_CODES = new Set(['28P01', '28000']);

function describeError(err: unknown): { auth: boolean; message: string } {
  const e = err as { code?: string; message?: string };
  return { auth: e.code !== undefined && AUTH_CODES.has(e.code), message: e.message ?? String(err) };
}

export class PostgresSession implements TargetSession {
  private readonly target: DbTarget;
  private client: PgClient | undefined;
  private pg: PgModule | undefined;

  constructor(target: DbTarget) {
    this.target = target;
  }

  private where(): string {
    return `PostgreSQL ${this.target.instanceId} (${this.target.host}:${this.target.port}/${this.target.database})`;
  }

  private async connect(credential: Credential): Promise<PgClient> {
    this.pg ??= (await importPackage<{ default: unknown }>('pg')).default as unknown as PgModule;
    const { AccountName, AccountPassword } = account(credential);
    const client = new this.pg.Client({
      host: this.target.host,
      port: this.target.port,
      database: this.target.database,
      user: AccountName,
      password: AccountPassword,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: COMMAND_TIMEOUT_MS,
      application_name: 'kms-local rotation',
    });
    // An error after connect (the server going away) must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      const { auth, message } = describeError(err);
      throw new TargetError(auth ? 'auth' : 'unreachable', `${this.where()}: ${message}`);
    }
  }

  async login(candidates: readonly Credential[]): Promise<string> {
    const refused: string[] = [];
    for (const candidate of candidates) {
      try {
        this.client = await this.connect(candidate);
        return candidate.versionId;
      } catch (err) {
        if (!(err instanceof TargetError) || err.kind !== 'auth') throw err;
        refused.push(`${account(candidate).AccountName} (version ${candidate.versionId})`);
      }
    }
    throw new TargetError('auth', `${this.where()} refused every credential it was offered: ${refused.join(', ')}.`);
  }

  private async setPassword(credential: Credential): Promise<void> {
    if (!this.client || !this.pg) throw new TargetError('failed', 'not logged in');
    const { AccountName, AccountPassword } = account(credential);
    // SASLprep leaves printable ASCII alone; other passwords are sent for the server to hash.
    const secret = /^[\x20-\x7e]*$/.test(AccountPassword) ? scramVerifier(AccountPassword) : AccountPassword;
    try {
      await this.client.query(`ALTER ROLE ${this.pg.escapeIdentifier(AccountName)} PASSWORD ${this.pg.escapeLiteral(secret)}`);
    } catch (err) {
      throw new TargetError('failed', `${this.where()}: changing the password of ${AccountName} failed: ${describeError(err).message}`);
    }
  }

  async apply(next: Credential): Promise<void> {
    await this.setPassword(next);
  }

  async verify(next: Credential): Promise<void> {
    const client = await this.connect(next).catch((err: TargetError) => {
      throw new TargetError(err.kind, `the new password of ${account(next).AccountName} does not log in: ${err.message}`);
    });
    await client.end().catch(() => undefined);
  }

  async retire(): Promise<void> {
    // Passwords replace each other: nothing is left to remove.
  }

  async rollback(to: Credential): Promise<void> {
    await this.setPassword(to);
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
