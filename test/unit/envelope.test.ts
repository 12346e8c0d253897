/**
 * The Keyring's key derivation (src/crypto/envelope.ts) is HKDF-SHA256 written with HMAC for speed:
 * it must give exactly what node's hkdfSync gives, or every home's key id and file MACs change.
 */
import { describe, expect, test } from '@jest/globals';
import { hkdfSync, randomBytes } from 'node:crypto';
import { hkdfExpand32, hkdfExtract, Keyring } from '../../src/crypto/envelope.js';

const reference = (master: Buffer, info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));

describe('key derivation', () => {
  test.each([
    ['file mac', 'kms-local file mac'],
    ['value digest', 'kms-local value digest'],
    ['key id', 'kms-local key id'],
    ['non-ASCII info', 'kms-local clé'],
  ])('extract then expand equals hkdfSync for %s', (_what, info) => {
    for (let i = 0; i < 50; i++) {
      const master = randomBytes(32);
      expect(hkdfExpand32(hkdfExtract(master), info).equals(reference(master, info))).toBe(true);
    }
  });

  test('a known master key keeps the key id it had under hkdfSync (homes made before keep theirs)', () => {
    expect(new Keyring(Buffer.alloc(32, 9)).keyId).toBe('key-local-c1ac93c7cbf89f508afe117b');
  });
});

describe('file MAC over parts', () => {
  const keys = new Keyring(Buffer.alloc(32, 3));
  test.each([
    ['strings', ['kms-local manifest\n', '{"v":2}', '\n["a",{"g":1}]\n']],
    ['a string and bytes', ['kms-local manifest\n', Buffer.from('{"v":2}\n["a",{"g":1}]\n')]],
    ['non-ASCII text split across parts', ['clé ', Buffer.from('ünïcode', 'utf8'), ' ☃']],
    ['no parts', []],
  ])('the MAC of %s is the MAC of their text joined (a shard read as bytes checks as before)', (_what, parts) => {
    const joined = parts.map((part) => (typeof part === 'string' ? part : part.toString('utf8'))).join('');
    expect(keys.fileMac(parts)).toBe(keys.fileMac(joined));
    expect(keys.verifyFileMac(parts, keys.fileMac(joined))).toBe(true);
  });

  test('a part changed changes the MAC', () => {
    expect(keys.fileMac(['kms-local manifest\n', Buffer.from('x')])).not.toBe(keys.fileMac(['kms-local manifest\n', Buffer.from('y')]));
  });
});
