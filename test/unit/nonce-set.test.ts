/** The in-memory set of one minute's spent nonces (src/server/nonce-set.ts). */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { NonceSet } from '../../src/server/nonce-set.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

describe('NonceSet', () => {
  test('a hash added is there, with the writer of its first line; one never added is not', () => {
    const set = new NonceSet();
    set.add(digest('a'), 0, true);
    set.add(digest('b'), 0, false);
    expect([set.has(digest('a')), set.has(digest('b')), set.has(digest('c'))]).toEqual([true, true, false]);
    expect([set.firstIsMine(digest('a')), set.firstIsMine(digest('b')), set.firstIsMine(digest('c'))]).toEqual([true, false, undefined]);
    expect(set.size).toBe(2);
  });

  test('a second line for a hash does not change who wrote the first', () => {
    const set = new NonceSet();
    set.add(digest('a'), 0, false);
    set.add(digest('a'), 0, true);
    expect(set.firstIsMine(digest('a'))).toBe(false);
    expect(set.size).toBe(1);
  });

  test('hashes that differ only in their last compared word are different nonces', () => {
    const set = new NonceSet();
    const one = Buffer.alloc(16, 7);
    const other = Buffer.from(one);
    other[15] = 8;
    set.add(one, 0, true);
    expect(set.has(other)).toBe(false);
    // Bytes past the first 16 are not part of the key.
    const longer = Buffer.concat([one, Buffer.from([1, 2, 3])]);
    expect(set.has(longer)).toBe(true);
  });

  test('the hash is read at the offset given', () => {
    const set = new NonceSet();
    const framed = Buffer.concat([Buffer.from('xyz'), digest('a')]);
    set.add(framed, 3, true);
    expect(set.has(digest('a'))).toBe(true);
  });

  test('every hash is kept, with its writer, as the table grows far past its first size', () => {
    const set = new NonceSet();
    const count = 50_000;
    for (let i = 0; i < count; i++) set.add(digest(`n${i}`), 0, i % 3 === 0);
    expect(set.size).toBe(count);
    for (let i = 0; i < count; i++) expect(set.firstIsMine(digest(`n${i}`))).toBe(i % 3 === 0);
    expect(set.has(digest(`n${count}`))).toBe(false);
  });

  test('hashes that share their first word (one table slot) are kept apart', () => {
    const set = new NonceSet();
    const hashes = Array.from({ length: 40 }, (_, i) => {
      const h = Buffer.alloc(16);
      h.writeUInt32LE(12345, 0);
      h.writeUInt32LE(i, 12);
      return h;
    });
    hashes.forEach((h, i) => set.add(h, 0, i % 2 === 0));
    expect(hashes.map((h) => set.firstIsMine(h))).toEqual(hashes.map((_, i) => i % 2 === 0));
  });
});
