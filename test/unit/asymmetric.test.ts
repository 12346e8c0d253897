/**
 * Asymmetric primitives on a precomputed digest (src/crypto/asymmetric.ts), checked against
 * node:crypto's own sign/verify of the message, which hash it themselves: a signature made here
 * must verify there and the other way round, for every algorithm and key spec the service has.
 */
import { describe, expect, test } from '@jest/globals';
import { constants, createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { modulusBytes, oaepDecrypt, oaepEncrypt, signDigest, verifyDigest } from '../../src/crypto/asymmetric.js';
import type { SignAlgorithm } from '../../src/core/crypto-rules.js';

const MESSAGE = Buffer.from('the message to sign, hashed by the caller');
const DIGEST = createHash('sha256').update(MESSAGE).digest();

type Pair = { privateKey: KeyObject; publicKey: KeyObject };
const keys: Record<string, Pair> = {
  RSA_2048: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  RSA_3072: generateKeyPairSync('rsa', { modulusLength: 3072 }),
  EC_P256: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  EC_P256K: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
};

/** How node:crypto verifies (and makes) a signature of each algorithm. */
function nodeKey(key: KeyObject, algorithm: SignAlgorithm) {
  return algorithm === 'RSA_PSS_SHA_256'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
    : { key };
}

const cases: { spec: string; algorithm: SignAlgorithm }[] = [
  { spec: 'RSA_2048', algorithm: 'RSA_PSS_SHA_256' },
  { spec: 'RSA_2048', algorithm: 'RSA_PKCS1_SHA_256' },
  { spec: 'RSA_3072', algorithm: 'RSA_PSS_SHA_256' },
  { spec: 'RSA_3072', algorithm: 'RSA_PKCS1_SHA_256' },
  { spec: 'EC_P256', algorithm: 'ECDSA_SHA_256' },
  { spec: 'EC_P256K', algorithm: 'ECDSA_SHA_256' },
];

describe.each(cases)('$algorithm with $spec', ({ spec, algorithm }) => {
  const { privateKey, publicKey } = keys[spec]!;

  test('a signature of the digest verifies with node:crypto against the message', () => {
    const signature = signDigest(privateKey, algorithm, DIGEST);
    expect(verify('sha256', MESSAGE, nodeKey(publicKey, algorithm), signature)).toBe(true);
  });

  test('a signature node:crypto made of the message verifies against its digest', () => {
    const signature = sign('sha256', MESSAGE, nodeKey(privateKey, algorithm));
    expect(verifyDigest(privateKey, algorithm, DIGEST, signature)).toBe(true);
  });

  test('a signature with one bit flipped does not verify', () => {
    const signature = signDigest(privateKey, algorithm, DIGEST);
    for (const at of [0, 5, signature.length - 1]) {
      const bad = Buffer.from(signature);
      bad[at]! ^= 0x01;
      expect(verifyDigest(privateKey, algorithm, DIGEST, bad)).toBe(false);
    }
  });

  test('a signature of another digest does not verify', () => {
    const other = createHash('sha256').update('another message').digest();
    expect(verifyDigest(privateKey, algorithm, other, signDigest(privateKey, algorithm, DIGEST))).toBe(false);
  });

  test('a signature by another key of the same spec does not verify', () => {
    const other = spec.startsWith('RSA')
      ? generateKeyPairSync('rsa', { modulusLength: spec === 'RSA_2048' ? 2048 : 3072 })
      : generateKeyPairSync('ec', { namedCurve: spec === 'EC_P256' ? 'prime256v1' : 'secp256k1' });
    expect(verifyDigest(privateKey, algorithm, DIGEST, signDigest(other.privateKey, algorithm, DIGEST))).toBe(false);
  });

  test('garbage of any length is not a signature (and does not throw)', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from([0x30, 0x00]), Buffer.alloc(64, 0xff), Buffer.alloc(modulusOrZero(publicKey), 0xff)]) {
      expect(verifyDigest(privateKey, algorithm, DIGEST, bytes)).toBe(false);
    }
  });
});

function modulusOrZero(key: KeyObject): number {
  return key.asymmetricKeyType === 'rsa' ? modulusBytes(key) : 72;
}

describe('ECDSA signatures', () => {
  test('are DER SEQUENCEs of two INTEGERs, and two signatures of one digest differ (random nonce)', () => {
    const a = signDigest(keys.EC_P256!.privateKey, 'ECDSA_SHA_256', DIGEST);
    const b = signDigest(keys.EC_P256!.privateKey, 'ECDSA_SHA_256', DIGEST);
    expect(a[0]).toBe(0x30);
    expect(a[1]).toBe(a.length - 2);
    expect(a[2]).toBe(0x02);
    expect(a.equals(b)).toBe(false);
  });
});

describe('RSAES-OAEP', () => {
  const { privateKey, publicKey } = keys.RSA_2048!;

  test.each(['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'] as const)('%s round-trips and refuses the other hash', (algorithm) => {
    const ciphertext = oaepEncrypt(publicKey, algorithm, Buffer.from('data key bytes'));
    expect(ciphertext).toHaveLength(256);
    expect(oaepDecrypt(privateKey, algorithm, ciphertext)?.toString()).toBe('data key bytes');
    const other = algorithm === 'RSAES_OAEP_SHA_256' ? 'RSAES_OAEP_SHA_1' : 'RSAES_OAEP_SHA_256';
    expect(oaepDecrypt(privateKey, other, ciphertext)).toBeUndefined();
  });

  test('a ciphertext of another key does not decrypt', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(oaepDecrypt(privateKey, 'RSAES_OAEP_SHA_256', oaepEncrypt(other.publicKey, 'RSAES_OAEP_SHA_256', Buffer.from('x')))).toBeUndefined();
  });
});
