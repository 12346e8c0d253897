/**
 * The metadata index of a region: every secret's metadata (all but its versions), kept apart from
 * the encrypted files so that ListSecrets reads one small snapshot and a journal instead of opening
 * and verifying thousands of files.
 *
 * Layout under `<region>/.index/`: `generation` (a number), `snapshot-<g>.lines` (every secret's
 * metadata, one line each in name order, read lazily: src/store/index-snapshot.ts; stores made
 * before it have `snapshot-<g>.json`, still read, and rewritten as `.lines` by the next reader that
 * finds the index lock free) and `journal-<g>.jsonl` (changes since that snapshot, one JSON line each). Writers, already
 * holding the secret's lock, append under the short index lock:
 *   1. `{"dirty":name}` (fsynced) before the secret file changes;
 *   2. `{"name":name,"meta":...}` or `{"name":name,"removed":true}` after it changed.
 * A reader replays the journal over the snapshot; a name whose last line is a dirty mark (its
 * writer died in between) is read from its file, which is the truth. When the journal outgrows the
 * snapshot, a writer compacts: a new snapshot and an empty journal under the next generation.
 * Without a generation file, or with a snapshot or journal line that is not what kms-local
 * writes, the index is built (again) by reading every secret file once. A secret file that cannot
 * be read is left out with a warning naming it, and stays marked dirty, so that it is tried again.
 */
import { existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SecretMetadata, SecretRecord } from '../core/model.js';
import { appendLine, ensureDir, readTextIfExists, sweepStaleTemps, writeFileAtomic } from './fs-safe.js';
import { LockLost, waitUntilFree, withLock, withLockIfFree, type HeldLock } from './lock.js';
import { ServiceError } from '../errors/errors.js';
import { ParsedSecret, decodeJsonSnapshot, decodeSnapshot, encodeSnapshot, isMetadata, type IndexedSecret } from './index-snapshot.js';

export { fromSnapshot, type IndexedSecret } from './index-snapshot.js';

type JournalLine = { dirty: string } | { name: string; meta: SecretMetadata } | { name: string; removed: true };

/** A journal this much larger than the snapshot (or than 256 KiB for a small one) gets compacted. */
const COMPACT_MIN_BYTES = 256 * 1024;

export function metadataOf(secret: SecretRecord): SecretMetadata {
  const { versions: _versions, ...meta } = secret;
  return meta;
}

export interface IndexSources {
  /** Every secret name of the region, from the files themselves. */
  names(): string[];
  /** One secret read from its file (verified), or undefined. */
  read(name: string): SecretRecord | undefined;
  /** The secrets whose lock is taken: a writer is changing them (or died doing so). */
  busy(): string[];
  /** Says on stderr (or the server's log) that a secret was left out, naming it. */
  warn(message: string): void;
}

export class MetadataIndex {
  private readonly dir: string;
  private readonly sources: IndexSources;

  constructor(regionDir: string, sources: IndexSources) {
    this.dir = join(regionDir, '.index');
    this.sources = sources;
  }

  private path(file: string): string {
    return join(this.dir, file);
  }

  private generation(): number | undefined {
    // Every write of a region never listed finds no index: asking first costs a syscall, where the
    // missing file's exception cost 10 to 50 us (the first of a process is the dearest).
    const path = this.path('generation');
    const text = existsSync(path) ? readTextIfExists(path) : undefined;
    const g = text === undefined ? NaN : Number.parseInt(text, 10);
    return Number.isInteger(g) ? g : undefined;
  }

  private locked<T>(fn: (lock: HeldLock) => T): T {
    ensureDir(this.dir);
    return withLock(this.path('lock'), 'the metadata index', fn, () => sweepStaleTemps(this.dir));
  }

  /** Appends one line to the current journal; without an index yet there is nothing to keep up. */
  private append(line: JournalLine, durable: boolean): void {
    if (this.absentAndUnclaimed()) return;
    this.locked((lock) => {
      const g = this.generation();
      if (g === undefined) return;
      const size = appendLine(this.path(`journal-${g}.jsonl`), JSON.stringify(line), { durable, exclusive: true });
      if (!durable && size > this.compactionThreshold(g)) this.compact(g, lock);
    });
  }

  /**
   * Whether the region has no index and no process is building one, known without taking the
   * index lock (two lock cycles of every write on a home that never listed). The caller holds the
   * secret's lock; looked at in this order (lock, then generation), "free, then no generation"
   * means that any build publishing later took the index lock after that moment, so its `busy()`
   * sees the secret's lock and marks the secret dirty in the index it publishes.
   */
  private absentAndUnclaimed(): boolean {
    return !existsSync(this.path('lock')) && this.generation() === undefined;
  }

  private compactionThreshold(g: number): number {
    const snapshotBytes = sizeIfExists(this.path(`snapshot-${g}.lines`)) ?? sizeIfExists(this.path(`snapshot-${g}.json`)) ?? 0;
    return Math.max(COMPACT_MIN_BYTES, snapshotBytes);
  }

  /** Resolves once no live process holds the index lock: a server waits here, not in a write. */
  waitUntilFree(): Promise<void> {
    return waitUntilFree(this.path('lock'), 'the metadata index');
  }

  /** Before a secret's file changes. */
  markDirty(name: string): void {
    this.append({ dirty: name }, true);
  }

  /**
   * After a secret's file changed: its new metadata, or `null` when the file is gone. The change is
   * made by then: if the index cannot take the line, the dirty mark keeps the file the truth, and
   * the write still succeeds.
   */
  record(name: string, secret: SecretRecord | null): void {
    try {
      this.append(secret ? { name, meta: metadataOf(secret) } : { name, removed: true }, false);
    } catch (err) {
      if (err instanceof LockLost) throw err;
      this.sources.warn(`the metadata index of the region could not record the change of '${name}' (${(err as Error).message}); ListSecrets reads its file instead`);
    }
  }

  /**
   * The index of generation `g`: undefined when its files are gone (a compaction moved on), or
   * 'corrupt' when its snapshot or a journal line is not what kms-local writes (a disk error, an
   * edit): then nothing in it can be trusted and the index is rebuilt from the files.
   */
  private replay(g: number): Replayed | undefined | 'corrupt' {
    const snapshot = this.readSnapshot(g);
    const journal = readTextIfExists(this.path(`journal-${g}.jsonl`));
    if (snapshot === undefined || journal === undefined) return undefined;
    if (snapshot.entries === undefined) return 'corrupt';
    // The journal's last word on each name it changed (null: removed), and the names left dirty.
    const changed = new Map<string, SecretMetadata | null>();
    const dirty = new Set<string>();
    for (const text of journal.split('\n')) {
      if (!text) continue;
      const line = parseLine(text);
      // A torn line cannot come from a crash (an append is one write, cut back when it fails).
      if (!line) return 'corrupt';
      if ('dirty' in line) {
        dirty.add(line.dirty);
        continue;
      }
      dirty.delete(line.name);
      changed.set(line.name, 'meta' in line ? line.meta : null);
    }
    const { firstFormat } = snapshot;
    const sum = snapshot.sum === undefined ? undefined : { sum: snapshot.sum, secrets: snapshot.entries };
    if (changed.size === 0 && dirty.size === 0) return { entries: snapshot.entries, unreadable: [], firstFormat, snapshot: sum };
    // The snapshot's secrets in their order, then the changed ones (a listing sorts them in).
    const entries = snapshot.entries.filter((secret) => !changed.has(secret.name) && !dirty.has(secret.name));
    for (const [name, meta] of changed) if (meta && !dirty.has(name)) entries.push(new ParsedSecret(meta));
    const unreadable: string[] = [];
    for (const name of dirty) {
      const secret = this.readOrSkip(name, unreadable);
      if (secret) entries.push(new ParsedSecret(metadataOf(secret)));
    }
    return { entries, unreadable, firstFormat, snapshot: sum };
  }

  /**
   * The snapshot of generation `g` (entries undefined when it is not what kms-local writes), or
   * undefined when it is gone; a store made before `.lines` snapshots has a `.json` one.
   */
  private readSnapshot(g: number): { entries: IndexedSecret[] | undefined; firstFormat: boolean; sum?: string } | undefined {
    const lines = readBytesIfExists(this.path(`snapshot-${g}.lines`));
    if (lines) {
      const decoded = decodeSnapshot(lines, (name) => this.damagedLine(name));
      return { entries: decoded?.secrets, firstFormat: false, sum: decoded?.sum };
    }
    const json = readTextIfExists(this.path(`snapshot-${g}.json`));
    return json === undefined ? undefined : { entries: decodeJsonSnapshot(json), firstFormat: true };
  }

  /**
   * A snapshot line its checksum vouches for but that is not metadata (an edit that wrote the
   * checksum too, or a bug): the secret's file, the truth, gives it instead.
   */
  private damagedLine(name: string): SecretMetadata {
    this.sources.warn(`the metadata index of the region has an entry for '${name}' that is not what kms-local writes; it is read from its file`);
    const secret = this.sources.read(name);
    if (!secret) throw new ServiceError('InternalFailure', `The metadata index of the region lists the secret '${name}', which has no file; remove the folder ${this.dir} to have it rebuilt.`);
    return metadataOf(secret);
  }

  /** A secret from its file; one that cannot be read is left out with a warning naming it. */
  private readOrSkip(name: string, unreadable: string[]): SecretRecord | undefined {
    try {
      return this.sources.read(name);
    } catch (err) {
      // A damaged file (a service error) or one the file system will not give (EACCES, EISDIR,
      // EIO...): a bug, anything else, still fails.
      if (!(err instanceof ServiceError) && typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
      unreadable.push(name);
      this.sources.warn(`ListSecrets skipped the secret '${name}': ${(err as Error).message}`);
      return undefined;
    }
  }

  private compact(g: number, lock: HeldLock): void {
    const replayed = this.replay(g);
    const { entries, unreadable } = replayed && replayed !== 'corrupt' ? replayed : this.scan();
    this.publish(entries, g + 1, lock, unreadable);
    this.removeGeneration(g);
  }

  private removeGeneration(g: number): void {
    for (const file of [`snapshot-${g}.lines`, `snapshot-${g}.json`, `journal-${g}.jsonl`]) {
      try {
        unlinkSync(this.path(file));
      } catch {
        /* already gone */
      }
    }
  }

  private scan(): Replayed {
    const entries: IndexedSecret[] = [];
    const unreadable: string[] = [];
    for (const name of new Set(this.sources.names())) {
      const secret = this.readOrSkip(name, unreadable);
      if (secret) entries.push(new ParsedSecret(metadataOf(secret)));
    }
    return { entries, unreadable, firstFormat: false };
  }

  /**
   * A new generation. Its journal starts with a dirty mark for every secret a writer holds the lock
   * of: that writer may change the file after it was read here and die before it records the change
   * (its own mark, if it made one, is in the journal being replaced).
   */
  private publish(entries: IndexedSecret[], g: number, lock: HeldLock, unreadable: string[]): void {
    // An unreadable secret stays marked dirty: every reader tries its file again, and warns.
    const dirty = [...new Set([...this.sources.busy(), ...unreadable])].map((name) => `${JSON.stringify({ dirty: name } satisfies JournalLine)}\n`);
    writeFileAtomic(this.path(`snapshot-${g}.lines`), encodeSnapshot(entries), lock.fence);
    writeFileAtomic(this.path(`journal-${g}.jsonl`), dirty.join(''), lock.fence);
    writeFileAtomic(this.path('generation'), `${g}\n`, lock.fence);
  }

  /**
   * Every secret of the region: its name, and its metadata when asked; with the snapshot file the
   * secrets `fromSnapshot` came from (none when the index was built from the files).
   */
  load(): Loaded {
    // A compaction between reading the generation and its files makes them vanish: read again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const g = this.generation();
      if (g === undefined) break;
      const replayed = this.replay(g);
      if (replayed === 'corrupt') break;
      if (replayed) {
        if (replayed.firstFormat) this.rewriteFirstFormat(g);
        return { entries: replayed.entries, snapshot: replayed.snapshot };
      }
    }
    // A region with no folder has no secrets: a read creates no folder (a typo must leave no trace).
    if (!existsSync(dirname(this.dir))) return { entries: [] };
    // No index yet, or a damaged one: built (again) from the files, by one process at a time.
    // While another process holds the index lock (building it, or stopped holding it), a reader
    // does not wait: it reads the files itself and leaves the building to the holder.
    ensureDir(this.dir);
    return withLockIfFree(
      this.path('lock'),
      'the metadata index',
      (lock) => {
        const g = this.generation();
        const replayed = g === undefined ? undefined : this.replay(g);
        if (replayed && replayed !== 'corrupt') return { entries: replayed.entries, snapshot: replayed.snapshot };
        const { entries, unreadable } = this.scan();
        this.publish(entries, (g ?? 0) + 1, lock, unreadable);
        if (g !== undefined) this.removeGeneration(g);
        return { entries };
      },
      () => ({ entries: this.scan().entries }),
      () => sweepStaleTemps(this.dir),
    );
  }

  /**
   * An index whose snapshot is in the first format, parsed whole at every listing, is compacted into
   * a `.lines` one by a reader that finds the index lock free. Only an optimisation: the listing
   * already has its answer, so a failure here is left to the next reader (or writer's compaction).
   */
  private rewriteFirstFormat(g: number): void {
    try {
      withLockIfFree(
        this.path('lock'),
        'the metadata index',
        (lock) => {
          if (this.generation() === g) this.compact(g, lock);
        },
        () => undefined,
        () => sweepStaleTemps(this.dir),
      );
    } catch {
      /* the listing stands; the rewrite is tried again */
    }
  }
}

export interface Loaded {
  entries: IndexedSecret[];
  /**
   * The `.lines` snapshot file the secrets `fromSnapshot` were read from: its checksum, and every
   * secret in it (those the journal replaced or removed too).
   */
  snapshot?: LoadedSnapshot;
}

export interface LoadedSnapshot {
  sum: string;
  secrets: IndexedSecret[];
}

interface Replayed {
  entries: IndexedSecret[];
  snapshot?: LoadedSnapshot;
  /** Secrets whose files could not be read (left out, with a warning). */
  unreadable: string[];
  /** Whether the snapshot was in the first format (`snapshot-<g>.json`). */
  firstFormat: boolean;
}

function readBytesIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function sizeIfExists(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseLine(text: string): JournalLine | undefined {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(line)) return undefined;
  if (typeof line.dirty === 'string' && Object.keys(line).length === 1) return { dirty: line.dirty };
  if (typeof line.name !== 'string') return undefined;
  if (line.removed === true) return { name: line.name, removed: true };
  if (isMetadata(line.meta, line.name)) return { name: line.name, meta: line.meta };
  return undefined;
}
