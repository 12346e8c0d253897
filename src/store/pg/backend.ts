/**
 * A store in a PostgreSQL database that a team's hosts share (docs/design.md §3): secrets, keys
 * and aliases in tables keyed by region, sealed under the master key every host of the team is
 * given. Nothing is connected until a store operation runs; the first one brings the schema up to
 * date and learns the store's account id, which every host then shows in its ARNs.
 */
import { readFileSync } from 'node:fs';
import type { Home } from '../home.js';
import type { AuditSink, KeyStorage, NonceClaims, PrincipalStorage, SecretStorage, StoreBackend, StoreOptions } from '../backend.js';
import { PgConnection, type PgStoreOptions } from './connection.js';
import { inspectSchema, migrateSchema } from './schema.js';
import { ServiceError } from '../../errors/errors.js';
import { PgSecretStorage } from './secrets.js';
import { PgKeyStorage } from './keys.js';
import { PgPrincipalStorage } from './principals.js';
import { PgTargetRegistry } from './targets.js';
import type { TargetRegistry } from '../../targets/registry.js';
import { PgAuditSink } from './audit.js';
import { PgNonceClaims } from './nonces.js';

export { describeStore } from './connection.js';
export type { PgStoreOptions } from './connection.js';

/**
 * The account id of the home, if it has one already: the first host's ARNs stay what they were. One
 * the home was given (a copy brings the source store's) comes first.
 */
function homeAccountId(home: Home): string | undefined {
  const given = home.knownAccountId();
  if (given !== undefined) return given;
  try {
    const text = readFileSync(home.path('account-id'), 'utf8').trim();
    return /^\d{16}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the store can be read yet: false while the database has no kms-local schema at all,
 * which reads see as an empty store. `write` creates (or migrates) the schema first.
 */
export type Ready = (mode: 'read' | 'write') => Promise<boolean>;

export class PgBackend implements StoreBackend {
  readonly kind = 'postgresql' as const;
  readonly connection: PgConnection;
  /** Set once the schema is known to be current (and the home given the store's account id). */
  private current: Promise<void> | undefined;

  constructor(
    private readonly home: Home,
    url: string,
    options: PgStoreOptions,
  ) {
    this.connection = new PgConnection(url, options);
  }

  /** A failed attempt (a database that was away) is tried again by the next call. */
  private remember(attempt: Promise<void>): Promise<void> {
    this.current = attempt.catch((err: unknown) => {
      this.current = undefined;
      throw err;
    });
    return this.current;
  }

  /** The master key the store's records are sealed under, as found when it was opened. */
  private storeKeyId: string | undefined;

  private migrate(): Promise<void> {
    return this.remember(migrateSchema(this.connection, homeAccountId(this.home)).then(({ accountId }) => this.home.useAccountId(accountId)));
  }

  /**
   * A host given another master key than the one the store's records are under would seal what it
   * writes under a key the other hosts cannot open: its writes are refused before they start.
   */
  private checkMasterKey(): void {
    const keyId = this.home.keys().keyId;
    if (this.storeKeyId === undefined || this.storeKeyId === keyId || this.home.nextKeys()?.keyId === this.storeKeyId) return;
    throw new ServiceError(
      'Rejected.IntegrityCheckFailed',
      `The ${this.connection.where} holds records sealed under master key ${this.storeKeyId}, but this host's master key is ${keyId}: every host of a shared store needs the team's key (check KMS_LOCAL_MASTER_KEY). Nothing was written.`,
    );
  }

  private readonly ready: Ready = async (mode) => {
    if (!this.current) {
      const state = await inspectSchema(this.connection);
      // A host without a master key must not make one for a store under another key (Home.loadMasterKey).
      this.home.useSharedStore(this.connection.where, state.status === 'absent' ? undefined : state.masterKeyId);
      if (state.status !== 'absent') this.storeKeyId = state.masterKeyId;
      if (state.status === 'current') {
        this.home.useAccountId(state.accountId);
        this.current ??= Promise.resolve();
      } else if (state.status === 'absent' && mode === 'read') {
        // Never used: a read finds nothing (and creates nothing); a write makes the schema.
        return false;
      } else await this.migrate();
    }
    await this.current;
    if (mode === 'write') this.checkMasterKey();
    return true;
  };

  /** Connects and learns the store's account id; creates nothing (the first write does). */
  async open(): Promise<void> {
    await this.ready('read');
  }

  secrets(region: string, nowMs: () => number, options?: StoreOptions): SecretStorage {
    return new PgSecretStorage(this.connection, this.ready, this.home, region, nowMs, options);
  }

  keys(region: string, nowMs: () => number): KeyStorage {
    return new PgKeyStorage(this.connection, this.ready, this.home, region, nowMs);
  }

  principals(): PrincipalStorage {
    return new PgPrincipalStorage(this.connection, this.ready, this.home);
  }

  audit(): AuditSink {
    return new PgAuditSink(this.connection, this.ready);
  }

  /** One per backend: it remembers when it last deleted expired rows. */
  private claims: PgNonceClaims | undefined;

  nonces(): NonceClaims {
    return (this.claims ??= new PgNonceClaims(this.connection, this.ready));
  }

  targets(): TargetRegistry {
    return new PgTargetRegistry(this.connection, this.ready, this.home);
  }

  async regions(): Promise<string[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.connection.read((client) =>
      client.query<{ region: string }>(
        'SELECT region FROM kms_local_secrets UNION SELECT region FROM kms_local_keys UNION SELECT region FROM kms_local_aliases ORDER BY region',
      ),
    );
    return rows.map((row) => row.region);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
