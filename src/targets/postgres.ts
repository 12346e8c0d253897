/**
 * PostgreSQL adapter for Rds secrets (SingleUser, DoubleUsers), with `pg`.
 *
 * The session logs in as an account of the secret and changes a password with ALTER ROLE. The new
 * password, ASCII or not, is sent as a SCRAM-SHA-256 verifier computed here (scram.ts, as psql's
 * \password does, with PostgreSQL's own SASLprep), so the plaintext never reaches the server, its
 * logs or pg_stat_activity. A role may change its own
 * password without any privilege; changing another role's (DoubleUsers, when only the ACSCurrent
 * account still logs in) needs CREATEROLE.
 */
import { randomBytes } from 'node:crypto';
import type { RdsAccountValue } from '../core/dynamic.js';
import type { DbTarget } from './registry.js';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, TargetError, type Credential, type TargetSession } from './adapter.js';
import { nodePgSaslPrep, postgresSaslPrep, scramVerifier } from './scram.js';
import { loadPg, type PgModule } from '../pg-module.js';

type PgClient = import('pg').Client;

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
    this.pg ??= loadPg();
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
    if (postgresSaslPrep(AccountPassword) !== nodePgSaslPrep(AccountPassword)) {
      // PostgreSQL would hash this password unprepared (SASLprep refuses it) while the client
      // library prepares it: the new password could not be verified, so the target is not touched.
      throw new TargetError(
        'failed',
        `the new password of ${AccountName} has characters SASLprep (RFC 4013) refuses (control, private-use or unassigned code points, or mixed text direction): PostgreSQL clients would disagree on it. Choose another password.`,
      );
    }
    // Always a verifier, never the password: statement logs and pg_stat_activity see only this.
    const secret = scramVerifier(AccountPassword, randomBytes(16));
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
