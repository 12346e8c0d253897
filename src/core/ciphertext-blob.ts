/**
 * The CiphertextBlob of kms-local's symmetric operations (Encrypt, GenerateDataKey, ReEncrypt ...),
 * as bytes before base64:
 *
 *   0x01                          format version
 *   u8 n, n bytes                 key id (UTF-8), so Decrypt needs no KeyId
 *   u8 m, m bytes                 key version id (UTF-8), so old versions still decrypt after rotation
 *   12 bytes                      AES-GCM IV
 *   16 bytes                      AES-GCM tag
 *   rest                          AES-GCM ciphertext
 *
 * The authenticated data of the AES-GCM seal is the header (version, key id, key version id)
 * followed by the canonical EncryptionContext: a blob whose header was edited, or a Decrypt with
 * another context, fails authentication. This module only lays the bytes out; the sealing itself
 * is src/crypto/symmetric.ts.
 */
import { invalidParameter } from '../errors/errors.js';
import { canonicalContext, type EncryptionContext } from './encryption-context.js';

export const BLOB_FORMAT_VERSION = 0x01;
export const BLOB_IV_BYTES = 12;
export const BLOB_TAG_BYTES = 16;
const NAME_MAX_BYTES = 255;

export interface BlobHeader {
  keyId: string;
  keyVersionId: string;
}

export interface CiphertextBlob extends BlobHeader {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function name(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0 || bytes.length > NAME_MAX_BYTES) throw new Error(`a ${what} of ${bytes.length} bytes cannot be put in a ciphertext`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** The header bytes: format version, key id, key version id. */
export function encodeHeader(header: BlobHeader): Buffer {
  return Buffer.concat([Buffer.from([BLOB_FORMAT_VERSION]), name(header.keyId, 'key id'), name(header.keyVersionId, 'key version id')]);
}

/** What AES-GCM authenticates besides the ciphertext: the header, then the canonical context. */
export function authenticatedData(header: BlobHeader, context: EncryptionContext | undefined): Buffer {
  return Buffer.concat([encodeHeader(header), Buffer.from(canonicalContext(context), 'utf8')]);
}

export function encodeBlob(blob: CiphertextBlob): string {
  if (blob.iv.length !== BLOB_IV_BYTES || blob.tag.length !== BLOB_TAG_BYTES) throw new Error('IV or tag of the wrong length');
  return Buffer.concat([encodeHeader(blob), blob.iv, blob.tag, blob.ciphertext]).toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function notABlob(why: string): Error {
  return invalidParameter(`CiphertextBlob is not a ciphertext of a symmetric key: ${why}.`);
}

/**
 * Reads a CiphertextBlob parameter. Anything that is not this format (not base64, another format
 * version, truncated) is InvalidParameter; whether it opens is decided by the seal.
 */
export function decodeBlob(text: string): CiphertextBlob {
  const trimmed = text.trim();
  if (trimmed.length % 4 !== 0 || !BASE64.test(trimmed)) throw notABlob('it is not base64 text');
  const raw = Buffer.from(trimmed, 'base64');
  let at = 0;
  const take = (n: number, what: string): Buffer => {
    if (at + n > raw.length) throw notABlob(`it ends before its ${what}`);
    const part = raw.subarray(at, at + n);
    at += n;
    return part;
  };
  const version = take(1, 'format version')[0];
  if (version !== BLOB_FORMAT_VERSION) throw notABlob(`format version ${version} is unknown`);
  const text8 = (what: string): string => {
    const length = take(1, what)[0]!;
    if (length === 0) throw notABlob(`its ${what} is empty`);
    return take(length, what).toString('utf8');
  };
  const keyId = text8('key id');
  const keyVersionId = text8('key version id');
  const iv = take(BLOB_IV_BYTES, 'IV');
  const tag = take(BLOB_TAG_BYTES, 'tag');
  return { keyId, keyVersionId, iv, tag, ciphertext: raw.subarray(at) };
}
