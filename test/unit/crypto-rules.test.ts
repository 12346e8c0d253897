/** The rules of the cryptographic operations (core/crypto-rules.ts), one rule a test. */
import { describe, expect, test } from '@jest/globals';
import { serviceErrorCode as codeOf } from '../support/core.js';
import {
  base64Param,
  dataKeyBytes,
  dataKeyLength,
  dataKeyText,
  digestParam,
  encryptAlgorithmFor,
  oaepMaxPlaintext,
  signAlgorithmFor,
  wrappingAlgorithm,
} from '../../src/core/crypto-rules.js';

describe('data key length', () => {
  test.each([
    { keySpec: undefined, bytes: undefined, length: 32, rule: 'neither given: 32 bytes' },
    { keySpec: 'AES_256', bytes: undefined, length: 32, rule: 'AES_256: 32 bytes' },
    { keySpec: 'AES_128', bytes: undefined, length: 16, rule: 'AES_128: 16 bytes' },
    { keySpec: 'AES_128', bytes: 64, length: 64, rule: 'NumberOfBytes wins over KeySpec' },
    { keySpec: undefined, bytes: 1, length: 1, rule: 'NumberOfBytes 1 is the least' },
    { keySpec: undefined, bytes: 1024, length: 1024, rule: 'NumberOfBytes 1024 is the most' },
  ])('$rule', ({ keySpec, bytes, length }) => {
    expect(dataKeyLength(keySpec, bytes)).toBe(length);
  });

  test.each([0, 1025, -1, 1.5])('NumberOfBytes %p is InvalidParameter', (bytes) => {
    expect(codeOf(() => dataKeyLength(undefined, bytes))).toBe('InvalidParameter');
  });

  test('an unknown KeySpec is InvalidParameter', () => {
    expect(codeOf(() => dataKeyLength('AES_512', undefined))).toBe('InvalidParameter');
  });
});

describe('algorithms by key spec', () => {
  test.each([
    ['RSA_2048', 'RSA_PSS_SHA_256'],
    ['RSA_2048', 'RSA_PKCS1_SHA_256'],
    ['RSA_3072', 'RSA_PSS_SHA_256'],
    ['RSA_3072', 'RSA_PKCS1_SHA_256'],
    ['EC_P256', 'ECDSA_SHA_256'],
    ['EC_P256K', 'ECDSA_SHA_256'],
  ])('%s signs with %s', (spec, algorithm) => {
    expect(signAlgorithmFor(spec, algorithm)).toBe(algorithm);
  });

  test.each([
    ['RSA_2048', 'ECDSA_SHA_256'],
    ['EC_P256', 'RSA_PSS_SHA_256'],
    ['EC_P256K', 'SM2DSA'],
    ['RSA_3072', 'rsa_pss_sha_256'],
  ])('%s does not sign with %s: InvalidParameter', (spec, algorithm) => {
    expect(codeOf(() => signAlgorithmFor(spec, algorithm))).toBe('InvalidParameter');
  });

  test('a symmetric key signs with nothing: UnsupportedOperation', () => {
    expect(codeOf(() => signAlgorithmFor('Aliyun_AES_256', 'RSA_PSS_SHA_256'))).toBe('UnsupportedOperation');
  });

  test.each([
    ['RSA_2048', 'RSAES_OAEP_SHA_256'],
    ['RSA_2048', 'RSAES_OAEP_SHA_1'],
    ['RSA_3072', 'RSAES_OAEP_SHA_256'],
  ])('%s encrypts with %s', (spec, algorithm) => {
    expect(encryptAlgorithmFor(spec, algorithm)).toBe(algorithm);
  });

  test('an EC key encrypts with nothing: UnsupportedOperation', () => {
    expect(codeOf(() => encryptAlgorithmFor('EC_P256', 'RSAES_OAEP_SHA_256'))).toBe('UnsupportedOperation');
  });

  test('SM2 wrapping is UnsupportedOperation; RSA_2048 with OAEP is taken', () => {
    expect(codeOf(() => wrappingAlgorithm('EC_SM2', 'SM2PKE'))).toBe('UnsupportedOperation');
    expect(wrappingAlgorithm('RSA_2048', 'RSAES_OAEP_SHA_1')).toBe('RSAES_OAEP_SHA_1');
  });

  test('OAEP capacity is k - 2·hLen - 2', () => {
    expect(oaepMaxPlaintext(256, 'RSAES_OAEP_SHA_256')).toBe(190);
    expect(oaepMaxPlaintext(256, 'RSAES_OAEP_SHA_1')).toBe(214);
    expect(oaepMaxPlaintext(384, 'RSAES_OAEP_SHA_256')).toBe(318);
  });
});

describe('base64 parameters', () => {
  test('a digest is the base64 of exactly 32 bytes', () => {
    expect(digestParam(Buffer.alloc(32, 7).toString('base64'))).toEqual(Buffer.alloc(32, 7));
    expect(codeOf(() => digestParam(Buffer.alloc(20).toString('base64')))).toBe('InvalidParameter');
    expect(codeOf(() => digestParam(Buffer.alloc(32).toString('hex')))).toBe('InvalidParameter');
  });

  test.each(['abc', 'ab$=', '====', 'YQ'])('%p is not base64: InvalidParameter', (text) => {
    expect(codeOf(() => base64Param('Value', text))).toBe('InvalidParameter');
  });

  test('base64 text over the limit is InvalidParameter', () => {
    expect(codeOf(() => base64Param('Plaintext', Buffer.alloc(11).toString('base64'), { max: 10 }))).toBe('InvalidParameter');
  });

  test('a data key round-trips through its base64 text; text that is not base64 holds no data key', () => {
    const key = Buffer.from('0123456789abcdef');
    expect(dataKeyBytes(dataKeyText(key))).toEqual(key);
    expect(codeOf(() => dataKeyBytes('hello world'))).toBe('InvalidParameter');
  });
});
