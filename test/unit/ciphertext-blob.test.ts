/**
 * The symmetric CiphertextBlob (core/ciphertext-blob.ts, crypto/symmetric.ts) and the
 * EncryptionContext it binds (core/encryption-context.ts): one rule a test.
 */
import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { serviceErrorCode as codeOf } from '../support/core.js';
import { BLOB_FORMAT_VERSION, decodeBlob, encodeBlob } from '../../src/core/ciphertext-blob.js';
import { canonicalContext, parseEncryptionContext } from '../../src/core/encryption-context.js';
import { openBlob, sealBlob } from '../../src/crypto/symmetric.js';

const KEY_ID = 'key-hzz62f1cb66fa42qo0000000';
const VERSION = '2ab1a983-7072-4bbc-a582-584b5bd80000';
const header = { keyId: KEY_ID, keyVersionId: VERSION };
const aes256 = randomBytes(32);
const aes128 = randomBytes(16);
const plain = Buffer.from('database password');

describe('the blob names its key and key version', () => {
  test.each([
    { name: 'AES-256 material', material: aes256 },
    { name: 'AES-128 material', material: aes128 },
  ])('$name: the decoded header gives back the key id and version id', ({ material }) => {
    const blob = decodeBlob(sealBlob(material, header, plain, undefined));
    expect(blob.keyId).toBe(KEY_ID);
    expect(blob.keyVersionId).toBe(VERSION);
    expect(blob.iv).toHaveLength(12);
    expect(blob.tag).toHaveLength(16);
    expect(openBlob(material, blob, undefined)?.toString()).toBe('database password');
  });

  test('the first byte is the format version', () => {
    expect(Buffer.from(sealBlob(aes256, header, plain, undefined), 'base64')[0]).toBe(BLOB_FORMAT_VERSION);
  });

  test('two seals of one plaintext differ (fresh IV)', () => {
    expect(sealBlob(aes256, header, plain, undefined)).not.toBe(sealBlob(aes256, header, plain, undefined));
  });

  test('encode(decode(blob)) is the blob', () => {
    const text = sealBlob(aes256, header, plain, { a: 'b' });
    expect(encodeBlob(decodeBlob(text))).toBe(text);
  });
});

describe('authentication', () => {
  const context = { tenant: 'acme', purpose: 'backup' };
  const text = sealBlob(aes256, header, plain, context);

  test('the same context in another key order opens it', () => {
    expect(openBlob(aes256, decodeBlob(text), { purpose: 'backup', tenant: 'acme' })?.toString()).toBe('database password');
  });

  test.each<{ name: string; given: Record<string, string> | undefined }>([
    { name: 'no context', given: undefined },
    { name: 'an empty context', given: {} },
    { name: 'a changed value', given: { tenant: 'acme', purpose: 'Backup' } },
    { name: 'a missing entry', given: { tenant: 'acme' } },
    { name: 'an extra entry', given: { ...context, more: '1' } },
  ])('$name does not open a blob sealed with a context', ({ given }) => {
    expect(openBlob(aes256, decodeBlob(text), given)).toBeUndefined();
  });

  test('no context and {} are the same context', () => {
    expect(openBlob(aes256, decodeBlob(sealBlob(aes256, header, plain, undefined)), {})?.toString()).toBe('database password');
  });

  test('another key material does not open it', () => {
    expect(openBlob(randomBytes(32), decodeBlob(text), context)).toBeUndefined();
  });

  test('an edited header (another version id of the same length) does not open it', () => {
    const blob = decodeBlob(text);
    expect(openBlob(aes256, { ...blob, keyVersionId: VERSION.replace(/0000$/, '0001') }, context)).toBeUndefined();
  });

  test('a flipped byte anywhere after the header does not open it', () => {
    const raw = Buffer.from(text, 'base64');
    const headerBytes = 1 + 1 + KEY_ID.length + 1 + VERSION.length;
    for (let at = headerBytes; at < raw.length; at += 3) {
      const bad = Buffer.from(raw);
      bad[at]! ^= 0x40;
      expect(openBlob(aes256, decodeBlob(bad.toString('base64')), context)).toBeUndefined();
    }
  });
});

describe('decodeBlob refuses what is not a blob with InvalidParameter', () => {
  const good = Buffer.from(sealBlob(aes256, header, plain, undefined), 'base64');
  test.each([
    { name: 'text that is not base64', text: 'not base64!' },
    { name: 'base64 without its padding', text: good.toString('base64').replace(/=+$/, '') + 'A' },
    { name: 'an empty string', text: '' },
    { name: 'another format version', text: Buffer.concat([Buffer.from([2]), good.subarray(1)]).toString('base64') },
    { name: 'a blob cut inside its header', text: good.subarray(0, 10).toString('base64') },
    { name: 'a blob cut inside its tag', text: good.subarray(0, good.length - plain.length - 4).toString('base64') },
    { name: 'an empty key id', text: Buffer.from([1, 0, 0]).toString('base64') },
  ])('$name', ({ text }) => {
    expect(codeOf(() => decodeBlob(text))).toBe('InvalidParameter');
  });
});

describe('EncryptionContext', () => {
  test('canonical text sorts keys and has no whitespace', () => {
    expect(canonicalContext({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
  });

  test('absent and {} canonicalise to nothing', () => {
    expect(canonicalContext(undefined)).toBe('');
    expect(canonicalContext({})).toBe('');
  });

  test('keys and values are JSON-escaped, so no two contexts share a text', () => {
    expect(canonicalContext({ 'a":"b': 'c' })).not.toBe(canonicalContext({ a: 'b":"c' }));
  });

  test.each([
    { name: 'an array', value: ['a'] },
    { name: 'a string', value: 'a=b' },
    { name: 'null', value: null },
    { name: 'a number value', value: { a: 1 } },
    { name: 'a nested object', value: { a: { b: 'c' } } },
    { name: 'more than 8192 bytes', value: { a: 'x'.repeat(8192) } },
  ])('$name is InvalidParameter', ({ value }) => {
    expect(codeOf(() => parseEncryptionContext(value, 'EncryptionContext'))).toBe('InvalidParameter');
  });

  test('an object of strings is taken as it is', () => {
    expect(parseEncryptionContext({ k: 'v', e: '' }, 'EncryptionContext')).toEqual({ k: 'v', e: '' });
  });
});
