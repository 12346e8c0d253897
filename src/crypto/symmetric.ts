/**
 * AES-GCM under a symmetric key version's material (16 bytes: AES-128, 32 bytes: AES-256), in the
 * CiphertextBlob format of src/core/ciphertext-blob.ts. A fresh random IV per seal; the header
 * and the canonical EncryptionContext are the authenticated data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { authenticatedData, BLOB_IV_BYTES, BLOB_TAG_BYTES, encodeBlob, type BlobHeader, type CiphertextBlob } from '../core/ciphertext-blob.js';
import type { EncryptionContext } from '../core/encryption-context.js';

function cipherName(material: Buffer): 'aes-128-gcm' | 'aes-256-gcm' {
  if (material.length === 16) return 'aes-128-gcm';
  if (material.length === 32) return 'aes-256-gcm';
  throw new Error(`symmetric key material of ${material.length} bytes`);
}

/** Seals `plaintext` under `material` (the version named by `header`) and returns the base64 blob. */
export function sealBlob(material: Buffer, header: BlobHeader, plaintext: Buffer, context: EncryptionContext | undefined): string {
  const iv = randomBytes(BLOB_IV_BYTES);
  const cipher = createCipheriv(cipherName(material), material, iv, { authTagLength: BLOB_TAG_BYTES });
  cipher.setAAD(authenticatedData(header, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return encodeBlob({ ...header, iv, tag: cipher.getAuthTag(), ciphertext });
}

/**
 * Opens a decoded blob with the material of the version it names. Undefined when it does not
 * authenticate: another EncryptionContext, an altered blob, or material of another key.
 */
export function openBlob(material: Buffer, blob: CiphertextBlob, context: EncryptionContext | undefined): Buffer | undefined {
  const decipher = createDecipheriv(cipherName(material), material, blob.iv, { authTagLength: BLOB_TAG_BYTES });
  decipher.setAAD(authenticatedData(blob, context));
  decipher.setAuthTag(blob.tag);
  try {
    return Buffer.concat([decipher.update(blob.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Random bytes of a data key (GenerateDataKey and friends). The caller zeroes them after use. */
export function newDataKey(bytes: number): Buffer {
  return randomBytes(bytes);
}
