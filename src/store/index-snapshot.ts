/**
 * The snapshot file of the metadata index (src/store/metadata-index.ts), in a form a listing reads
 * without parsing every entry: a ListSecrets page without filters needs every name (TotalCount,
 * the manifest's check) and whether a secret waits for its deletion date, but the metadata of only
 * the secrets on the page. At 10,000 secrets a full JSON parse of the snapshot was a third of the
 * listing's time.
 *
 * `snapshot-<g>.lines`, lines of JSON:
 *
 *     {"v":2,"entries":<n>,"sha256":"<hex>"}     the header
 *     ["<name>",...]                              every name, in code-unit order (the listing's)
 *     [<i>,...]                                   the positions of those with a PlannedDeleteTime
 *     <metadata>                                  one line per name, in the same order
 *
 * The names are one JSON array, parsed in one call; a secret's metadata line is found and parsed
 * when it is asked for. The checksum covers every byte after the header line, so a snapshot damaged
 * anywhere (a disk error, an edit) is found before any of it is used, as the full parse used to
 * find it; it also names the snapshot's contents (src/store/live-vouch.ts relies on that). Stores
 * made before this format have `snapshot-<g>.json`, one JSON object of name -> metadata, still read
 * (parsed whole); a `.lines` file of another version is refused, and the index rebuilt.
 */
import { createHash } from 'node:crypto';
import type { ListedSecret, SecretMetadata } from '../core/model.js';

const VERSION = 2;
const NEWLINE = 0x0a;

/** A secret of the index. */
export interface IndexedSecret extends ListedSecret {
  /** Whether it has a PlannedDeleteTime: then its metadata decides whether it is listed. */
  readonly pending: boolean;
}

/** A secret whose metadata is at hand (from the journal, from its file, from an older snapshot). */
export class ParsedSecret implements IndexedSecret {
  readonly name: string;
  readonly pending: boolean;
  private readonly meta: SecretMetadata;

  constructor(meta: SecretMetadata) {
    this.name = meta.name;
    this.pending = meta.plannedDeleteTime !== undefined;
    this.meta = meta;
  }

  metadata(): SecretMetadata {
    return this.meta;
  }
}

/**
 * What to do with a line the checksum vouches for but that is not metadata (only an edit that also
 * wrote the checksum, or a bug, makes one): the secret's metadata from elsewhere (its file).
 */
export type DamagedLine = (name: string) => SecretMetadata;

/** The metadata lines of a snapshot file, found one after the other as they are asked for. */
class MetadataLines {
  /** Where each line found so far starts in `bytes`, and where the next one would. */
  private readonly starts: number[];

  constructor(
    private readonly bytes: Buffer,
    start: number,
    readonly damaged: DamagedLine,
  ) {
    this.starts = [start];
  }

  /** Line `i` (from 0) without its newline; undefined when the file has fewer lines. */
  line(i: number): string | undefined {
    while (this.starts.length <= i + 1) {
      const end = this.bytes.indexOf(NEWLINE, this.starts[this.starts.length - 1]!);
      if (end < 0) return undefined;
      this.starts.push(end + 1);
    }
    return this.bytes.toString('utf8', this.starts[i]!, this.starts[i + 1]! - 1);
  }
}

/** A secret of a snapshot file: its name now, its metadata parsed from its line when first asked. */
class SnapshotLine implements IndexedSecret {
  private meta?: SecretMetadata;

  constructor(
    readonly name: string,
    readonly pending: boolean,
    private readonly lines: MetadataLines,
    /** Its position in the file. */
    private readonly at: number,
  ) {}

  metadata(): SecretMetadata {
    if (!this.meta) {
      const line = this.lines.line(this.at);
      const value = line === undefined ? undefined : parseOrUndefined(line);
      this.meta = isMetadata(value, this.name) && (value.plannedDeleteTime !== undefined) === this.pending ? value : this.lines.damaged(this.name);
    }
    return this.meta;
  }

  /** Its metadata line as the file has it, when it has one (a compaction writes it again unparsed). */
  metadataLine(): string | undefined {
    return this.lines.line(this.at);
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Metadata as kms-local writes it: the fields every reader of the index relies on. */
export function isMetadata(value: unknown, name: string): value is SecretMetadata {
  return (
    isObject(value) &&
    value.name === name &&
    typeof value.type === 'string' &&
    typeof value.createTime === 'string' &&
    typeof value.updateTime === 'string' &&
    Array.isArray(value.tags) &&
    (value.plannedDeleteTime === undefined || typeof value.plannedDeleteTime === 'string')
  );
}

const byName = (a: IndexedSecret, b: IndexedSecret): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The snapshot of `secrets` (names distinct), as written to `snapshot-<g>.lines`. */
export function encodeSnapshot(secrets: readonly IndexedSecret[]): Buffer {
  const sorted = [...secrets].sort(byName);
  const pending = sorted.flatMap((secret, i) => (secret.pending ? [i] : []));
  // A line read from a snapshot is written again as it was, without parsing it.
  const lines = sorted.map((secret) => `${(secret instanceof SnapshotLine && secret.metadataLine()) || JSON.stringify(secret.metadata())}\n`);
  const body = Buffer.from(`${JSON.stringify(sorted.map((secret) => secret.name))}\n${JSON.stringify(pending)}\n${lines.join('')}`, 'utf8');
  const header = { v: VERSION, entries: sorted.length, sha256: createHash('sha256').update(body).digest('hex') };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]);
}

function isHeader(value: unknown): value is { v: number; entries: number; sha256: string } {
  return isObject(value) && value.v === VERSION && Number.isSafeInteger(value.entries) && typeof value.sha256 === 'string';
}

/** Whether the secret was read from a snapshot file (not from the journal or a secret's file). */
export function fromSnapshot(secret: IndexedSecret): boolean {
  return secret instanceof SnapshotLine;
}

/** The JSON value of `bytes` from `start` to the next newline, and where the line after starts. */
function jsonLine(bytes: Buffer, start: number): { value: unknown; next: number } | undefined {
  const end = bytes.indexOf(NEWLINE, start);
  return end < 0 ? undefined : { value: parseOrUndefined(bytes.toString('utf8', start, end)), next: end + 1 };
}

/** `count` names, each a non-empty string, strictly in code-unit order (so none twice). */
function isNameList(value: unknown, count: number): value is string[] {
  if (!Array.isArray(value) || value.length !== count) return false;
  let previous = '';
  for (const name of value) {
    if (typeof name !== 'string' || !(previous < name)) return false;
    previous = name;
  }
  return true;
}

/** Positions below `count`, strictly increasing. */
function isPositionList(value: unknown, count: number): value is number[] {
  if (!Array.isArray(value)) return false;
  let previous = -1;
  for (const at of value) {
    if (!Number.isSafeInteger(at) || at <= previous || at >= count) return false;
    previous = at;
  }
  return true;
}

/**
 * The secrets of a snapshot file, in name order, and its checksum (which names its contents);
 * undefined when it is not what kms-local writes (then nothing in it is used). Only the names and
 * the positions of pending secrets are parsed here.
 */
export function decodeSnapshot(bytes: Buffer, damaged: DamagedLine): { secrets: IndexedSecret[]; sum: string } | undefined {
  const header = jsonLine(bytes, 0);
  if (!header || !isHeader(header.value)) return undefined;
  const { entries, sha256 } = header.value;
  if (createHash('sha256').update(bytes.subarray(header.next)).digest('hex') !== sha256) return undefined;
  const names = jsonLine(bytes, header.next);
  if (!names || !isNameList(names.value, entries)) return undefined;
  const pending = jsonLine(bytes, names.next);
  if (!pending || !isPositionList(pending.value, entries)) return undefined;
  // Metadata lines follow, the last one ending the file (each is found when asked for).
  if (entries === 0 ? pending.next !== bytes.length : pending.next >= bytes.length || bytes[bytes.length - 1] !== NEWLINE) return undefined;
  const lines = new MetadataLines(bytes, pending.next, damaged);
  const isPending = new Set(pending.value);
  const secrets: IndexedSecret[] = names.value.map((name, i) => new SnapshotLine(name, isPending.has(i), lines, i));
  return { secrets, sum: sha256 };
}

/** A snapshot of the first format (`snapshot-<g>.json`); undefined when it is not what kms-local wrote. */
export function decodeJsonSnapshot(text: string): IndexedSecret[] | undefined {
  const data = parseOrUndefined(text);
  if (!isObject(data)) return undefined;
  const secrets: IndexedSecret[] = [];
  for (const [name, meta] of Object.entries(data)) {
    if (!isMetadata(meta, name)) return undefined;
    secrets.push(new ParsedSecret(meta));
  }
  return secrets;
}
