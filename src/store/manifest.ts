/**
 * The manifest of a folder of MAC'd files (a region's secrets, or its keys and alias table): for
 * every name, the generation and MAC of the latest file kms-local wrote for it, and a tombstone
 * (with its last generation) for every name it deleted. Each file carries its generation inside its
 * MAC'd body. A file's MAC proves kms-local wrote it; the manifest proves it is the latest copy: an
 * older copy put back, or the file of a deleted secret restored, is refused by name
 * (docs/semantics.md, "Store guarantees").
 *
 * Layout: `<folder>/.manifest/<0-f>.shard`, 16 shards by the first hex digit of sha256(name), so
 * that a read verifies one small file however many secrets the region holds. A shard is
 * `<mac>\n<header>\n` and one line `["<name>",{"g":..,"m":..}]` per name, the MAC (under the master
 * key) over all after its own line; the header names its scope and shard (a shard cannot stand in
 * for another) and the master key it is under. The folder appears whole
 * (built in a lock's folder and renamed into place), so a shard missing from it was removed by hand.
 *
 * Order of a write, under the name's own lock: the file (generation g+1) first, then its manifest
 * entry, under the shard's short lock. A reader reads the entry first, then the file; it accepts the
 * file the entry names, or generation g+1 while the name's lock exists (a writer at work, or one
 * that died between the two steps: the next writer records that file before writing its own). A
 * delete unlinks first, then writes the tombstone. So a crash at any point never makes a false
 * alarm, and nothing older than the last acknowledged write reads back. Entries only move forward:
 * a writer stalled past its lease cannot move one back.
 *
 * A folder without a manifest (a store made before it existed) is enrolled on its first write: every
 * file found then is taken as the latest. Until then its files carry no generation and are read as
 * they are; a file that carries one in a folder without a manifest is refused (the manifest was
 * removed).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Keyring } from '../crypto/envelope.js';
import { DIR_MODE, FILE_MODE, fsyncDir, reachPoint, readBytesIfExists, writeAll, writeFileAtomic } from './fs-safe.js';
import { withLock } from './lock.js';
import type { ReadCache } from './read-cache.js';

export const MANIFEST_DIR = '.manifest';
const SHARDS = '0123456789abcdef';
/** Characters of a file's MAC kept in its entry (132 bits: no one without the key can match them). */
const MAC_CHARS = 22;
const VERSION = 2;
/** A shard's MAC line (base64 of a SHA-256 HMAC: 44 characters) and its newline fit in this. */
const STAMP_READ_BYTES = 64;
/** What a shard's MAC covers comes after this: a shard's MAC cannot stand for another kind of text. */
const MAC_PREFIX = 'kms-local manifest\n';

/** The latest file of a name: its generation and MAC, or the generation at which it was deleted. */
export type ManifestEntry = { g: number; m: string } | { g: number; deleted: true };

/** What a file says of itself: its generation (0 for a file older than manifests) and its MAC. */
export interface FileStamp {
  generation: number;
  mac: string;
}

/**
 * A verified shard. Its entries are lines `["<name>",{...}]`: one name is found by a search of the
 * bytes and only its line is parsed, so that a read does not parse every entry of a large region.
 *
 * Kept as the bytes read (UTF-8, as kms-local writes a shard), not as a string: at 10,000 secrets a
 * shard is some 45 KB, and a write read, checked and rewrote it as strings several times. Outside
 * the JS heap those copies cost no young collection (a PutSecretValue at 10,000 secrets allocated
 * some 255 KB of them, and crossed into a scavenge it otherwise stays short of).
 */
export class Shard {
  private readonly lines: Buffer;
  /** The shard's MAC line: it names these contents (see Manifest.stamp). */
  readonly mac: string;
  private parsed?: Map<string, ManifestEntry>;

  /** `lines`: from the header's newline on, one line per entry (a string is taken as its UTF-8 bytes). */
  constructor(lines: Buffer | string, mac = '') {
    this.lines = typeof lines === 'string' ? Buffer.from(lines, 'utf8') : lines;
    this.mac = mac;
  }

  /**
   * The entries found before by get(): a shard lives as long as its file is unchanged (serve's
   * cache of verified shards), and serve asks it for the same names on every request.
   */
  private found?: Map<string, ManifestEntry | undefined>;

  get(name: string): ManifestEntry | undefined {
    if (this.parsed) return this.parsed.get(name);
    const found = (this.found ??= new Map());
    if (found.has(name)) return found.get(name);
    const at = this.lines.indexOf(`\n[${JSON.stringify(name)},`);
    const entry = at < 0 ? undefined : parseLine(this.lines.toString('utf8', at + 1, this.lines.indexOf(NEWLINE, at + 1)))[1];
    found.set(name, entry);
    return entry;
  }

  /**
   * Adds the names of its live entries (tombstones left out) to `into`. A listing reads every
   * shard, so lines are not parsed one by one: kms-local writes an entry line as
   * `["<name>",{"g":<n>,"m":"<mac>"}]` or `["<name>",{"g":<n>,"deleted":true}]`, and a name with
   * no escape in it ends at the first quote. Any other line (an escape in the name) is parsed in full.
   */
  addLiveNames(into: Set<string>): void {
    const text = this.lines.toString('utf8');
    // The text starts with the header's newline and ends with a newline.
    for (let start = text.indexOf('\n') + 1; start > 0 && start < text.length; ) {
      const end = text.indexOf('\n', start);
      const close = text.indexOf('"', start + 2);
      const name = text.slice(start + 2, close);
      // The comma after the generation's digits, then `"m"` (live) or `"deleted"` (a tombstone).
      const comma = close < end ? text.indexOf(',', close + ENTRY_OPENING.length) : -1;
      const kind = comma > 0 && comma < end && text.charCodeAt(comma + 1) === QUOTE ? text.charCodeAt(comma + 2) : 0;
      if (!text.startsWith('["', start) || !text.startsWith(ENTRY_OPENING, close) || name.includes('\\') || (kind !== LIVE && kind !== TOMBSTONE)) {
        const [parsedName, entry] = parseLine(text.slice(start, end));
        if (!('deleted' in entry)) into.add(parsedName);
      } else if (kind === LIVE) {
        into.add(name);
      }
      start = end + 1;
    }
  }

  /**
   * These lines with `name`'s entry set to `entry`, replaced in place or added in name order, as
   * Manifest.encode would write them: a write changes one line of a shard that at 10,000 secrets
   * holds about 625, without parsing and encoding the others. Undefined when a name here needs
   * escaping in JSON (then the caller encodes the shard whole).
   */
  withEntry(name: string, entry: ManifestEntry): Buffer | undefined {
    const bytes = this.lines;
    const quoted = JSON.stringify(name);
    if (quoted !== `"${name}"` || bytes.includes(BACKSLASH)) return undefined;
    const line = JSON.stringify([name, entry]);
    const at = bytes.indexOf(`\n[${quoted},`);
    if (at >= 0) return Buffer.concat([bytes.subarray(0, at + 1), Buffer.from(line, 'utf8'), bytes.subarray(bytes.indexOf(NEWLINE, at + 1))]);
    // A name new to the shard (its first write) goes in name order, compared as Manifest.encode
    // sorts: as strings. The text starts with the header's newline; each line is `["<name>",...`.
    const text = bytes.toString('utf8');
    for (let start = 1; start > 0 && start < text.length; start = text.indexOf('\n', start) + 1) {
      if (text.slice(start + 2, text.indexOf('"', start + 2)) > name) return Buffer.from(`${text.slice(0, start)}${line}\n${text.slice(start)}`, 'utf8');
    }
    return Buffer.from(`${text}${line}\n`, 'utf8');
  }

  entries(): Map<string, ManifestEntry> {
    if (!this.parsed) {
      const parsed = new Map<string, ManifestEntry>();
      for (const line of this.lines.toString('utf8').split('\n')) {
        if (!line) continue;
        const [name, entry] = parseLine(line);
        parsed.set(name, entry);
      }
      this.parsed = parsed;
    }
    return this.parsed;
  }
}

/** How an entry line goes on after its name (see Shard.addLiveNames). */
const ENTRY_OPENING = '",{"g":';
const QUOTE = 34;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const LIVE = 'm'.charCodeAt(0);
const TOMBSTONE = 'd'.charCodeAt(0);

/** One entry line; the shard's MAC was checked, so a bad line is a bug, not an attack. */
function parseLine(line: string): [string, ManifestEntry] {
  const value = JSON.parse(line) as unknown;
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !isEntry(value[1])) throw new ManifestDamaged(`an entry is not what kms-local writes`);
  return [value[0], value[1]];
}

interface ShardHeader {
  v: number;
  scope: string;
  shard: string;
  key: string;
}

/** A shard that is not what kms-local wrote, or is missing: nothing in it can be trusted. */
export class ManifestDamaged extends Error {}

/**
 * A file that is not the latest copy kms-local wrote, or a manifest that cannot be trusted; the
 * message completes "... failed its integrity check: ". Each store turns it into its own error.
 */
export class NotLatest extends Error {}

function damaged(err: unknown): unknown {
  return err instanceof ManifestDamaged ? new NotLatest(`the manifest of its region failed its check: ${err.message}`) : err;
}

export interface ManifestOptions {
  /** The folder whose files it records. */
  dir: string;
  /** Where its locks live (an existing folder when a write starts). */
  lockDir: string;
  /** What it records, bound into every shard's MAC: "secrets of cn-hangzhou". */
  scope: string;
  /** The keyring for the key id a shard names (current or next master key). */
  keyring(keyId: string): Keyring | undefined;
  /** The key new shards are written under. */
  writeKeys(): Keyring;
  /** Every file of the folder as found now, unverified (for enrolling a folder without a manifest). */
  scan(): Iterable<[string, FileStamp]>;
  /** Whether the user asked to enrol files written under a manifest that is gone (KMS_LOCAL_REENROL=1). */
  reenrol(): boolean;
  /** A long-lived process's cache of verified shards, by file identity. */
  cache?: () => ReadCache<Shard> | undefined;
}

/** Shards of names hashed before: serve reads the same few names over and over (cleared when many). */
const shardsOfNames = new Map<string, string>();
const SHARDS_OF_NAMES_MAX = 20_000;

export function shardOf(name: string): string {
  let shard = shardsOfNames.get(name);
  if (shard === undefined) {
    shard = SHARDS[createHash('sha256').update(name).digest()[0]! & 0x0f]!;
    if (shardsOfNames.size >= SHARDS_OF_NAMES_MAX) shardsOfNames.clear();
    shardsOfNames.set(name, shard);
  }
  return shard;
}

function isEntry(value: unknown): value is ManifestEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  if (!Number.isSafeInteger(e.g) || (e.g as number) < 0) return false;
  return Object.keys(e).length === 2 && (e.deleted === true || typeof e.m === 'string');
}

/**
 * Whether `entry` records exactly this file: live, at its generation, with its MAC. The one verdict
 * that does not depend on a writer being at work (see Manifest.judge).
 */
export function recordsExactly(entry: ManifestEntry | undefined | 'legacy', file: FileStamp): boolean {
  return typeof entry === 'object' && !('deleted' in entry) && file.generation === entry.g && file.mac.startsWith(entry.m);
}

export class Manifest {
  private readonly options: ManifestOptions;
  readonly dir: string;
  /** Whether the manifest folder was seen: it is never removed by kms-local. */
  private known = false;

  constructor(options: ManifestOptions) {
    this.options = options;
    // A store makes one per request in serve: the folders it is given are normal already, so
    // they are joined by hand rather than by path.join (whose work showed in serve's profile).
    this.dir = `${options.dir}${sep}${MANIFEST_DIR}`;
  }

  private shardPath(shard: string): string {
    return `${this.dir}${sep}${shard}.shard`;
  }

  /** `<mac>\n<header>\n` then one line per entry, sorted by name; the MAC covers all after its line. */
  private encode(shard: string, entries: Map<string, ManifestEntry>, keys: Keyring): Buffer {
    const lines = [...entries.keys()].sort().map((name) => `${JSON.stringify([name, entries.get(name)!])}\n`);
    return this.sealed(shard, Buffer.from(`\n${lines.join('')}`, 'utf8'), keys);
  }

  /** A shard's bytes from its entry lines (from the header's newline on, as Shard keeps them): header and MAC put before. */
  private sealed(shard: string, lines: Buffer, keys: Keyring): Buffer {
    const header: ShardHeader = { v: VERSION, scope: this.options.scope, shard, key: keys.keyId };
    const headerText = JSON.stringify(header);
    return Buffer.concat([Buffer.from(`${keys.fileMac([MAC_PREFIX, headerText, lines])}\n${headerText}`, 'utf8'), lines]);
  }

  private decode(shard: string, bytes: Buffer): Shard {
    const macEnd = bytes.indexOf(NEWLINE);
    const headerEnd = macEnd < 0 ? -1 : bytes.indexOf(NEWLINE, macEnd + 1);
    let header: ShardHeader;
    try {
      if (macEnd < 0 || headerEnd < 0 || bytes[bytes.length - 1] !== NEWLINE) throw new Error('torn');
      header = JSON.parse(bytes.toString('utf8', macEnd + 1, headerEnd)) as ShardHeader;
    } catch {
      throw new ManifestDamaged(`its shard ${shard} is not what kms-local writes`);
    }
    const keys = typeof header?.key === 'string' ? this.options.keyring(header.key) : undefined;
    if (!keys) throw new ManifestDamaged(`its shard ${shard} is under master key ${String(header?.key)}, which is not known (check KMS_LOCAL_MASTER_KEY)`);
    const mac = bytes.toString('latin1', 0, macEnd);
    if (!keys.verifyFileMac([MAC_PREFIX, bytes.subarray(macEnd + 1)], mac) || header.v !== VERSION || header.scope !== this.options.scope || header.shard !== shard) {
      throw new ManifestDamaged(`its shard ${shard} was modified outside kms-local`);
    }
    // From the header's own newline: every entry line is then found as "\n[name,".
    return new Shard(bytes.subarray(headerEnd), mac);
  }

  /** The shard, verified; undefined when the folder has no manifest (a store older than manifests). */
  private readShard(shard: string): Shard | undefined {
    const path = this.shardPath(shard);
    const cache = this.options.cache?.();
    const found = cache ? cache.readBytes(path, (bytes) => this.decode(shard, bytes)) : this.readUncached(path, shard);
    if (found) {
      this.known = true;
      return found;
    }
    if (this.known || existsSync(this.dir)) throw new ManifestDamaged(`its shard ${shard} is missing (removed by hand?)`);
    return undefined;
  }

  private readUncached(path: string, shard: string): Shard | undefined {
    const bytes = readBytesIfExists(path);
    return bytes === undefined ? undefined : this.decode(shard, bytes);
  }

  /** The entry of `name`: undefined when none, 'legacy' when the folder has no manifest yet. */
  entry(name: string): ManifestEntry | undefined | 'legacy' {
    const shard = this.readShard(shardOf(name));
    return shard ? shard.get(name) : 'legacy';
  }

  /**
   * Why a file of `name` stamped `file` is not the latest copy kms-local wrote, given the entry read
   * before the file; undefined when it is. A file one generation past its entry is a writer between
   * its two steps, or one killed there. Past a live entry it is accepted whether or not a lock
   * exists: the killed writer's lock may have been broken since by another writer, killed in turn,
   * and anyone able to put a shard back could plant a lock as well. A name with no live entry (never
   * written here, or deleted) needs its lock to exist (`writerAtWork`), so that a file copied in
   * from another home is not taken for a creation in progress; the next writer records either.
   */
  judge(entry: ManifestEntry | undefined | 'legacy', file: FileStamp, writerAtWork: () => boolean): string | undefined {
    const g = file.generation;
    if (entry === 'legacy') {
      return g === 0 ? undefined : `its file is generation ${g}, but the folder's manifest (${this.dir}) is gone: was it removed or the folder restored from a copy?`;
    }
    if (recordsExactly(entry, file)) return undefined;
    if (g === (entry?.g ?? 0) + 1 && ((entry && !('deleted' in entry)) || writerAtWork())) return undefined;
    if (!entry) return `its file (generation ${g}) is not recorded in the manifest: it was not written by kms-local here, or put back by hand`;
    if ('deleted' in entry) return `it was deleted (at generation ${entry.g}), and an older copy of its file (generation ${g}) was put back`;
    if (g < entry.g) return `its file is an older copy (generation ${g}; the latest is generation ${entry.g}): a file was put back`;
    if (g === entry.g) return `its file is not the copy of generation ${g} kms-local wrote last`;
    return `its file (generation ${g}) is newer than the manifest records (generation ${entry.g}): was the manifest restored from a copy?`;
  }

  /**
   * The file of `name` as `readFile` gives it, checked: the entry is read first, then the file (a
   * file can only be newer than an entry read before it, never older, unless an older copy was put
   * back). A file newer than that can be a writer that finished in between: both are read again
   * before saying so. `writerAtWork`: whether the name's lock exists (see judge). Throws NotLatest.
   */
  read<T extends FileStamp>(name: string, readFile: () => T | undefined, writerAtWork: () => boolean): { file?: T; entry: ManifestEntry | undefined | 'legacy' } {
    for (let attempt = 1; ; attempt++) {
      let entry: ManifestEntry | undefined | 'legacy';
      try {
        entry = this.entry(name);
      } catch (err) {
        throw damaged(err);
      }
      const file = readFile();
      if (!file) return { entry };
      const why = this.judge(entry, file, writerAtWork);
      if (why === undefined) return { file, entry };
      if (attempt === 3) throw new NotLatest(why);
    }
  }

  /**
   * read() for a writer holding the name's lock, with the generation its write gets. A file one
   * generation past its entry was left by a writer that died before recording it: recorded now, so
   * that the manifest holds what was read before anything newer is written.
   */
  readForWrite<T extends FileStamp>(name: string, readFile: () => T | undefined): { file?: T; nextGeneration: number } {
    const { file, entry } = this.read(name, readFile, () => true);
    const known = entry === 'legacy' || entry === undefined ? 0 : entry.g;
    if (file && file.generation > known) this.record(name, Manifest.entryOf(file));
    return { file, nextGeneration: Math.max(known, file?.generation ?? 0) + 1 };
  }

  /** Records the file just written for `name`. Throws NotLatest. */
  recordFile(name: string, file: FileStamp): void {
    this.record(name, Manifest.entryOf(file));
  }

  /** Records that `name` was deleted (its file is gone) at `generation`. Throws NotLatest. */
  recordDeleted(name: string, generation: number): void {
    this.record(name, { g: generation, deleted: true });
  }

  /**
   * Records the latest file (or the deletion) of `name`. Under the shard's lock, and only forward:
   * an entry that is already at `entry.g` or later is left as it is.
   */
  private record(name: string, entry: ManifestEntry): void {
    try {
      this.recordEntry(name, entry);
    } catch (err) {
      throw damaged(err);
    }
  }

  private recordEntry(name: string, entry: ManifestEntry): void {
    const shard = shardOf(name);
    withLock(join(this.options.lockDir, `manifest-${shard}.lock`), `the manifest of the ${this.options.scope}`, (lock) => {
      const current = this.readShard(shard);
      const had = current?.get(name);
      if (had && had.g >= entry.g) return;
      const keys = this.options.writeKeys();
      const lines = current?.withEntry(name, entry);
      const bytes = lines !== undefined ? this.sealed(shard, lines, keys) : this.encode(shard, new Map([...(current?.entries() ?? []), [name, entry]]), keys);
      writeFileAtomic(this.shardPath(shard), bytes, lock.fence);
    });
  }

  /** The entry a file just written gets. */
  static entryOf(file: FileStamp): ManifestEntry {
    return { g: file.generation, m: file.mac.slice(0, MAC_CHARS) };
  }

  /**
   * Makes sure the folder has a manifest: without one, every file found now is enrolled as the
   * latest of its name (a store made before manifests), and the whole folder appears at once.
   * Throws NotLatest when files written under a manifest are found without one.
   */
  ensure(): void {
    try {
      this.enrol();
    } catch (err) {
      if (!(err instanceof ManifestDamaged)) throw err;
      throw new NotLatest(`the manifest of its region ${err.message}; if the files are as they should be, run the write again with KMS_LOCAL_REENROL=1 to take them as the latest`);
    }
  }

  private enrol(): void {
    if (this.known || existsSync(this.dir)) {
      this.known = true;
      return;
    }
    withLock(join(this.options.lockDir, 'manifest.lock'), `the manifest of the ${this.options.scope}`, (lock) => {
      if (existsSync(this.dir)) return;
      const shards = new Map<string, Map<string, ManifestEntry>>([...SHARDS].map((s) => [s, new Map()]));
      const underManifest: string[] = [];
      for (const [name, stamp] of this.options.scan()) {
        if (stamp.generation > 0) underManifest.push(name);
        shards.get(shardOf(name))!.set(name, Manifest.entryOf(stamp));
      }
      // Files written under a manifest, and no manifest: it was removed, and nothing says whether
      // these files are the latest. Taking them as they are is the user's decision, never a default.
      if (underManifest.length > 0 && !this.options.reenrol()) throw new ManifestDamaged(`is missing, but ${underManifest.length} file(s) were written under one (such as '${underManifest[0]}'): files may have been put back from older copies`);
      // Built inside the lock's own folder: if the lock was taken from this process, the folder
      // went with it and the rename below fails instead of publishing a stale enrolment.
      const staging = join(lock.fence.tempDir, `manifest-${randomBytes(6).toString('hex')}`);
      mkdirSync(staging, { mode: DIR_MODE });
      const keys = this.options.writeKeys();
      for (const [shard, entries] of shards) {
        const fd = openSync(join(staging, `${shard}.shard`), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE);
        try {
          writeAll(fd, this.encode(shard, entries, keys));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      fsyncDir(staging);
      reachPoint('manifest-staged');
      try {
        renameSync(staging, this.dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(lock.fence.tempDir)) throw lock.fence.lost();
        throw err;
      }
      fsyncDir(this.options.dir);
    });
    this.known = true;
  }

  /**
   * The names of every live entry of every shard, with the stamp of the shards they were read from;
   * undefined without a manifest. Throws ManifestDamaged.
   */
  liveNames(): { live: Set<string>; stamp: string[] } | undefined {
    const live = new Set<string>();
    const stamp: string[] = [];
    for (const shard of SHARDS) {
      const found = this.readShard(shard);
      if (!found) return undefined;
      found.addLiveNames(live);
      stamp.push(found.mac);
    }
    return { live, stamp };
  }

  /**
   * The MAC line of every shard as it is now, read without the rest (nor checking it). A stamp equal
   * to one taken from checked shards means the same shards: no one without the master key makes
   * other contents with that MAC, and contents changed under it are refused by every read of a
   * secret the shard records. Undefined when a shard cannot be read.
   */
  stamp(): string[] | undefined {
    const stamp: string[] = [];
    const head = Buffer.alloc(STAMP_READ_BYTES);
    for (const shard of SHARDS) {
      let fd: number;
      try {
        fd = openSync(this.shardPath(shard), constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch {
        return undefined;
      }
      try {
        const text = head.toString('latin1', 0, readSync(fd, head, 0, head.length, 0));
        const end = text.indexOf('\n');
        if (end <= 0) return undefined;
        stamp.push(text.slice(0, end));
      } catch {
        return undefined;
      } finally {
        closeSync(fd);
      }
    }
    return stamp;
  }

  /** A MAC under the key shards are written under, for `text` (a fact about this manifest kept elsewhere). */
  vouch(text: string): string {
    return this.options.writeKeys().fileMac(this.vouchText(text));
  }

  vouches(text: string, mac: string): boolean {
    return this.options.writeKeys().verifyFileMac(this.vouchText(text), mac);
  }

  private vouchText(text: string): string {
    return `kms-local manifest vouch\n${this.options.scope}\n${text}`;
  }

  /** Writes every shard again under `keys` (for rekey); false when there is no manifest. */
  moveUnder(keys: Keyring): boolean {
    if (!existsSync(this.dir)) return false;
    for (const shard of SHARDS) {
      withLock(join(this.options.lockDir, `manifest-${shard}.lock`), `the manifest of the ${this.options.scope}`, (lock) => {
        const current = this.readShard(shard)!;
        writeFileAtomic(this.shardPath(shard), this.encode(shard, current.entries(), keys), lock.fence);
      });
    }
    return true;
  }
}
