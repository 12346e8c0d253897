/** The byte codec of nonce log lines (src/server/nonce-line.ts), checked against Buffer's own base64url. */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { HASH_BYTES, HASH_CHARS, isWriterId, parseLine, readHash, writeHashChars } from '../../src/server/nonce-line.js';

const digests = Array.from({ length: 500 }, (_, i) => createHash('sha256').update(`nonce-${i}`).digest());
// Every 6-bit value in every position at least once, and the extremes.
digests.push(Buffer.alloc(32, 0), Buffer.alloc(32, 0xff), Buffer.alloc(32, 0xfb), Buffer.alloc(32, 0xbf));

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('nonce log lines', () => {
  test('the hash characters written are the first 22 of the digest in base64url', () => {
    for (const digest of digests) {
      const out = Buffer.alloc(HASH_CHARS);
      writeHashChars(digest, out);
      expect(out.toString('latin1')).toBe(digest.toString('base64url').slice(0, HASH_CHARS));
    }
  });

  test('22 characters read back are the digest first 16 bytes (as Buffer decodes them)', () => {
    for (const digest of digests) {
      const text = digest.toString('base64url').slice(0, HASH_CHARS);
      const out = new Uint8Array(HASH_BYTES);
      expect(readHash(bytes(text), 0, out)).toBe(true);
      expect(Buffer.from(out)).toEqual(digest.subarray(0, HASH_BYTES));
      expect(Buffer.from(out)).toEqual(Buffer.from(text, 'base64url'));
    }
  });

  test('a hash with a character outside base64url is refused', () => {
    for (const bad of ['+', '/', '=', ' ', '.', '\n', '\u00ff']) {
      const text = `${'A'.repeat(10)}${bad}${'A'.repeat(11)}`;
      expect(readHash(bytes(text), 0, new Uint8Array(HASH_BYTES))).toBe(false);
    }
  });

  test.each([
    ['1a2b.0123456789ab', true],
    ['0.000000000000', true],
    ['0123456789abcdef.0123456789ab', true],
    ['0123456789abcdef0.0123456789ab', false], // 17 digits before the dot
    ['.0123456789ab', false],
    ['1a2b.0123456789a', false],
    ['1a2b.0123456789abc', false],
    ['1A2B.0123456789ab', false],
    ['1a2b-0123456789ab', false],
    ['1a2b.0123456789ag', false],
  ])('writer id %s: %s', (id, valid) => {
    expect(isWriterId(bytes(id), 0, id.length)).toBe(valid);
  });

  test('a line is a hash, one space and a writer id, and nothing else', () => {
    const hash = digests[0]!.toString('base64url').slice(0, HASH_CHARS);
    const out = new Uint8Array(HASH_BYTES);
    const parse = (line: string) => parseLine(bytes(line), 0, line.length, out);
    expect(parse(`${hash} 1a2b.0123456789ab`)).toBe(HASH_CHARS + 1);
    expect(Buffer.from(out)).toEqual(digests[0]!.subarray(0, HASH_BYTES));
    expect(parse(`${hash}  1a2b.0123456789ab`)).toBe(-1);
    expect(parse(`${hash} 1a2b.0123456789ab `)).toBe(-1);
    expect(parse(`${hash.slice(1)} 1a2b.0123456789ab`)).toBe(-1);
    expect(parse(`${hash}x 1a2b.0123456789ab`)).toBe(-1);
    expect(parse(`${hash}\r1a2b.0123456789ab`)).toBe(-1);
    expect(parse('')).toBe(-1);
  });
});
