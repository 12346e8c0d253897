/**
 * The secrets of one region in a PostgreSQL store: the SecretStorage contract of the home's files
 * (store.ts), with a transaction and a row lock where the files have a lock file. Each row holds
 * the sealed, MAC'd text a secret file holds (secret-file.ts), so the database sees no value.
 */
import { randomUUID } from 'node:crypto';
import { listedOf, type SecretMetadata, type SecretRecord } from '../../core/model.js';
import { deletionState, rehearsedDeletionConflict, type DeletionState } from '../../core/lifecycle.js';
import { IntegrityError } from '../../crypto/envelope.js';
import type { Home } from '../home.js';
import type { SecretStorage } from '../backend.js';
import type { Mutation, StoreOptions } from '../store.js';
import { decodeSecretFile, encodeSecretFile, integrityError } from '../secret-file.js';
import { metadataOf } from '../metadata-index.js';
import { isUnder, rewrapRecord } from '../rewrap.js';
import type { Keyring } from '../../crypto/envelope.js';
import type { PgConnection } from './connection.js';
import { PgAuditSink } from './audit.js';
import { purgeRecord } from '../../audit/audit-log.js';
import type { Ready } from './backend.js';
import { deleteRecord, lockRecord, readRecord, writeRecord, type RowKey } from './rows.js';

const TABLE = 'kms_local_secrets';

/** What a transaction of mutate ends with: a purge it made, and the change's result or refusal. */
interface Outcome<T> {
  purged?: SecretRecord;
  result?: T;
  error?: { thrown: unknown };
}

export class PgSecretStorage implements SecretStorage {
  private readonly realNowMs: () => number;
  private readonly requestId: () => string;

  constructor(
    private readonly db: PgConnection,
    private readonly ready: Ready,
    private readonly home: Home,
    readonly region: string,
    private readonly nowMs: () => number,
    options: StoreOptions = {},
  ) {
    this.realNowMs = options.realNowMs ?? Date.now;
    this.requestId = options.requestId ?? randomUUID;
  }

  private keyOf(name: string): RowKey {
    return [
      ['region', this.region],
      ['name', name],
    ];
  }

  private decode(name: string, text: string): SecretRecord {
    try {
      return decodeSecretFile(text, name, this.region, (keyId) => this.home.keyring(keyId), this.home.keys().keyId);
    } catch (err) {
      if (err instanceof IntegrityError) throw integrityError(name, err.message);
      throw err;
    }
  }

  private deletionStateOf(secret: SecretMetadata): DeletionState {
    return deletionState(secret, this.nowMs(), this.realNowMs());
  }

  async peek(name: string): Promise<SecretRecord | undefined> {
    if (!(await this.ready('read'))) return undefined;
    const text = await this.db.read((client) => readRecord(client, TABLE, this.keyOf(name)));
    return text === undefined ? undefined : this.decode(name, text);
  }

  async get(name: string): Promise<SecretRecord | undefined> {
    const secret = await this.peek(name);
    if (!secret) return undefined;
    const state = this.deletionStateOf(secret);
    if (state === 'present') return secret;
    if (state === 'purge') await this.mutate(name, () => ({ result: undefined }));
    return undefined;
  }

  async mutate<T>(name: string, change: (current: SecretRecord | undefined) => Mutation<T>): Promise<T> {
    // The master key first: a host whose key cannot be found does not even open a transaction.
    this.home.keys();
    await this.ready('write');
    const outcome = await this.db.transaction(async (client): Promise<Outcome<T>> => {
      const keys = this.home.writeKeys();
      const keyringFor = (keyId: string) => this.home.keyring(keyId);
      const text = await lockRecord(client, TABLE, this.keyOf(name));
      let current = text === undefined ? undefined : this.decode(name, text);
      // Gone by the request's clock but not by the real one: the change sees "no secret", and a
      // write that would replace it is refused (as in the file store).
      let keptForReal: SecretRecord | undefined;
      let purged: SecretRecord | undefined;
      if (current) {
        const state = this.deletionStateOf(current);
        if (state === 'purge') {
          await deleteRecord(client, TABLE, this.keyOf(name));
          purged = current;
        }
        if (state === 'gone') keptForReal = current;
        if (state !== 'present') current = undefined;
      }
      if (current) current = rewrapRecord(current, keyringFor, keys);
      let decided: Mutation<T>;
      try {
        decided = change(current);
        if (keptForReal && decided.next !== undefined) throw rehearsedDeletionConflict(keptForReal);
      } catch (error) {
        // A purge is a change of its own: it stands even when the change the caller asked for is refused.
        if (purged) return { purged, error: { thrown: error } };
        throw error;
      }
      const { next, result } = decided;
      if (next === null) await deleteRecord(client, TABLE, this.keyOf(name));
      else if (next !== undefined) {
        const written = rewrapRecord(next, keyringFor, keys);
        await writeRecord(client, TABLE, this.keyOf(name), encodeSecretFile(written, this.region, keys), { metadata: JSON.stringify(metadataOf(written)) });
      }
      return { purged, result };
    });
    if (outcome.purged) await this.auditPurge(outcome.purged);
    if (outcome.error) throw outcome.error.thrown;
    return outcome.result as T;
  }

  /** A purge is recorded like any other change (after it is committed), in the store's trail. */
  private async auditPurge(secret: SecretRecord): Promise<void> {
    await new PgAuditSink(this.db, this.ready).append(purgeRecord(secret.name, this.realNowMs(), this.requestId()));
  }

  async list(): Promise<SecretMetadata[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.db.read((client) =>
      client.query<{ metadata: SecretMetadata }>(`SELECT metadata FROM ${TABLE} WHERE region = $1 ORDER BY name`, [this.region]),
    );
    const present: SecretMetadata[] = [];
    for (const { metadata } of rows) {
      const state = this.deletionStateOf(metadata);
      if (state === 'purge') await this.get(metadata.name);
      if (state === 'present') present.push(metadata);
    }
    return present;
  }

  async listing() {
    return (await this.list()).map(listedOf);
  }

  async names(): Promise<string[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.db.read((client) => client.query<{ name: string }>(`SELECT name FROM ${TABLE} WHERE region = $1 ORDER BY name`, [this.region]));
    return rows.map((row) => row.name);
  }

  /** A row lock is waited for by the database, not by the caller's event loop: nothing to wait for here. */
  async writable(_name: string | undefined): Promise<void> {}

  /** One transaction holding the row's lock: the row is wholly under one key before and after. */
  async moveUnder(name: string, keys: Keyring): Promise<boolean> {
    if (!(await this.ready('read'))) return false;
    return this.db.transaction(async (client) => {
      const text = await lockRecord(client, TABLE, this.keyOf(name));
      if (text === undefined) return false;
      const current = this.decode(name, text);
      if (isUnder(current, keys)) return false;
      const moved = rewrapRecord(current, (keyId) => this.home.keyring(keyId), keys);
      await writeRecord(client, TABLE, this.keyOf(name), encodeSecretFile(moved, this.region, keys), { metadata: JSON.stringify(metadataOf(moved)) });
      return true;
    });
  }
}
