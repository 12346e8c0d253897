/**
 * The keys and the alias table of one region in a PostgreSQL store: the KeyStorage contract of the
 * home's files (key-store.ts), a transaction and a row lock for each read-modify-write. Rows hold
 * the sealed, MAC'd text of key-file.ts: key material stays sealed under the master key.
 */
import { KEY_ID_PATTERN, aliasNotFound, isPastKeyDeletion, keyDeletionState, keyNotFound, parseKeyReference, type KeyRecord, type KeyVersionRecord } from '../../core/keys.js';
import type { EncryptedPayload } from '../../core/model.js';
import type { Home } from '../home.js';
import type { KeyStorage } from '../backend.js';
import type { KeyMutation } from '../key-store.js';
import { decodeAliasFile, decodeKeyFile, encodeAliasFile, encodeKeyFile, openKeyMaterial, rewrapKey, sealKeyMaterial, type AliasRecord } from '../key-file.js';
import type { PgConnection } from './connection.js';
import type { Ready } from './backend.js';
import { deleteRecord, lockRecord, readRecord, writeRecord, type RowKey } from './rows.js';
import type { PoolClient } from 'pg';
import type { Keyring } from '../../crypto/envelope.js';

const KEYS = 'kms_local_keys';
const ALIASES = 'kms_local_aliases';

export class PgKeyStorage implements KeyStorage {
  constructor(
    private readonly db: PgConnection,
    private readonly ready: Ready,
    private readonly home: Home,
    readonly region: string,
    private readonly nowMs: () => number,
  ) {}

  private keyOf(keyId: string): RowKey {
    return [
      ['region', this.region],
      ['key_id', keyId],
    ];
  }

  private aliasesKey(): RowKey {
    return [['region', this.region]];
  }

  /** Whether a key past its DeleteDate may be removed now: only by the real clock, never a rehearsal's. */
  private mayPurge(key: KeyRecord): boolean {
    return keyDeletionState(key, this.nowMs(), Date.now()) === 'purge';
  }

  /** The key as stored, whatever its deletion state; nothing is purged (for copies). */
  async peek(keyId: string): Promise<KeyRecord | undefined> {
    if (!KEY_ID_PATTERN.test(keyId)) return undefined;
    if (!(await this.ready('read'))) return undefined;
    const text = await this.db.read((client) => readRecord(client, KEYS, this.keyOf(keyId)));
    return text === undefined ? undefined : decodeKeyFile(text, keyId, this.region, this.home);
  }

  async get(keyId: string): Promise<KeyRecord | undefined> {
    const key = await this.peek(keyId);
    if (!key || !isPastKeyDeletion(key, this.nowMs())) return key;
    if (this.mayPurge(key)) await this.mutate(keyId, () => ({ result: undefined }));
    return undefined;
  }

  async mutate<T>(keyId: string, change: (current: KeyRecord | undefined) => KeyMutation<T>): Promise<T> {
    if (!KEY_ID_PATTERN.test(keyId)) throw keyNotFound(keyId);
    await this.ready('write');
    const outcome = await this.db.transaction(async (client): Promise<{ result?: T; error?: { thrown: unknown } }> => {
      const keys = this.home.writeKeys();
      const text = await lockRecord(client, KEYS, this.keyOf(keyId));
      let current = text === undefined ? undefined : decodeKeyFile(text, keyId, this.region, this.home);
      let purged = false;
      if (current && isPastKeyDeletion(current, this.nowMs())) {
        if (this.mayPurge(current)) {
          await deleteRecord(client, KEYS, this.keyOf(keyId));
          purged = true;
        }
        current = undefined;
      }
      if (current) current = rewrapKey(this.home, current, keys);
      let decided: KeyMutation<T>;
      try {
        decided = change(current);
      } catch (error) {
        // The purge stands, as it does in the file store, even when the change is refused.
        if (purged) return { error: { thrown: error } };
        throw error;
      }
      const { next, result } = decided;
      if (next === null) await deleteRecord(client, KEYS, this.keyOf(keyId));
      else if (next !== undefined) await writeRecord(client, KEYS, this.keyOf(keyId), encodeKeyFile(rewrapKey(this.home, next, keys), this.region, keys));
      return { result };
    });
    if (outcome.error) throw outcome.error.thrown;
    return outcome.result as T;
  }

  async list(): Promise<KeyRecord[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.db.read((client) =>
      client.query<{ key_id: string; record: string }>(`SELECT key_id, record FROM ${KEYS} WHERE region = $1 ORDER BY key_id`, [this.region]),
    );
    const present: KeyRecord[] = [];
    for (const row of rows) {
      if (!KEY_ID_PATTERN.test(row.key_id)) continue;
      const key = decodeKeyFile(row.record, row.key_id, this.region, this.home);
      if (!isPastKeyDeletion(key, this.nowMs())) present.push(key);
      else if (this.mayPurge(key)) await this.get(row.key_id);
    }
    return present;
  }

  async keyIds(): Promise<string[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.db.read((client) => client.query<{ key_id: string }>(`SELECT key_id FROM ${KEYS} WHERE region = $1 ORDER BY key_id`, [this.region]));
    return rows.map((row) => row.key_id).filter((id) => KEY_ID_PATTERN.test(id));
  }

  /** The aliases whose key row exists (whatever its state), as the file store keeps them. */
  private async existingAliases(client: PoolClient, text: string | undefined): Promise<AliasRecord[]> {
    if (text === undefined) return [];
    const aliases = decodeAliasFile(text, this.region, this.home).aliases;
    if (aliases.length === 0) return aliases;
    const { rows } = await client.query<{ key_id: string }>(`SELECT key_id FROM ${KEYS} WHERE region = $1 AND key_id = ANY($2::text[])`, [
      this.region,
      [...new Set(aliases.map((a) => a.keyId))],
    ]);
    const existing = new Set(rows.map((row) => row.key_id));
    return aliases.filter((a) => existing.has(a.keyId));
  }

  async readAliases(): Promise<AliasRecord[]> {
    if (!(await this.ready('read'))) return [];
    return this.db.read(async (client) => this.existingAliases(client, await readRecord(client, ALIASES, this.aliasesKey())));
  }

  async mutateAliases<T>(change: (aliases: AliasRecord[]) => { next?: AliasRecord[]; result: T }): Promise<T> {
    await this.ready('write');
    return this.db.transaction(async (client) => {
      const current = await this.existingAliases(client, await lockRecord(client, ALIASES, this.aliasesKey()));
      const { next, result } = change(current);
      if (next !== undefined) await writeRecord(client, ALIASES, this.aliasesKey(), encodeAliasFile(next, this.region, this.home.writeKeys()));
      return result;
    });
  }

  async resolve(reference: string, account: string): Promise<KeyRecord> {
    const ref = parseKeyReference(reference, this.region, account);
    let keyId: string;
    if ('alias' in ref) {
      const alias = (await this.readAliases()).find((a) => a.aliasName === ref.alias);
      if (!alias) throw aliasNotFound(reference);
      keyId = alias.keyId;
    } else keyId = ref.keyId;
    const key = await this.get(keyId);
    if (!key) throw keyNotFound(reference);
    return key;
  }

  sealMaterial(keyId: string, keyVersionId: string, material: Buffer): EncryptedPayload {
    return sealKeyMaterial(this.home.writeKeys(), keyId, keyVersionId, material);
  }

  openMaterial(key: KeyRecord, version: KeyVersionRecord): Buffer {
    return openKeyMaterial(this.home, key, version);
  }

  /** One transaction holding the key's row lock, whatever the key's deletion state. */
  async moveUnder(keyId: string, keys: Keyring): Promise<boolean> {
    if (!KEY_ID_PATTERN.test(keyId) || !(await this.ready('read'))) return false;
    return this.db.transaction(async (client) => {
      const text = await lockRecord(client, KEYS, this.keyOf(keyId));
      if (text === undefined) return false;
      const current = decodeKeyFile(text, keyId, this.region, this.home);
      if (current.versions.every((v) => v.material.keyId === keys.keyId)) return false;
      await writeRecord(client, KEYS, this.keyOf(keyId), encodeKeyFile(rewrapKey(this.home, current, keys), this.region, keys));
      return true;
    });
  }

  /** The table as stored (aliases of keys gone too, as the file store keeps them), under the row lock. */
  async moveAliasesUnder(keys: Keyring): Promise<boolean> {
    if (!(await this.ready('read'))) return false;
    return this.db.transaction(async (client) => {
      const text = await lockRecord(client, ALIASES, this.aliasesKey());
      if (text === undefined) return false;
      const file = decodeAliasFile(text, this.region, this.home);
      if (file.masterKeyId === keys.keyId) return false;
      await writeRecord(client, ALIASES, this.aliasesKey(), encodeAliasFile(file.aliases, this.region, keys));
      return true;
    });
  }
}
