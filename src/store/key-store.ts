/**
 * The key store of a region: one file per key under `<home>/store/<region>/keys/<keyId>.json` and
 * one alias table `keys/aliases.json`, next to the secret files (whose format is untouched). Like
 * secret files, every file is `{schemaVersion, region, <body>, mac}` with a MAC under the master
 * key over its canonical text, replaced whole by an atomic rename under a per-file lock; key
 * material inside is sealed under the master key with the key id and version id bound to it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Keyring } from '../crypto/envelope.js';
import { KEY_ID_PATTERN, aliasNotFound, isPastKeyDeletion, keyDeletionState, keyNotFound, parseKeyReference, type KeyRecord, type KeyVersionRecord } from '../core/keys.js';
import type { EncryptedPayload } from '../core/model.js';
import type { Home } from './home.js';
import { ensureDir, readdirIfExists, removeFile, sweepStaleTemps, writeFileAtomic, type Fence } from './fs-safe.js';
import { withLock } from './lock.js';
import {
  decodeAliasFile,
  decodeKeyFile,
  encodeAliasFile,
  encodeKeyFile,
  openKeyMaterial,
  rewrapKey,
  sealKeyMaterial,
  type AliasFile,
  type AliasRecord,
} from './key-file.js';

export { KEY_FILE_SCHEMA_VERSION, keyIntegrityError, type AliasFile, type AliasRecord } from './key-file.js';

const ALIASES_FILE = 'aliases.json';

export interface KeyMutation<T> {
  /** The key to write; `null` removes it; `undefined` leaves it. */
  next?: KeyRecord | null;
  result: T;
}

export class KeyStore {
  private readonly home: Home;
  readonly region: string;
  private keysDir?: string;
  private readonly nowMs: () => number;

  constructor(home: Home, region: string, nowMs: () => number) {
    this.home = home;
    this.region = region;
    this.nowMs = nowMs;
  }

  /** Found on first use: serve makes a KeyStore for every request, and most never touch a key. */
  get dir(): string {
    return (this.keysDir ??= this.home.path('store', this.region, 'keys'));
  }

  private fileOf(keyId: string): string {
    return join(this.dir, `${keyId}.json`);
  }

  private lockOf(name: string): string {
    return join(this.dir, '.locks', `${name}.lock`);
  }

  // --- key files -------------------------------------------------------------------------

  private readRaw(keyId: string): KeyRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(keyId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return this.decodeKeyFile(text, keyId);
  }

  /** A key file's text, verified (its shape, its key, its MAC, its exact text); for tests too. */
  decodeKeyFile(text: string, keyId: string): KeyRecord {
    return decodeKeyFile(text, keyId, this.region, this.home);
  }

  private encodeKeyFile(key: KeyRecord, keys: Keyring): string {
    return encodeKeyFile(key, this.region, keys);
  }

  /**
   * Whether a key past its DeleteDate may be removed now: only when the real clock has passed it
   * too, so that a rehearsal clock (KMS_LOCAL_NOW) shows the key as gone but never destroys it.
   */
  private mayPurge(key: KeyRecord): boolean {
    return keyDeletionState(key, this.nowMs(), Date.now()) === 'purge';
  }

  /** The key as stored, whatever its deletion state, and nothing purged (for copies). */
  peek(keyId: string): KeyRecord | undefined {
    return KEY_ID_PATTERN.test(keyId) ? this.readRaw(keyId) : undefined;
  }

  /** The key, or undefined when there is none or it is past its deletion date. */
  get(keyId: string): KeyRecord | undefined {
    if (!KEY_ID_PATTERN.test(keyId)) return undefined;
    const key = this.readRaw(keyId);
    if (!key || !isPastKeyDeletion(key, this.nowMs())) return key;
    if (this.mayPurge(key)) this.mutate(keyId, () => ({ result: undefined }));
    return undefined;
  }

  /** Read-modify-write of one key under its lock; a key past its deletion date is seen as absent. */
  mutate<T>(keyId: string, change: (current: KeyRecord | undefined) => KeyMutation<T>): T {
    if (!KEY_ID_PATTERN.test(keyId)) throw keyNotFound(keyId);
    ensureDir(join(this.dir, '.locks'));
    return withLock(
      this.lockOf(keyId),
      `key '${keyId}'`,
      (lock) => {
        const keys = this.home.keys();
        let current = this.readRaw(keyId);
        if (current && isPastKeyDeletion(current, this.nowMs())) {
          if (this.mayPurge(current)) this.remove(keyId);
          current = undefined;
        }
        if (current) current = this.rewrap(current, keys);
        const { next, result } = change(current);
        if (next === null) this.remove(keyId);
        else if (next !== undefined) writeFileAtomic(this.fileOf(keyId), this.encodeKeyFile(this.rewrap(next, keys), keys), lock.fence);
        return result;
      },
      () => sweepStaleTemps(this.dir),
    );
  }

  /**
   * Its aliases are not touched here (a key lock is held; the alias lock is only ever taken before
   * a key lock): an alias whose key file is gone names nothing and is left out when read.
   */
  private remove(keyId: string): void {
    removeFile(this.fileOf(keyId));
  }

  /** The ids of the region's key files (unverified: reading one verifies it). */
  keyIds(): string[] {
    const entries = readdirIfExists(this.dir);
    return entries
      .filter((e) => e.endsWith('.json') && e !== ALIASES_FILE)
      .map((e) => e.slice(0, -'.json'.length))
      .filter((id) => KEY_ID_PATTERN.test(id))
      .sort();
  }

  /** Every key of the region (verified), sorted by id; keys past their deletion date are left out. */
  list(): KeyRecord[] {
    return this.keyIds().flatMap((id) => {
      const key = this.get(id);
      return key ? [key] : [];
    });
  }

  // --- material --------------------------------------------------------------------------

  sealMaterial(keyId: string, keyVersionId: string, material: Buffer): EncryptedPayload {
    return sealKeyMaterial(this.home.keys(), keyId, keyVersionId, material);
  }

  /** The plaintext material of one version; the caller zeroes it after use. */
  openMaterial(key: KeyRecord, version: KeyVersionRecord): Buffer {
    return openKeyMaterial(this.home, key, version);
  }

  /** Moves every version of `key` under `to` (rekey, and any write after an unfinished one). */
  private rewrap(key: KeyRecord, to: Keyring): KeyRecord {
    return rewrapKey(this.home, key, to);
  }

  /** Moves one key file under `keys` (for rekey); false when it is gone or already there. */
  moveUnder(keyId: string, keys: Keyring): boolean {
    ensureDir(join(this.dir, '.locks'));
    return withLock(this.lockOf(keyId), `key '${keyId}'`, (lock) => {
      const current = this.readRaw(keyId);
      if (!current || current.versions.every((v) => v.material.keyId === keys.keyId)) return false;
      writeFileAtomic(this.fileOf(keyId), this.encodeKeyFile(this.rewrap(current, keys), keys), lock.fence);
      return true;
    });
  }

  /** Re-MACs the alias table under `keys` (for rekey); false when there is none or it is already. */
  moveAliasesUnder(keys: Keyring): boolean {
    ensureDir(join(this.dir, '.locks'));
    return withLock(this.lockOf('aliases'), `the aliases of ${this.region}`, (lock) => {
      const file = this.readAliasFile();
      if (!file || file.masterKeyId === keys.keyId) return false;
      this.writeAliases(file.aliases, keys, lock.fence);
      return true;
    });
  }

  // --- aliases ---------------------------------------------------------------------------

  private readAliasFile(): AliasFile | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, ALIASES_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return this.decodeAliasFile(text);
  }

  /** An alias table's text, verified like a key file; for tests too. */
  decodeAliasFile(text: string): AliasFile {
    return decodeAliasFile(text, this.region, this.home);
  }

  private writeAliases(aliases: AliasRecord[], keys: Keyring, fence: Fence): void {
    writeFileAtomic(join(this.dir, ALIASES_FILE), encodeAliasFile(aliases, this.region, keys), fence);
  }

  /** Every alias of the region whose key file exists, sorted by name. */
  readAliases(): AliasRecord[] {
    return (this.readAliasFile()?.aliases ?? []).filter((a) => existsSync(this.fileOf(a.keyId)));
  }

  /** Read-modify-write of the alias table under its lock. */
  mutateAliases<T>(change: (aliases: AliasRecord[]) => { next?: AliasRecord[]; result: T }): T {
    ensureDir(join(this.dir, '.locks'));
    return withLock(this.lockOf('aliases'), `the aliases of ${this.region}`, (lock) => {
      const { next, result } = change(this.readAliases());
      if (next !== undefined) this.writeAliases(next, this.home.keys(), lock.fence);
      return result;
    });
  }

  // --- names ---------------------------------------------------------------------------------

  /**
   * The key a KeyId parameter names: an id, a key ARN, an alias or an alias ARN of this region.
   * Unknown: Forbidden.KeyNotFound (or Forbidden.AliasNotFound for an alias).
   */
  resolve(reference: string, account: string): KeyRecord {
    const ref = parseKeyReference(reference, this.region, account);
    let keyId: string;
    if ('alias' in ref) {
      const alias = this.readAliases().find((a) => a.aliasName === ref.alias);
      if (!alias) throw aliasNotFound(reference);
      keyId = alias.keyId;
    } else keyId = ref.keyId;
    const key = this.get(keyId);
    if (!key) throw keyNotFound(reference);
    return key;
  }
}
