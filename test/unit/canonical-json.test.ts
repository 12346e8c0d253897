/**
 * canonicalJson (src/store/secret-file.ts) is what every file MAC is computed over: a change to its
 * text would make every existing file fail its check. It is held here to the form it had when those
 * files were written (entry pairs sorted by key, then Object.fromEntries).
 */
import { describe, expect, test } from '@jest/globals';
import { canonicalJson, encodeStampedSecretFile, inKeyOrder } from '../../src/store/secret-file.js';
import { Keyring } from '../../src/crypto/envelope.js';
import type { SecretRecord } from '../../src/core/model.js';

function pairForm(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

describe('canonicalJson gives the text of the pair form', () => {
  test.each([
    ['a flat object', { b: 1, a: 'x', c: null }],
    ['nested objects and arrays of objects', { z: [{ y: 1, x: 2 }, { b: [3, { d: 4, c: 5 }] }], a: { q: true, p: false } }],
    ['integer-like keys, which JSON puts first', { b: 1, 10: 2, a: 3, 2: 4, '01': 5 }],
    ['keys differing only in case and non-ASCII keys', { b: 1, B: 2, é: 3, Z: 4, _: 5, '-': 6 }],
    ['undefined values and functions, left out', { a: undefined, b: () => 1, c: 1 }],
    ['undefined in an array, written null', { a: [undefined, 1] }],
    ['numbers, NaN and Infinity', { n: 1.5, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, neg: -0 }],
    ['a __proto__ key from JSON', JSON.parse('{"b":1,"__proto__":{"y":1,"x":2},"a":2}')],
    ['an empty object and an empty array', { a: {}, b: [] }],
    ['a string at the top', 'text'],
  ])('%s', (_what, value) => {
    expect(canonicalJson(value)).toBe(pairForm(value));
  });

  test('a secret file body', () => {
    const body = {
      schemaVersion: 1,
      region: 'cn-hangzhou',
      generation: 3,
      secret: {
        name: 'app/db',
        type: 'Generic',
        description: '',
        createTime: '2026-03-01T08:00:00Z',
        updateTime: '2026-03-01T08:00:00Z',
        encryptionKeyId: 'key-local-0',
        tags: [{ TagKey: 'team', TagValue: 'a' }],
        extendedConfig: { 7: 'x', dbName: 'y' },
        versions: [{ versionId: 'v1', createTime: '2026-03-01T08:00:00Z', stages: ['ACSCurrent'], dataType: 'text', digest: 'd', payload: { keyId: 'k', wrappedKey: 'w', ciphertext: 'c' } }],
      },
    };
    expect(canonicalJson(body)).toBe(pairForm(body));
  });
});

describe('inKeyOrder', () => {
  test('a value whose objects are all in key order is returned as it is, not copied', () => {
    const value = { a: 1, b: [{ c: 2, d: { e: 3 } }, 'x'], f: null };
    expect(inKeyOrder(value, '')).toBe(value);
  });

  test('only the objects out of order, and what holds them, are copied', () => {
    const kept = { p: 1, q: 2 };
    const value = { a: kept, b: [{ z: 1, y: 2 }] };
    const ordered = inKeyOrder(value, '') as typeof value;
    expect(ordered).not.toBe(value);
    expect(ordered.a).toBe(kept);
    expect(Object.keys(ordered.b[0]!)).toEqual(['y', 'z']);
    expect(Object.keys(value.b[0]!)).toEqual(['z', 'y']);
  });

  test('a secret file as written reads back in key order: its check copies nothing', () => {
    const keys = new Keyring(Buffer.alloc(32, 4));
    const secret = {
      name: 'app/db',
      type: 'Generic',
      description: '',
      createTime: '2026-03-01T08:00:00Z',
      updateTime: '2026-03-01T08:00:00Z',
      encryptionKeyId: keys.keyId,
      tags: [{ TagKey: 'team', TagValue: 'a' }],
      // As a version is made (putVersion): its fields in the order the code writes them.
      versions: [{ versionId: 'v1', createTime: '2026-03-01T08:00:00Z', stages: ['ACSCurrent'], dataType: 'text', digest: keys.digest('app/db', 'text', Buffer.from('x')), payload: keys.sealValue('app/db', 'v1', Buffer.from('x')) }],
    };
    const { text } = encodeStampedSecretFile(secret as unknown as SecretRecord, 'cn-hangzhou', keys, 1);
    const { mac: _mac, ...body } = JSON.parse(text) as Record<string, unknown>;
    expect(inKeyOrder(body, '')).toBe(body);
  });
});
