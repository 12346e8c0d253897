/**
 * The connection pool of a PostgreSQL store, its time limits, and the one place that turns what
 * the driver throws into service errors. Every wait is bounded: connecting, a statement (and the
 * row lock it may wait for), and an answer from a server that went silent; a transaction left
 * open by a host that died is ended by the server. Whatever fails inside a transaction is rolled
 * back: a change is applied whole or not at all.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { CliError, ServiceError } from '../../errors/errors.js';
import { describeStore } from '../store-url.js';
import { reachPoint } from '../fs-safe.js';
import { loadPg } from '../../pg-module.js';

export { describeStore, isStoreUrl } from '../store-url.js';


/** Time limits (ms). A statement that waits for a row lock longer than this gives up too. */
export interface PgLimits {
  connectMs: number;
  statementMs: number;
  /** Client-side: a server that stops answering (a cable pulled) is given up on after this. */
  answerMs: number;
  /** Server-side: a transaction whose client went silent is rolled back after this. */
  idleInTransactionMs: number;
}

export const DEFAULT_LIMITS: PgLimits = { connectMs: 5_000, statementMs: 15_000, answerMs: 20_000, idleInTransactionMs: 30_000 };

export interface PgStoreOptions {
  /** Connections at most: a few for one CLI call, more for `serve`. */
  poolMax: number;
  limits?: Partial<PgLimits>;
}

/** SQLSTATE classes that say the database is away, busy or refusing us, not that kms-local is wrong. */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58', '28', '3D', '40', '25', '55']);

function isDriverError(err: unknown): err is Error & { code?: string } {
  // Not `instanceof Error`: an error made in another realm (a vm context) is one too.
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return true;
  // The driver's own errors carry no code: a connection that ended, a timeout.
  return /connection|terminated|timeout|not queryable|ECONN|socket/i.test((err as Error).message);
}

/** What the driver threw, as a service error naming the store; our own errors pass unchanged. */
export function storeError(where: string, err: unknown): unknown {
  if (err instanceof ServiceError || err instanceof CliError || !isDriverError(err)) return err;
  const code = err.code ?? '';
  const sqlState = /^[0-9A-Z]{5}$/.test(code);
  const message = err.message.replace(/\.$/, '');
  const detail = `${message}${code && !message.includes(code) ? ` [${code}]` : ''}`;
  if (sqlState && !UNAVAILABLE_CLASSES.has(code.slice(0, 2))) {
    return new ServiceError('InternalFailure', `The ${where} failed a statement (${detail}).`);
  }
  if (sqlState && (code.startsWith('28') || code === '3D000')) {
    return new ServiceError('ServiceUnavailableTemporary', `The ${where} refused the connection (${detail}); check the user, password and database of the store's URL.`);
  }
  return new ServiceError('ServiceUnavailableTemporary', `The ${where} cannot be reached or did not answer in time (${detail}); try again.`);
}

/** The two-key advisory lock space of kms-local ('kmsl'), apart from any other application's. */
const LOCK_SPACE = 0x6b6d736c;

/** A 32-bit lock id for one row (which need not exist yet): collisions only serialise two rows. */
export function lockIdOf(...parts: string[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readInt32BE(0);
}

/** Holds an advisory lock on `lockId` until the transaction ends (0 is the schema migration's). */
export async function advisoryLock(client: PoolClient, lockId: number): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [LOCK_SPACE, lockId]);
}

export class PgConnection {
  readonly where: string;
  private pool: Pool | undefined;
  private opening: Promise<Pool> | undefined;
  private readonly limits: PgLimits;

  constructor(
    private readonly url: string,
    private readonly options: PgStoreOptions,
  ) {
    this.where = describeStore(url);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  private async poolOf(): Promise<Pool> {
    if (this.pool) return this.pool;
    this.opening ??= (async () => {
      const pg = loadPg();
      const pool = new pg.Pool({
        connectionString: this.url,
        max: this.options.poolMax,
        connectionTimeoutMillis: this.limits.connectMs,
        statement_timeout: this.limits.statementMs,
        query_timeout: this.limits.answerMs,
        idle_in_transaction_session_timeout: this.limits.idleInTransactionMs,
        idleTimeoutMillis: 10_000,
        // An idle pool does not keep a finished CLI process alive.
        allowExitOnIdle: true,
        keepAlive: true,
        application_name: 'kms-local',
      });
      // A connection the server drops must not crash the process: an idle one is replaced by the
      // pool; one in use fails its query, which the caller hears of.
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      this.pool = pool;
      return pool;
    })();
    return this.opening;
  }

  /** Runs `fn` with one connection, outside a transaction (single-statement reads). */
  async read<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient | undefined;
    try {
      client = await (await this.poolOf()).connect();
      const result = await fn(client);
      client.release();
      return result;
    } catch (err) {
      client?.release(isDriverError(err) ? true : undefined);
      throw storeError(this.where, err);
    }
  }

  /** Runs `fn` in one transaction: committed when it returns, rolled back when anything throws. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient | undefined;
    let broken = false;
    try {
      client = await (await this.poolOf()).connect();
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      // Crash-safety tests kill the process here (KMS_LOCAL_TEST_CRASH_AT=after-commit:<n>).
      reachPoint('after-commit');
      return result;
    } catch (err) {
      if (client) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        // A connection that failed is not given back to the pool.
        client.release(broken || isDriverError(err) ? true : undefined);
      }
      throw storeError(this.where, err);
    }
  }

  /** Ends every connection. */
  async close(): Promise<void> {
    const pool = this.pool ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    this.pool = undefined;
    this.opening = undefined;
    await pool?.end();
  }
}
