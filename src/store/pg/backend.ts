/**
 * A store in a PostgreSQL database that a team's hosts share (docs/design.md §3): secrets, keys
 * and aliases in tables keyed by region, sealed under the master key every host of the team is
 * given. Nothing is connected until a store operation runs; the first one brings the schema up to
 * date and learns the store's account id, which every host then shows in its ARNs.
 */
import { readFileSync } from 'node:fs';
import type { Home } from '../home.js';
import type { KeyStorage, SecretStorage, StoreBackend, StoreOptions } from '../backend.js';
import { PgConnection, type PgStoreOptions } from './connection.js';
import { openSchema } from './schema.js';
import { PgSecretStorage } from './secrets.js';
import { PgKeyStorage } from './keys.js';

export { describeStore } from './connection.js';
export type { PgStoreOptions } from './connection.js';

/** The account id of the home, if it has one already: the first host's ARNs stay what they were. */
function homeAccountId(home: Home): string | undefined {
  try {
    const text = readFileSync(home.path('account-id'), 'utf8').trim();
    return /^\d{16}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

export class PgBackend implements StoreBackend {
  readonly kind = 'postgresql' as const;
  readonly connection: PgConnection;
  private opened: Promise<void> | undefined;

  constructor(
    private readonly home: Home,
    url: string,
    options: PgStoreOptions,
  ) {
    this.connection = new PgConnection(url, options);
  }

  /** Connects, migrates the schema if it is behind, and sets the store's account id on the home. */
  open(): Promise<void> {
    this.opened ??= openSchema(this.connection, homeAccountId(this.home)).then(
      ({ accountId }) => this.home.useAccountId(accountId),
      (err: unknown) => {
        // A database that was away is tried again by the next call.
        this.opened = undefined;
        throw err;
      },
    );
    return this.opened;
  }

  private readonly ready = () => this.open();

  secrets(region: string, nowMs: () => number, options?: StoreOptions): SecretStorage {
    return new PgSecretStorage(this.connection, this.ready, this.home, region, nowMs, options);
  }

  keys(region: string, nowMs: () => number): KeyStorage {
    return new PgKeyStorage(this.connection, this.ready, this.home, region, nowMs);
  }

  async regions(): Promise<string[]> {
    await this.open();
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
