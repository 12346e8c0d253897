/**
 * Envelope encryption under a customer master key's material (an AES-256 or AES-128 key): a fresh
 * data key seals the value with AES-GCM, and the key's material seals the data key. Both bind the
 * given additional data. Used for secrets whose EncryptionKeyId is a key of the region: the result
 * is then sealed again under the master key like any value, so rekey moves it unchanged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrityError } from './envelope.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

function algorithmFor(key: Buffer): 'aes-256-gcm' | 'aes-128-gcm' {
  if (key.length === 32) return 'aes-256-gcm';
  if (key.length === 16) return 'aes-128-gcm';
  throw new Error(`an AES key of ${key.length} bytes cannot seal`);
}

export function aesGcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(algorithmFor(key), key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function aesGcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new IntegrityError('a sealed value is truncated');
  const decipher = createDecipheriv(algorithmFor(key), key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new IntegrityError('a value sealed under a customer key failed authentication');
  }
}

/** A value sealed under one version of a key: which key and version, the wrapped data key, the body. */
export interface KeySealed {
  keyId: string;
  keyVersionId: string;
  wrappedKey: string;
  ciphertext: string;
}

export function sealUnderKey(material: Buffer, keyId: string, keyVersionId: string, plaintext: Buffer, aad: Buffer): KeySealed {
  const dataKey = randomBytes(32);
  try {
    return {
      keyId,
      keyVersionId,
      wrappedKey: aesGcmSeal(material, dataKey, aad).toString('base64'),
      ciphertext: aesGcmSeal(dataKey, plaintext, aad).toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

export function openUnderKey(material: Buffer, sealed: KeySealed, aad: Buffer): Buffer {
  const dataKey = aesGcmOpen(material, Buffer.from(sealed.wrappedKey, 'base64'), aad);
  try {
    return aesGcmOpen(dataKey, Buffer.from(sealed.ciphertext, 'base64'), aad);
  } finally {
    dataKey.fill(0);
  }
}
