/**
 * A listing's vouch file (src/store/live-vouch.ts): read back only as it was written, under a MAC
 * that verifies; anything else is ignored, never trusted.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVouch, sameStamp, writeVouch, type LiveVouch, type Voucher } from '../../src/store/live-vouch.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-local-vouch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyed = (key: string): Voucher => ({
  vouch: (text) => createHmac('sha256', key).update(text).digest('base64'),
  vouches: (text, mac) => createHmac('sha256', key).update(text).digest('base64') === mac,
});
const VOUCHER = keyed('the key');
const VOUCH: LiveVouch = { snapshot: 'ab'.repeat(32), shards: Array.from({ length: 16 }, (_, i) => `mac-${i}`), dead: ['gone', 'we"ird\\name'] };

let n = 0;
const written = (vouch = VOUCH): string => {
  const path = join(dir, `live-${n++}`);
  writeVouch(path, vouch, VOUCHER);
  return path;
};

describe('a vouch', () => {
  test('reads back as written, and leaves no temp file', () => {
    const path = written();
    expect(readVouch(path, VOUCHER)).toEqual(VOUCH);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('a second write replaces the first', () => {
    const path = written();
    writeVouch(path, { ...VOUCH, dead: [] }, VOUCHER);
    expect(readVouch(path, VOUCHER)).toEqual({ ...VOUCH, dead: [] });
  });

  test.each<[string, (text: string) => string]>([
    ['its body changed under its MAC', (text) => text.replace('"gone"', '"kept"')],
    ['its MAC changed', (text) => text.replace(/\n(.)/, (_m, c: string) => `\n${c === 'A' ? 'B' : 'A'}`)],
    ['cut short', (text) => text.slice(0, -5)],
    ['without its last newline', (text) => text.slice(0, -1)],
    ['a line added', (text) => `${text}more\n`],
    ['empty', () => ''],
  ])('%s: ignored', (_what, change) => {
    const path = written();
    writeFileSync(path, change(readFileSync(path, 'utf8')));
    expect(readVouch(path, VOUCHER)).toBeUndefined();
  });

  test('under another key: ignored', () => {
    expect(readVouch(written(), keyed('another key'))).toBeUndefined();
  });

  test.each<[string, unknown]>([
    ['another version', { ...VOUCH, v: 2 }],
    ['no dead list', { v: 1, snapshot: VOUCH.snapshot, shards: VOUCH.shards }],
    ['a shard that is not a string', { v: 1, ...VOUCH, shards: [1] }],
  ])('a body of %s, under a MAC that verifies: ignored', (_what, value) => {
    const path = join(dir, `live-${n++}`);
    const body = JSON.stringify(value);
    writeFileSync(path, `${body}\n${VOUCHER.vouch(body)}\n`);
    expect(readVouch(path, VOUCHER)).toBeUndefined();
  });

  test('a missing file, or a folder in its place: none', () => {
    expect(readVouch(join(dir, 'missing'), VOUCHER)).toBeUndefined();
    expect(readVouch(dir, VOUCHER)).toBeUndefined();
  });

  test('stamps are the same only with the same MAC lines in the same order', () => {
    expect(sameStamp(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameStamp(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameStamp(['a', 'b'], ['a'])).toBe(false);
  });
});
