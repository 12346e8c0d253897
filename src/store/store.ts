/**
 * The secret store: one file per secret under `<home>/store/<region>/`, a lock per secret around
 * every read-modify-write, atomic replacement of files. Reads take no lock: a file is only ever
 * replaced whole by rename, so a reader sees the old or the new version, never a torn one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { SecretMetadata, SecretRecord } from '../core/model.js';
import { MetadataIndex, fromSnapshot, type IndexedSecret } from './metadata-index.js';
import { readVouch, sameStamp, writeVouch, type LiveVouch } from './live-vouch.js';
import { deletionState, rehearsedDeletionConflict, type DeletionState } from '../core/lifecycle.js';
import { appendAudit, purgeRecord } from '../audit/audit-log.js';
import { IntegrityError, type Keyring } from '../crypto/envelope.js';
import { isUnder, rewrapRecord } from './rewrap.js';
import type { Home } from './home.js';
import { ensureDir, readdirIfExists, readNoFollow, removeFile, sweepStaleTemps, writeFileAtomic } from './fs-safe.js';
import { waitUntilFree, withLock, type HeldLock } from './lock.js';
import { LastVerified, claimedStamp, decodeFileName, decodeStampedSecretFile, encodeStampedSecretFile, fileNameFor, integrityError, type StampedSecret } from './secret-file.js';
import { Manifest, ManifestDamaged, NotLatest, recordsExactly, type FileStamp, type ManifestEntry } from './manifest.js';

export interface StoreOptions {
  /** The real clock, which alone decides when an expired secret's file is removed. */
  realNowMs?: () => number;
  /** The request a purge is recorded under in the audit log (a fresh id when absent). */
  requestId?: () => string;
  /**
   * The store serves one request (createContext): with the home's read cache (serve), a secret
   * read twice outside a lock (authorization's peek, then the handler's get) is read once.
   */
  oneRequest?: boolean;
}

/** What a mutation returns: the secret to write (`null` deletes it, `undefined` leaves it) and a result. */
export interface Mutation<T> {
  next?: SecretRecord | null;
  result: T;
}

/** Above this many names outside a listing's vouch, the whole manifest is read instead of their shards one by one. */
const MAX_NAMES_CHECKED_ONE_BY_ONE = 16;

/** O_NOFOLLOW: a link planted in place of a secret file is not followed, and is named as such. */
function refusedLink(name: string, err: unknown): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'ELOOP') return err;
  return integrityError(name, 'its file is a symbolic link (remove it; kms-local never makes one)');
}

export class SecretStore {
  private readonly home: Home;
  readonly region: string;
  private readonly dir: string;
  private readonly nowMs: () => number;
  private readonly realNowMs: () => number;
  private readonly requestId: () => string;
  private indexOfRegion?: MetadataIndex;
  private readonly manifest: Manifest;
  private readonly oneRequest: boolean;
  /**
   * For a store of one request (StoreOptions.oneRequest) over the home's read cache, the last
   * record it read outside a lock: authorization's peek and the handler's get check the file once,
   * not twice. Any change through this store forgets it.
   */
  private lastShared?: { name: string; record: SecretRecord | undefined };
  /** A write's second read of an unchanged file skips the checks its first passed (secret-file.ts). */
  private readonly lastVerified = new LastVerified();

  /** `nowMs` is the clock requests run on (KMS_LOCAL_NOW when rehearsing). */
  constructor(home: Home, region: string, nowMs: () => number, options: StoreOptions = {}) {
    this.home = home;
    this.region = region;
    this.dir = home.path('store', region);
    this.nowMs = nowMs;
    this.realNowMs = options.realNowMs ?? Date.now;
    this.requestId = options.requestId ?? randomUUID;
    this.oneRequest = options.oneRequest ?? false;
    this.manifest = new Manifest({
      dir: this.dir,
      // `dir` is normal already: joined by hand, as path.join's work showed on every request of serve.
      lockDir: `${this.dir}${sep}.locks`,
      scope: `secrets of ${region}`,
      keyring: (keyId) => home.keyring(keyId),
      writeKeys: () => home.writeKeys(),
      scan: () => this.scan(),
      reenrol: () => home.reenrols(),
      cache: () => home.manifestCache,
    });
  }

  /** Made on first use: most requests read one secret and never touch the index. */
  private get index(): MetadataIndex {
    return (this.indexOfRegion ??= new MetadataIndex(this.dir, { names: () => this.names(), read: (name) => this.readRaw(name), busy: () => this.locked(), warn: (message) => this.home.onWarning?.(message) }));
  }

  private fileOf(name: string): string {
    // `dir` is already normal and a file name holds no separator: no need for path.join's work.
    return `${this.dir}${sep}${fileNameFor(name)}`;
  }

  private lockOf(name: string): string {
    return `${this.dir}${sep}.locks${sep}${fileNameFor(name)}.lock`;
  }

  private readFile(name: string): StampedSecret | undefined {
    let text: string;
    try {
      text = readNoFollow(this.fileOf(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw refusedLink(name, err);
    }
    return this.decode(name, text);
  }

  /** The secret's file, verified, and checked against the region's manifest (see Manifest.read). */
  private readChecked(name: string, readFile: () => StampedSecret | undefined): { file?: StampedSecret; entry: ManifestEntry | undefined | 'legacy' } {
    try {
      return this.manifest.read(name, readFile, () => existsSync(this.lockOf(name)));
    } catch (err) {
      throw this.asIntegrityError(name, err);
    }
  }

  private asIntegrityError(name: string, err: unknown): unknown {
    return err instanceof NotLatest ? integrityError(name, err.message) : err;
  }

  private readRaw(name: string): SecretRecord | undefined {
    return this.readChecked(name, () => this.readFile(name)).file?.secret;
  }

  /**
   * A read outside any lock: through the home's cache of decoded files in a long-lived process
   * (serve), else from disk. Cached records are shared between requests: never change one.
   *
   * A cached file found to be exactly the copy the manifest records is answered again on one lstat
   * while the file is unchanged, without reading the manifest: every write, from any process,
   * replaces the file (a new inode) before its entry moves, and an older copy put back is another
   * file, checked in full. What this leaves to the next write or CLI read is a manifest damaged or
   * put back while the file stayed the same: the file served is still the latest one written.
   */
  private readShared(name: string): SecretRecord | undefined {
    const cache = this.home.readCache;
    if (!cache) return this.readRaw(name);
    if (this.lastShared?.name === name) return this.lastShared.record;
    const path = this.fileOf(name);
    let record = cache.vouched(path)?.secret;
    if (record === undefined) {
      const checked = this.readChecked(name, () => {
        try {
          return cache.read(path, (text) => this.decode(name, text));
        } catch (err) {
          throw refusedLink(name, err);
        }
      });
      if (checked.file && recordsExactly(checked.entry, checked.file)) cache.vouch(path, checked.file);
      record = checked.file?.secret;
    }
    if (this.oneRequest) this.lastShared = { name, record };
    return record;
  }

  private decode(name: string, text: string): StampedSecret {
    try {
      return decodeStampedSecretFile(text, name, this.region, (keyId) => this.home.keyring(keyId), this.home.keys().keyId, this.lastVerified);
    } catch (err) {
      if (err instanceof IntegrityError) throw integrityError(name, err.message);
      throw err;
    }
  }

  /** Every secret file of the region as it claims itself, unverified: for enrolling it in a new manifest. */
  private *scan(): Iterable<[string, FileStamp]> {
    for (const entry of readdirIfExists(this.dir)) {
      if (!entry.endsWith('.json') || entry.startsWith('.')) continue;
      let text: string;
      try {
        text = readNoFollow(join(this.dir, entry));
      } catch {
        continue;
      }
      const stamp = claimedStamp(text);
      if (stamp && fileNameFor(stamp.name) === entry) yield [stamp.name, stamp];
    }
  }

  /** The manifest made sure of (a store older than manifests is enrolled now). */
  private ensureManifest(name: string): void {
    try {
      this.manifest.ensure();
    } catch (err) {
      throw this.asIntegrityError(name, err);
    }
  }

  /** The secret's file under its lock, checked, with the generation the next write gets. */
  private readForWrite(name: string): { current: SecretRecord | undefined; nextGeneration: number } {
    try {
      const { file, nextGeneration } = this.manifest.readForWrite(name, () => this.readFile(name));
      return { current: file?.secret, nextGeneration };
    } catch (err) {
      throw this.asIntegrityError(name, err);
    }
  }

  private recordInManifest(name: string, record: () => void): void {
    try {
      record();
    } catch (err) {
      throw this.asIntegrityError(name, err);
    }
  }

  /** Past its PlannedDeleteTime a secret is gone; its file goes once the real clock agrees (docs/design.md §4 rule 9). */
  private deletionStateOf(secret: SecretMetadata): DeletionState {
    return deletionState(secret, this.nowMs(), this.realNowMs());
  }

  /**
   * The secret as it is stored, whatever its deletion state, and nothing purged: for deciding who
   * may act on it, which must change nothing.
   */
  peek(name: string): SecretRecord | undefined {
    return this.readShared(name);
  }

  /** The secret, or undefined when there is none; one past its deletion date is purged on the way. */
  get(name: string): SecretRecord | undefined {
    const secret = this.readShared(name);
    if (!secret) return undefined;
    const state = this.deletionStateOf(secret);
    if (state === 'present') return secret;
    if (state === 'purge') this.mutate(name, () => ({ result: undefined }));
    return undefined;
  }

  /** Read-modify-write of one secret under its inter-process lock. */
  mutate<T>(name: string, change: (current: SecretRecord | undefined) => Mutation<T>): T {
    // Whatever happens below (a write, a purge, an error half-way), a later read goes to the file.
    this.lastShared = undefined;
    // The master key first: a home whose key cannot be found must not get even a lock folder.
    this.home.keys();
    ensureDir(join(this.dir, '.locks'));
    this.ensureManifest(name);
    return withLock(this.lockOf(name), `secret '${name}'`, (lock) => {
      const keys = this.home.writeKeys();
      const keyringFor = (keyId: string) => this.home.keyring(keyId);
      let { current, nextGeneration } = this.readForWrite(name);
      // Gone by the request's clock but not by the real one: what the change sees is "no secret",
      // and a write that would replace the file is refused.
      let keptForReal: SecretRecord | undefined;
      if (current) {
        const state = this.deletionStateOf(current);
        if (state === 'purge') this.purge(current, lock, nextGeneration++);
        if (state === 'gone') keptForReal = current;
        if (state !== 'present') current = undefined;
      }
      // A file left under the other key of an unfinished rekey comes under the key writes use
      // (home.writeKeys) before anything compares digests or adds a version: a file is always under one key.
      if (current) current = rewrapRecord(current, keyringFor, keys);
      const { next, result } = change(current);
      if (keptForReal && next !== undefined) throw rehearsedDeletionConflict(keptForReal);
      if (next === null) this.remove(name, lock, nextGeneration);
      else if (next !== undefined) {
        const written = rewrapRecord(next, keyringFor, keys);
        this.index.markDirty(name);
        this.write(written, keys, lock, nextGeneration);
        this.index.record(name, written);
      }
      return result;
    }, () => this.sweepTemps());
  }

  /** Removes an expired secret's file and records it: a purge is a change like any other. */
  private purge(secret: SecretRecord, lock: HeldLock, generation: number): void {
    this.remove(secret.name, lock, generation);
    appendAudit(this.home, purgeRecord(secret.name, this.realNowMs(), this.requestId()));
  }

  /** Unlinks the file, then leaves a tombstone at `generation`: a copy of the file put back is refused. */
  private remove(name: string, lock: HeldLock, generation: number): void {
    this.index.markDirty(name);
    // An unlink cannot be fenced by a rename: the lock is checked just before it instead.
    if (!existsSync(lock.fence.tempDir)) throw lock.fence.lost();
    removeFile(this.fileOf(name));
    this.recordInManifest(name, () => this.manifest.recordDeleted(name, generation));
    this.index.record(name, null);
  }

  /**
   * Commits a secret's file (only while `lock` is still this process's: its fence), then its
   * manifest entry: a crash in between leaves a file one generation ahead under a lock, which reads
   * back and is recorded by the next writer.
   */
  private write(secret: SecretRecord, keys: Keyring, lock: HeldLock, generation: number): void {
    const { text, mac } = encodeStampedSecretFile(secret, this.region, keys, generation);
    writeFileAtomic(this.fileOf(secret.name), text, lock.fence);
    this.recordInManifest(secret.name, () => this.manifest.recordFile(secret.name, { generation, mac }));
  }

  /** Resolves once no live process holds the region's metadata index lock, which every write takes. */
  waitUntilIndexUnlocked(): Promise<void> {
    return this.index.waitUntilFree();
  }

  /** Resolves once no live process holds the secret's lock (see waitUntilFree). */
  waitUntilUnlocked(name: string): Promise<void> {
    return waitUntilFree(this.lockOf(name), `secret '${name}'`);
  }

  /** Removes temp files that writers killed mid-write left in the region's folder. */
  sweepTemps(): number {
    return sweepStaleTemps(this.dir);
  }

  /** Moves one secret under `keys` (for rekey); false when it is gone or already there. */
  moveUnder(name: string, keys: Keyring): boolean {
    this.lastShared = undefined;
    ensureDir(join(this.dir, '.locks'));
    this.ensureManifest(name);
    return withLock(this.lockOf(name), `secret '${name}'`, (lock) => {
      const { current, nextGeneration } = this.readForWrite(name);
      if (!current || isUnder(current, keys)) return false;
      this.write(rewrapRecord(current, (keyId) => this.home.keyring(keyId), keys), keys, lock, nextGeneration);
      return true;
    }, () => this.sweepTemps());
  }

  /** Moves the region's manifest under `keys` (for rekey, after its secrets); false when it has none. */
  moveManifestUnder(keys: Keyring): boolean {
    ensureDir(join(this.dir, '.locks'));
    return this.manifest.moveUnder(keys);
  }

  /** The names of the region's secret files (unverified: reading one verifies it). */
  names(): string[] {
    const entries = readdirIfExists(this.dir);
    const names: string[] = [];
    for (const entry of entries) {
      if (!entry.endsWith('.json') || entry.startsWith('.')) continue;
      let name: unknown;
      try {
        name = (JSON.parse(readFileSync(join(this.dir, entry), 'utf8')) as { secret?: { name?: unknown } }).secret?.name;
      } catch {
        name = undefined;
      }
      // A file that names no secret, or another one, is reported by reading it under its own name.
      names.push(typeof name === 'string' && fileNameFor(name) === entry ? name : decodeFileName(entry));
    }
    return names;
  }

  /** The secrets whose lock file exists (a writer holds it, or died holding it). */
  private locked(): string[] {
    const entries = readdirIfExists(join(this.dir, '.locks'));
    return entries.flatMap((entry) => {
      if (!entry.endsWith('.json.lock')) return [];
      const file = entry.slice(0, -'.lock'.length);
      const name = decodeFileName(file);
      if (fileNameFor(name) === file) return [name];
      // A long name is kept in its file name as a prefix and a hash: its file says which it is.
      try {
        const named = (JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as { secret?: { name?: unknown } }).secret?.name;
        return typeof named === 'string' && fileNameFor(named) === file ? [named] : [];
      } catch {
        return [];
      }
    });
  }

  /**
   * The names the manifest holds as live (or written, not yet recorded: `byLock`), with the stamp
   * of the shards read; undefined without a manifest, or with a damaged one (with a warning).
   */
  private liveNames(): { live: Set<string>; stamp: string[]; byLock: Set<string> } | undefined {
    let found: { live: Set<string>; stamp: string[] } | undefined;
    try {
      found = this.manifest.liveNames();
    } catch (err) {
      if (!(err instanceof ManifestDamaged)) throw err;
      this.home.onWarning?.(`ListSecrets could not check the index of the region against its manifest (${err.message}); secrets are read from their files`);
      return undefined;
    }
    if (!found) return undefined;
    // A secret whose writer is at work (or died before recording its file) may not be in the
    // manifest yet: its file decides, read through the checks.
    const byLock = new Set<string>();
    for (const name of this.locked()) {
      if (!found.live.has(name) && this.readsNow(name)) {
        found.live.add(name);
        byLock.add(name);
      }
    }
    return { ...found, byLock };
  }

  private readsNow(name: string): boolean {
    try {
      return this.readRaw(name) !== undefined;
    } catch {
      return false; // the index's own read of it warns
    }
  }

  /** liveNames() for one name. Throws ManifestDamaged. */
  private liveNow(name: string, locked: () => Set<string>): boolean {
    const entry = this.manifest.entry(name);
    if (entry === 'legacy') throw new ManifestDamaged('its shards went missing during a listing');
    if (entry && !('deleted' in entry)) return true;
    return locked().has(name) && this.readsNow(name);
  }

  private get vouchPath(): string {
    return join(this.dir, '.index', 'live');
  }

  /**
   * Which secrets of the index are live, by the vouch a listing left (src/store/live-vouch.ts): the
   * snapshot's names but its dead ones, and each other name (added by the journal, or dead then)
   * checked against the manifest alone. Undefined when that would read too many shards, or the
   * manifest is damaged (the full check then says so).
   */
  private vouchedCheck(vouch: LiveVouch, entries: IndexedSecret[]): ((secret: IndexedSecret) => boolean) | undefined {
    const dead = new Set(vouch.dead);
    const vouched = (secret: IndexedSecret): boolean => fromSnapshot(secret) && !dead.has(secret.name);
    const others = entries.filter((secret) => !vouched(secret));
    if (others.length > MAX_NAMES_CHECKED_ONE_BY_ONE) return undefined;
    let locked: Set<string> | undefined;
    const live = new Set<string>();
    try {
      for (const { name } of others) if (this.liveNow(name, () => (locked ??= new Set(this.locked())))) live.add(name);
    } catch (err) {
      if (err instanceof ManifestDamaged) return undefined;
      throw err;
    }
    return (secret) => vouched(secret) || live.has(secret.name);
  }

  /**
   * Every secret of the region, from the index: its name, and its metadata when asked (read then
   * from the index's snapshot line). Expired ones are left out (and purged, by the real clock).
   */
  listing(): IndexedSecret[] {
    // The index is a cache: a name it holds that the manifest does not hold as live (an entry
    // planted by hand, or an older copy of the index put back) is not a secret. The manifest is
    // read before the index, unless a vouch covers the shards as they are now.
    const stamp = this.manifest.stamp();
    const vouch = stamp && readVouch(this.vouchPath, this.manifest);
    const current = vouch && sameStamp(vouch.shards, stamp) ? vouch : undefined;
    let checked = current ? undefined : { result: this.liveNames() };
    const { entries, snapshot } = this.index.load();
    let isLive = current && current.snapshot === snapshot?.sum ? this.vouchedCheck(current, entries) : undefined;
    if (!isLive) {
      checked ??= { result: this.liveNames() };
      if (checked.result) {
        const { live, stamp: shards, byLock } = checked.result;
        isLive = (secret) => live.has(secret.name);
        if (snapshot) {
          // Every name of the snapshot file, those the journal removes or replaces too: the vouch
          // must hold with any journal (an older one put back included).
          const dead = snapshot.secrets.filter((secret) => !live.has(secret.name) || byLock.has(secret.name)).map((secret) => secret.name);
          writeVouch(this.vouchPath, { snapshot: snapshot.sum, shards, dead }, this.manifest);
        }
      }
    }
    return entries.filter((secret) => {
      if (isLive && !isLive(secret)) return false;
      // Only a secret with a PlannedDeleteTime can be past it.
      if (!secret.pending) return true;
      const state = this.deletionStateOf(secret.metadata());
      if (state === 'purge') this.get(secret.name);
      return state === 'present';
    });
  }

  /** The metadata of every secret of the region (listing(), each read). */
  list(): SecretMetadata[] {
    return this.listing().map((secret) => secret.metadata());
  }
}
