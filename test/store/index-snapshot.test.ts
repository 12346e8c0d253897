/**
 * The metadata index's snapshot file (src/store/index-snapshot.ts): what it writes reads back the
 * same, a listing reads names and pending marks without parsing metadata, and a file that is not
 * what kms-local writes is refused whole (then the index is rebuilt from the secret files).
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { SecretMetadata } from '../../src/core/model.js';
import { ParsedSecret, decodeJsonSnapshot, decodeSnapshot, encodeSnapshot, type IndexedSecret } from '../../src/store/index-snapshot.js';

const meta = (name: string, extra: Partial<SecretMetadata> = {}): SecretMetadata => ({
  name,
  type: 'Generic',
  description: `about ${name}`,
  createTime: '2026-03-01T08:00:00Z',
  updateTime: '2026-03-01T08:00:00Z',
  encryptionKeyId: 'key-local-0123',
  tags: [{ TagKey: 'team', TagValue: name }],
  ...extra,
});

const SECRETS = [
  meta('b/db'),
  meta('a', { plannedDeleteTime: '2026-04-01T08:00:00Z' }),
  meta('Z+=.@-_'),
  // Names the secret-name rule forbids still round-trip: the format does not depend on that rule.
  meta('quote"back\\slash\ttab'),
  meta('ünï cödé €'),
];

const refuseDamaged = (name: string): SecretMetadata => {
  throw new Error(`unexpected damaged line for ${name}`);
};
const decoded = (bytes: Buffer): IndexedSecret[] => decodeSnapshot(bytes, refuseDamaged)!.secrets;

/** The file with its body changed by `change`; `rehash`: with a checksum that matches the new body. */
function edited(bytes: Buffer, change: (body: string) => string, rehash = true): Buffer {
  const text = bytes.toString('utf8');
  const cut = text.indexOf('\n') + 1;
  const header = JSON.parse(text.slice(0, cut)) as { sha256: string };
  const body = change(text.slice(cut));
  if (rehash) header.sha256 = createHash('sha256').update(body).digest('hex');
  return Buffer.from(`${JSON.stringify(header)}\n${body}`);
}

/** edited(), the body as its lines: names, pending positions, then one metadata line per name. */
const editedLines = (bytes: Buffer, change: (lines: string[]) => string[], rehash = true): Buffer =>
  edited(bytes, (body) => `${change(body.slice(0, -1).split('\n')).join('\n')}\n`, rehash);

describe('what is written reads back', () => {
  test('every secret, in code-unit order of names, with its metadata and pending mark', () => {
    const read = decoded(encodeSnapshot(SECRETS.map((m) => new ParsedSecret(m))));
    const sorted = [...SECRETS].sort((x, y) => (x.name < y.name ? -1 : 1));
    expect(read.map((s) => s.name)).toEqual(sorted.map((m) => m.name));
    expect(read.map((s) => s.metadata())).toEqual(sorted);
    expect(read.map((s) => s.pending)).toEqual(sorted.map((m) => m.plannedDeleteTime !== undefined));
  });

  test('a snapshot read back and written again is the same file', () => {
    const bytes = encodeSnapshot(SECRETS.map((m) => new ParsedSecret(m)));
    expect(encodeSnapshot(decoded(bytes))).toEqual(bytes);
  });

  test('an empty index', () => {
    expect(decoded(encodeSnapshot([]))).toEqual([]);
  });
});

describe('a listing parses only the metadata it asks for', () => {
  test('reading names and pending marks parses no metadata line', () => {
    // Lines whose metadata is not JSON but whose checksum matches: decoding must not touch them.
    const bytes = editedLines(encodeSnapshot(SECRETS.map((m) => new ParsedSecret(m))), ([names, pending, ...metas]) => [names!, pending!, ...metas.map(() => '{not json')]);
    const asked: string[] = [];
    const read = decodeSnapshot(bytes, (name) => {
      asked.push(name);
      return meta(name);
    })!.secrets;
    expect(read.map((s) => s.name)).toHaveLength(SECRETS.length);
    expect(asked).toEqual([]);
    expect(read[0]!.metadata()).toEqual(meta(read[0]!.name));
    expect(asked).toEqual([read[0]!.name]);
  });

  test.each<[string, string | undefined]>([
    ['not JSON', '{"name":"a","ty'],
    ['another name', JSON.stringify(meta('other', { plannedDeleteTime: '2026-04-01T08:00:00Z' }))],
    ['a required field missing', JSON.stringify({ ...meta('a', { plannedDeleteTime: '2026-04-01T08:00:00Z' }), tags: undefined })],
    ['a pending mark that the metadata does not bear out', JSON.stringify(meta('a'))],
    ['missing (fewer metadata lines than names)', undefined],
  ])('a metadata line that is %s is given by the damaged-line callback (the secret file)', (_what, line) => {
    const bytes = editedLines(encodeSnapshot([new ParsedSecret(meta('0')), new ParsedSecret(meta('a', { plannedDeleteTime: '2026-04-01T08:00:00Z' }))]), (lines) =>
      line === undefined ? lines.slice(0, -1) : [...lines.slice(0, -1), line],
    );
    const fromFile = meta('a', { description: 'from its file', plannedDeleteTime: '2026-04-01T08:00:00Z' });
    const [first, secret] = decodeSnapshot(bytes, () => fromFile)!.secrets;
    expect(secret!.metadata()).toBe(fromFile);
    expect(first!.metadata()).toEqual(meta('0'));
  });
});

describe('a snapshot that is not what kms-local writes is refused whole', () => {
  const good = encodeSnapshot(['a', 'b', 'c'].map((name) => new ParsedSecret(meta(name, name === 'b' ? { plannedDeleteTime: '2026-04-01T08:00:00Z' } : {}))));
  const names = (change: (list: unknown[]) => unknown[]) => (lines: string[]) => [JSON.stringify(change(JSON.parse(lines[0]!))), ...lines.slice(1)];
  const pending = (value: unknown) => (lines: string[]) => [lines[0]!, JSON.stringify(value), ...lines.slice(2)];
  test.each<[string, Buffer]>([
    ['no header line', Buffer.from('{"v":2,"entries":0,"sha256":""}')],
    ['a header that is not JSON', Buffer.concat([Buffer.from('{v:2}\n'), good.subarray(good.indexOf(10) + 1)])],
    ['a header of another version (the first .lines format)', Buffer.from(good.toString('utf8').replace('"v":2', '"v":1'))],
    ['a body changed under its checksum', edited(good, (body) => body.replace('about b', 'about B'), false)],
    ['a body cut short', good.subarray(0, good.length - 10)],
    ['a last line without its newline', edited(good, (body) => body.slice(0, -1))],
    ['no metadata lines', editedLines(good, (lines) => lines.slice(0, 2))],
    ['no line of pending positions', edited(good, (body) => body.slice(0, body.indexOf('\n') + 1))],
    ['names that are not an array', editedLines(good, names(() => ({ a: 1 }) as unknown as unknown[]))],
    ['fewer names than the header counts', editedLines(good, names((list) => list.slice(1)))],
    ['a name twice', editedLines(good, names((list) => [list[0], ...list]))],
    ['names out of order', editedLines(good, names((list) => [list[1], list[0], list[2]]))],
    ['a name that is not a string', editedLines(good, names((list) => [5, ...list.slice(1)]))],
    ['an empty name', editedLines(good, names((list) => ['', ...list.slice(1)]))],
    ['names that are not JSON', editedLines(good, (lines) => ['["a","b"', ...lines.slice(1)])],
    ['pending positions that are not an array', editedLines(good, pending({ 1: true }))],
    ['a pending position past the last name', editedLines(good, pending([3]))],
    ['pending positions out of order', editedLines(good, pending([1, 0]))],
    ['a pending position twice', editedLines(good, pending([1, 1]))],
    ['a pending position that is not a whole number', editedLines(good, pending([0.5]))],
  ])('%s', (_what, bytes) => {
    expect(decodeSnapshot(bytes, refuseDamaged)).toBeUndefined();
  });

  test('the file they are made from is read (so each refusal above is its damage)', () => {
    expect(decoded(good).map((s) => [s.name, s.pending])).toEqual([
      ['a', false],
      ['b', true],
      ['c', false],
    ]);
  });
});

describe('the first snapshot format (snapshot-<g>.json) of older stores', () => {
  test('is read, every entry parsed', () => {
    const read = decodeJsonSnapshot(JSON.stringify(Object.fromEntries(SECRETS.map((m) => [m.name, m]))))!;
    expect(read.map((s) => s.metadata())).toEqual(SECRETS);
    expect(read.map((s) => s.pending)).toEqual(SECRETS.map((m) => m.plannedDeleteTime !== undefined));
  });

  test.each<[string, string]>([
    ['not JSON', '{"a": {"name": "a", "ty'],
    ['not an object', '[]'],
    ['an entry that is not metadata', '{"a": null}'],
    ['an entry under another name', JSON.stringify({ a: meta('b') })],
  ])('is refused when %s', (_what, text) => {
    expect(decodeJsonSnapshot(text)).toBeUndefined();
  });
});
