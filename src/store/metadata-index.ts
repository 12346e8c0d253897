/**
 * The metadata index of a region: every secret's metadata (all but its versions), kept apart from
 * the encrypted files so that ListSecrets reads one small snapshot and a journal instead of opening
 * and verifying thousands of files.
 *
 * Layout under `<region>/.index/`: `generation` (a number), `snapshot-<g>.json` (name -> metadata)
 * and `journal-<g>.jsonl` (changes since that snapshot, one JSON line each). Writers, already
 * holding the secret's lock, append under the short index lock:
 *   1. `{"dirty":name}` (fsynced) before the secret file changes;
 *   2. `{"name":name,"meta":...}` or `{"name":name,"removed":true}` after it changed.
 * A reader replays the journal over the snapshot; a name whose last line is a dirty mark (its
 * writer died in between) is read from its file, which is the truth. When the journal outgrows the
 * snapshot, a writer compacts: a new snapshot and an empty journal under the next generation.
 * Without a generation file the index is built by reading every secret file once.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretMetadata, SecretRecord } from '../core/model.js';
import { appendLine, ensureDir, readTextIfExists, sweepStaleTemps, writeFileAtomic } from './fs-safe.js';
import { withLock, type HeldLock } from './lock.js';

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
    const text = readTextIfExists(this.path('generation'));
    const g = text === undefined ? NaN : Number.parseInt(text, 10);
    return Number.isInteger(g) ? g : undefined;
  }

  private locked<T>(fn: (lock: HeldLock) => T): T {
    ensureDir(this.dir);
    return withLock(this.path('lock'), 'the metadata index', fn, () => sweepStaleTemps(this.dir));
  }

  /** Appends one line to the current journal; without an index yet there is nothing to keep up. */
  private append(line: JournalLine, durable: boolean): void {
    this.locked((lock) => {
      const g = this.generation();
      if (g === undefined) return;
      const size = appendLine(this.path(`journal-${g}.jsonl`), JSON.stringify(line), { durable, exclusive: true });
      if (!durable && size > this.compactionThreshold(g)) this.compact(g, lock);
    });
  }

  private compactionThreshold(g: number): number {
    const snapshotBytes = readTextIfExists(this.path(`snapshot-${g}.json`))?.length ?? 0;
    return Math.max(COMPACT_MIN_BYTES, snapshotBytes);
  }

  /** Before a secret's file changes. */
  markDirty(name: string): void {
    this.append({ dirty: name }, true);
  }

  /** After a secret's file changed: its new metadata, or `null` when the file is gone. */
  record(name: string, secret: SecretRecord | null): void {
    this.append(secret ? { name, meta: metadataOf(secret) } : { name, removed: true }, false);
  }

  private replay(g: number): Map<string, SecretMetadata> | undefined {
    const snapshot = readTextIfExists(this.path(`snapshot-${g}.json`));
    const journal = readTextIfExists(this.path(`journal-${g}.jsonl`));
    if (snapshot === undefined || journal === undefined) return undefined;
    const entries = new Map(Object.entries(JSON.parse(snapshot) as Record<string, SecretMetadata>));
    const dirty = new Set<string>();
    for (const text of journal.split('\n')) {
      if (!text) continue;
      let line: JournalLine;
      try {
        line = JSON.parse(text) as JournalLine;
      } catch {
        continue; // a line torn by a crash: its dirty mark (fsynced before) makes the file the truth
      }
      if ('dirty' in line) {
        dirty.add(line.dirty);
        continue;
      }
      dirty.delete(line.name);
      if ('meta' in line) entries.set(line.name, line.meta);
      else entries.delete(line.name);
    }
    for (const name of dirty) {
      const secret = this.sources.read(name);
      if (secret) entries.set(name, metadataOf(secret));
      else entries.delete(name);
    }
    return entries;
  }

  private compact(g: number, lock: HeldLock): void {
    const entries = this.replay(g) ?? this.scan();
    this.publish(entries, g + 1, lock);
    for (const file of [`snapshot-${g}.json`, `journal-${g}.jsonl`]) {
      try {
        unlinkSync(this.path(file));
      } catch {
        /* already gone */
      }
    }
  }

  private scan(): Map<string, SecretMetadata> {
    const entries = new Map<string, SecretMetadata>();
    for (const name of this.sources.names()) {
      const secret = this.sources.read(name);
      if (secret) entries.set(name, metadataOf(secret));
    }
    return entries;
  }

  /**
   * A new generation. Its journal starts with a dirty mark for every secret a writer holds the lock
   * of: that writer may change the file after it was read here and die before it records the change
   * (its own mark, if it made one, is in the journal being replaced).
   */
  private publish(entries: Map<string, SecretMetadata>, g: number, lock: HeldLock): void {
    const dirty = this.sources.busy().map((name) => `${JSON.stringify({ dirty: name } satisfies JournalLine)}\n`);
    writeFileAtomic(this.path(`snapshot-${g}.json`), JSON.stringify(Object.fromEntries(entries)), lock.fence);
    writeFileAtomic(this.path(`journal-${g}.jsonl`), dirty.join(''), lock.fence);
    writeFileAtomic(this.path('generation'), `${g}\n`, lock.fence);
  }

  /** The metadata of every secret of the region. */
  load(): SecretMetadata[] {
    // A compaction between reading the generation and its files makes them vanish: read again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const g = this.generation();
      if (g === undefined) break;
      const entries = this.replay(g);
      if (entries) return [...entries.values()];
    }
    return this.locked((lock) => {
      const g = this.generation();
      const entries = (g !== undefined && this.replay(g)) || this.scan();
      if (g === undefined) this.publish(entries, 1, lock);
      return [...entries.values()];
    });
  }
}
