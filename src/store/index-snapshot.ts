/**
 * The snapshot file of the metadata index (src/store/metadata-index.ts), in a form a listing reads
 * without parsing every entry: a ListSecrets page without filters needs every name (TotalCount,
 * the manifest's check) and whether a secret waits for its deletion date, but the metadata of only
 * the secrets on the page. At 10,000 secrets a full JSON parse of the snapshot was a third of the
 * listing's time.
 *
 * `snapshot-<g>.lines`: a header line `{"v":1,"entries":<n>,"sha256":"<hex>"}`, then one line per
 * secret, in code-unit order of names (the listing's order, so its sort finds them in order):
 *
 *     <name as a JSON string> TAB <P if it has a PlannedDeleteTime, else -> TAB <metadata as JSON>
 *
 * The checksum covers every byte after the header line, so a snapshot damaged anywhere (a disk
 * error, an edit) is found before any of it is used, as the full parse used to find it; the lines
 * are then parsed one by one as they are needed. Stores made before this format have
 * `snapshot-<g>.json`, one JSON object of name -> metadata, still read (parsed whole).
 */
import { createHash } from 'node:crypto';
import type { ListedSecret, SecretMetadata } from '../core/model.js';

const VERSION = 1;
const TAB = 9;
const QUOTE = 34;
const PENDING = 'P'.charCodeAt(0);
const NOT_PENDING = '-'.charCodeAt(0);

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

/** A secret of a snapshot file: its name now, its metadata parsed from its line when first asked. */
class SnapshotLine implements IndexedSecret {
  private meta?: SecretMetadata;

  constructor(
    readonly name: string,
    readonly pending: boolean,
    private readonly text: string,
    /** Where its metadata's JSON starts and ends in `text`. */
    private readonly start: number,
    private readonly end: number,
    private readonly damaged: DamagedLine,
  ) {}

  metadata(): SecretMetadata {
    if (!this.meta) {
      const value = parseOrUndefined(this.metadataJson());
      this.meta = isMetadata(value, this.name) && (value.plannedDeleteTime !== undefined) === this.pending ? value : this.damaged(this.name);
    }
    return this.meta;
  }

  metadataJson(): string {
    return this.text.slice(this.start, this.end);
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
  const lines = [...secrets].sort(byName).map((secret) => {
    // A line read from a snapshot is written again as it was, without parsing it.
    const json = secret instanceof SnapshotLine ? secret.metadataJson() : JSON.stringify(secret.metadata());
    return `${JSON.stringify(secret.name)}\t${secret.pending ? 'P' : '-'}\t${json}\n`;
  });
  const body = Buffer.from(lines.join(''), 'utf8');
  const header = { v: VERSION, entries: lines.length, sha256: createHash('sha256').update(body).digest('hex') };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]);
}

function isHeader(value: unknown): value is { v: number; entries: number; sha256: string } {
  return isObject(value) && value.v === VERSION && Number.isSafeInteger(value.entries) && typeof value.sha256 === 'string';
}

/** Whether the secret was read from a snapshot file (not from the journal or a secret's file). */
export function fromSnapshot(secret: IndexedSecret): boolean {
  return secret instanceof SnapshotLine;
}

/**
 * The secrets of a snapshot file, in name order, and its checksum (which names its contents);
 * undefined when it is not what kms-local writes (then nothing in it is used). Only names and
 * pending marks are read here.
 */
export function decodeSnapshot(bytes: Buffer, damaged: DamagedLine): { secrets: IndexedSecret[]; sum: string } | undefined {
  const headerEnd = bytes.indexOf(0x0a);
  if (headerEnd < 0) return undefined;
  const header = parseOrUndefined(bytes.toString('utf8', 0, headerEnd));
  if (!isHeader(header)) return undefined;
  const body = bytes.subarray(headerEnd + 1);
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) return undefined;
  const text = body.toString('utf8');
  const secrets: IndexedSecret[] = [];
  let previous = '';
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const tab = text.indexOf('\t', start);
    // `"<name>"` TAB flag TAB metadata, all within the line.
    if (end < 0 || tab < 0 || tab + 3 >= end || text.charCodeAt(tab + 2) !== TAB) return undefined;
    const flag = text.charCodeAt(tab + 1);
    const name = nameAt(text, start, tab);
    // Names strictly in order: none twice.
    if (name === undefined || (flag !== PENDING && flag !== NOT_PENDING) || !(previous < name)) return undefined;
    secrets.push(new SnapshotLine(name, flag === PENDING, text, tab + 3, end, damaged));
    previous = name;
    start = end + 1;
  }
  return secrets.length === header.entries ? { secrets, sum: header.sha256 } : undefined;
}

/** The JSON string from `start` to `end`; a name with no escape in it is taken as it stands. */
function nameAt(text: string, start: number, end: number): string | undefined {
  if (end - start < 3 || text.charCodeAt(start) !== QUOTE || text.charCodeAt(end - 1) !== QUOTE) return undefined;
  const name = text.slice(start + 1, end - 1);
  if (!name.includes('\\') && !name.includes('"')) return name;
  const parsed = parseOrUndefined(text.slice(start, end));
  return typeof parsed === 'string' && parsed.length > 0 ? parsed : undefined;
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
