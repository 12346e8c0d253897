/**
 * Envelope encryption of secret values (docs/design.md §3): every version gets its own random data key;
 * the value is sealed with AES-256-GCM under that key, and the key is sealed under the master key.
 * Both seals bind the secret's name and version id as additional data, so a ciphertext copied
 * to another secret or version fails to open instead of returning the wrong value.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EncryptedPayload } from '../core/model.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(key: Buffer, sealed: string, aad: Buffer): Buffer {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new IntegrityError('a sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new IntegrityError('a sealed value failed authentication');
  }
}

const HKDF_SALT = Buffer.alloc(32);
const HKDF_FIRST_BLOCK = Buffer.from([1]);

/**
 * HKDF-SHA256 (RFC 5869) of the master key with an empty salt, for one 32-byte output: the
 * extract step (`hkdfExtract`) once per key, then the expand step's first and only block. Written
 * with HMAC because the first hkdfSync of a process costs about 0.3 ms more, on every command;
 * test/unit/envelope.test.ts holds it to hkdfSync's output.
 */
export function hkdfExtract(master: Buffer): Buffer {
  return createHmac('sha256', HKDF_SALT).update(master).digest();
}

export function hkdfExpand32(pseudoRandomKey: Buffer, info: string): Buffer {
  return createHmac('sha256', pseudoRandomKey).update(info).update(HKDF_FIRST_BLOCK).digest();
}

/** Everything that needs the master key goes through one Keyring. */
export class Keyring {
  readonly keyId: string;
  private readonly master: Buffer;
  private readonly macKey: Buffer;
  private readonly digestKey: Buffer;

  constructor(master: Buffer) {
    if (master.length !== 32) throw new Error('the master key must be 32 bytes');
    this.master = master;
    const extracted = hkdfExtract(master);
    this.macKey = hkdfExpand32(extracted, 'kms-local file mac');
    this.digestKey = hkdfExpand32(extracted, 'kms-local value digest');
    this.keyId = `key-local-${hkdfExpand32(extracted, 'kms-local key id').toString('hex').slice(0, 24)}`;
  }

  sealValue(secretName: string, versionId: string, plaintext: Buffer): EncryptedPayload {
    const aad = Buffer.from(`${secretName}\0${versionId}`, 'utf8');
    const dataKey = randomBytes(32);
    try {
      return {
        keyId: this.keyId,
        wrappedKey: seal(this.master, dataKey, aad),
        ciphertext: seal(dataKey, plaintext, aad),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  openValue(secretName: string, versionId: string, payload: EncryptedPayload): Buffer {
    const aad = Buffer.from(`${secretName}\0${versionId}`, 'utf8');
    const dataKey = open(this.master, payload.wrappedKey, aad);
    try {
      return open(dataKey, payload.ciphertext, aad);
    } finally {
      dataKey.fill(0);
    }
  }

  /** A keyed hash of a value: equal values of one secret compare equal, and nothing leaks. */
  digest(secretName: string, dataType: string, plaintext: Buffer): string {
    return createHmac('sha256', this.digestKey).update(`${secretName}\0${dataType}\0`).update(plaintext).digest('base64');
  }

  /**
   * The authentication code of a whole file, over its canonical text: a string (as UTF-8), or the
   * parts it is made of in order (strings as UTF-8, and bytes), so that a large file need not be
   * joined into one string first.
   */
  fileMac(canonicalText: string | readonly (string | Uint8Array)[]): string {
    const hmac = createHmac('sha256', this.macKey);
    if (typeof canonicalText === 'string') hmac.update(canonicalText, 'utf8');
    else for (const part of canonicalText) (typeof part === 'string' ? hmac.update(part, 'utf8') : hmac.update(part));
    return hmac.digest('base64');
  }

  /** Compares the text of the MAC, not its decoded bytes: base64 decoding skips stray characters. */
  verifyFileMac(canonicalText: string | readonly (string | Uint8Array)[], mac: string): boolean {
    const expected = Buffer.from(this.fileMac(canonicalText), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
