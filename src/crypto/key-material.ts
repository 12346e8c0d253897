/**
 * Key material of customer master keys, made with node:crypto: a raw AES key for symmetric specs,
 * a PKCS#8 DER private key for RSA and EC specs (the public key is derived from it). Also the random
 * ids of keys and key versions. The core never calls these: handlers pass their results in.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomInt, randomUUID, type KeyObject } from 'node:crypto';
import type { KeySpec } from '../core/keys.js';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `key-` and 24 random lowercase letters or digits, as the service's ids look (key-hzz62f1c...). */
export function newKeyId(): string {
  return `key-${Array.from({ length: 24 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;
}

export function newKeyVersionId(): string {
  return randomUUID();
}

const EC_CURVES: Partial<Record<KeySpec, string>> = { EC_P256: 'prime256v1', EC_P256K: 'secp256k1' };
const RSA_BITS: Partial<Record<KeySpec, number>> = { RSA_2048: 2048, RSA_3072: 3072 };
const AES_BYTES: Partial<Record<KeySpec, number>> = { Aliyun_AES_256: 32, Aliyun_AES_128: 16 };

/** Fresh material for `spec`. The caller seals it and zeroes the buffer. */
export function generateKeyMaterial(spec: KeySpec): Buffer {
  const aes = AES_BYTES[spec];
  if (aes !== undefined) return randomBytes(aes);
  const bits = RSA_BITS[spec];
  if (bits !== undefined) {
    return generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 }).privateKey.export({ type: 'pkcs8', format: 'der' });
  }
  const curve = EC_CURVES[spec];
  if (curve !== undefined) {
    return generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ type: 'pkcs8', format: 'der' });
  }
  throw new Error(`no key material generator for ${spec}`);
}

/** The private key of an RSA or EC material (PKCS#8 DER). */
export function privateKeyOf(material: Buffer): KeyObject {
  return createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
}

/** The public key of an RSA or EC material, as a PEM SubjectPublicKeyInfo (what openssl reads). */
export function publicKeyPem(material: Buffer): string {
  return createPublicKey(privateKeyOf(material)).export({ type: 'spki', format: 'pem' }).toString();
}
