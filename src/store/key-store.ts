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
import { Manifest, NotLatest, type FileStamp } from './manifest.js';
import {
  decodeAliasFile,
  decodeKeyFile,
  decodeStampedKeyFile,
  encodeStampedAliasFile,
  encodeStampedKeyFile,
  keyIntegrityError,
  openKeyMaterial,
  rewrapKey,
  sealKeyMaterial,
  type AliasFile,
  type AliasRecord,
} from './key-file.js';

export { KEY_FILE_SCHEMA_VERSION, keyIntegrityError, type AliasFile, type AliasRecord } from './key-file.js';

const ALIASES_FILE = 'aliases.json';
/** The alias table's name in the manifest (no key id looks like it). */
const ALIASES = 'aliases';

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
  private readonly manifest: Manifest;

  constructor(home: Home, region: string, nowMs: () => number) {
    this.home = home;
    this.region = region;
    this.nowMs = nowMs;
    this.manifest = new Manifest({
      dir: this.dir,
      lockDir: join(this.dir, '.locks'),
      scope: `keys of ${region}`,
      keyring: (keyId) => home.keyring(keyId),
      writeKeys: () => home.writeKeys(),
      scan: () => this.scan(),
      reenrol: () => home.reenrols(),
      cache: () => home.manifestCache,
    });
  }

  /** Every key file and the alias table as they claim themselves, unverified: for enrolling them in a new manifest. */
  private *scan(): Iterable<[string, FileStamp]> {
    for (const entry of readdirIfExists(this.dir)) {
      if (!entry.endsWith('.json')) continue;
      let file: { generation?: unknown; mac?: unknown; key?: { keyId?: unknown } };
      try {
        file = JSON.parse(readFileSync(join(this.dir, entry), 'utf8'));
      } catch {
        continue;
      }
      const name = entry === ALIASES_FILE ? ALIASES : file.key?.keyId;
      if (typeof name !== 'string' || typeof file.mac !== 'string' || (name !== ALIASES && `${name}.json` !== entry)) continue;
      yield [name, { generation: Number.isSafeInteger(file.generation) ? (file.generation as number) : 0, mac: file.mac }];
    }
  }

  /** What the manifest refuses, as the integrity error of `what`. */
  private checked<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof NotLatest) throw keyIntegrityError(what, err.message);
      throw err;
    }
  }

  /** `name`'s file read through `readFile`, checked against the manifest. */
  private readChecked<T extends FileStamp>(name: string, what: string, readFile: () => T | undefined): T | undefined {
    return this.checked(what, () => this.manifest.read(name, readFile, () => existsSync(this.lockOf(name))).file);
  }

  /** The manifest made sure of (a store older than manifests is enrolled now). */
  private ensureManifest(what: string): void {
    ensureDir(join(this.dir, '.locks'));
    this.checked(what, () => this.manifest.ensure());
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

  private readKeyFile(keyId: string): (FileStamp & { key: KeyRecord }) | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(keyId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return decodeStampedKeyFile(text, keyId, this.region, this.home);
  }

  private readRaw(keyId: string): KeyRecord | undefined {
    return this.readChecked(keyId, `key '${keyId}'`, () => this.readKeyFile(keyId))?.key;
  }

  /** A key file under its lock, checked, with the generation the next write gets. */
  private readKeyForWrite(keyId: string): { current: KeyRecord | undefined; nextGeneration: number } {
    const { file, nextGeneration } = this.checked(`key '${keyId}'`, () => this.manifest.readForWrite(keyId, () => this.readKeyFile(keyId)));
    return { current: file?.key, nextGeneration };
  }

  /** Writes a key file at `generation`, then records it in the manifest. */
  private writeKeyFile(key: KeyRecord, keys: Keyring, generation: number, fence: Fence): void {
    const { text, mac } = encodeStampedKeyFile(key, this.region, keys, generation);
    writeFileAtomic(this.fileOf(key.keyId), text, fence);
    this.checked(`key '${key.keyId}'`, () => this.manifest.recordFile(key.keyId, { generation, mac }));
  }

  /** A key file's text, verified (its shape, its key, its MAC, its exact text); for tests too. */
  decodeKeyFile(text: string, keyId: string): KeyRecord {
    return decodeKeyFile(text, keyId, this.region, this.home);
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
    this.ensureManifest(`key '${keyId}'`);
    return withLock(
      this.lockOf(keyId),
      `key '${keyId}'`,
      (lock) => {
        const keys = this.home.writeKeys();
        let { current, nextGeneration } = this.readKeyForWrite(keyId);
        if (current && isPastKeyDeletion(current, this.nowMs())) {
          if (this.mayPurge(current)) this.remove(keyId, nextGeneration++);
          current = undefined;
        }
        if (current) current = this.rewrap(current, keys);
        const { next, result } = change(current);
        if (next === null) this.remove(keyId, nextGeneration);
        else if (next !== undefined) this.writeKeyFile(this.rewrap(next, keys), keys, nextGeneration, lock.fence);
        return result;
      },
      () => sweepStaleTemps(this.dir),
    );
  }

  /**
   * Its aliases are not touched here (a key lock is held; the alias lock is only ever taken before
   * a key lock): an alias whose key file is gone names nothing and is left out when read.
   */
  private remove(keyId: string, generation: number): void {
    removeFile(this.fileOf(keyId));
    this.checked(`key '${keyId}'`, () => this.manifest.recordDeleted(keyId, generation));
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
    return sealKeyMaterial(this.home.writeKeys(), keyId, keyVersionId, material);
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
    this.ensureManifest(`key '${keyId}'`);
    return withLock(this.lockOf(keyId), `key '${keyId}'`, (lock) => {
      const { current, nextGeneration } = this.readKeyForWrite(keyId);
      if (!current || current.versions.every((v) => v.material.keyId === keys.keyId)) return false;
      this.writeKeyFile(this.rewrap(current, keys), keys, nextGeneration, lock.fence);
      return true;
    });
  }

  /** Re-MACs the alias table under `keys` (for rekey); false when there is none or it is already. */
  moveAliasesUnder(keys: Keyring): boolean {
    this.ensureManifest(this.aliasesWhat());
    return withLock(this.lockOf(ALIASES), `the aliases of ${this.region}`, (lock) => {
      const { file, nextGeneration } = this.readAliasesForWrite();
      if (!file || file.masterKeyId === keys.keyId) return false;
      this.writeAliases(file.aliases, keys, lock.fence, nextGeneration);
      return true;
    });
  }

  /** Moves the manifest of the region's keys under `keys` (for rekey, after the keys); false when it has none. */
  moveManifestUnder(keys: Keyring): boolean {
    ensureDir(join(this.dir, '.locks'));
    return this.manifest.moveUnder(keys);
  }

  // --- aliases ---------------------------------------------------------------------------

  private aliasesWhat(): string {
    return `alias table of ${this.region}`;
  }

  private readAliasFile(): AliasFile | undefined {
    return this.readChecked(ALIASES, this.aliasesWhat(), () => this.readStampedAliasFile())?.file;
  }

  private readAliasesForWrite(): { file: AliasFile | undefined; nextGeneration: number } {
    const { file, nextGeneration } = this.checked(this.aliasesWhat(), () => this.manifest.readForWrite(ALIASES, () => this.readStampedAliasFile()));
    return { file: file?.file, nextGeneration };
  }

  private readStampedAliasFile(): (FileStamp & { file: AliasFile }) | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, ALIASES_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const file = this.decodeAliasFile(text);
    return { file, generation: file.generation ?? 0, mac: file.mac };
  }

  /** An alias table's text, verified like a key file; for tests too. */
  decodeAliasFile(text: string): AliasFile {
    return decodeAliasFile(text, this.region, this.home);
  }

  private writeAliases(aliases: AliasRecord[], keys: Keyring, fence: Fence, generation: number): void {
    const { text, mac } = encodeStampedAliasFile(aliases, this.region, keys, generation);
    writeFileAtomic(join(this.dir, ALIASES_FILE), text, fence);
    this.checked(this.aliasesWhat(), () => this.manifest.recordFile(ALIASES, { generation, mac }));
  }

  /** Every alias of the region whose key file exists, sorted by name. */
  readAliases(): AliasRecord[] {
    return this.liveAliases(this.readAliasFile());
  }

  private liveAliases(file: AliasFile | undefined): AliasRecord[] {
    return (file?.aliases ?? []).filter((a) => existsSync(this.fileOf(a.keyId)));
  }

  /** Read-modify-write of the alias table under its lock. */
  mutateAliases<T>(change: (aliases: AliasRecord[]) => { next?: AliasRecord[]; result: T }): T {
    this.ensureManifest(this.aliasesWhat());
    return withLock(this.lockOf(ALIASES), `the aliases of ${this.region}`, (lock) => {
      const { file, nextGeneration } = this.readAliasesForWrite();
      const { next, result } = change(this.liveAliases(file));
      if (next !== undefined) this.writeAliases(next, this.home.writeKeys(), lock.fence, nextGeneration);
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
