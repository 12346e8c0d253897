/**
 * The rules of the cryptographic operations, as pure functions: which algorithm a key spec takes,
 * how long a data key is, what a digest must look like, and the base64 conventions of the service
 * (reference: aliyun-openapi-meta zh-CN/kms/*.json and the AlibabaCloudDocs/kms API reference):
 *
 * - Encrypt's Plaintext is a string; Decrypt returns exactly that string (the service documents it
 *   as base64 text, and a caller who sends base64 gets base64 back).
 * - A data key's Plaintext is the base64 of its bytes, and Decrypt of its CiphertextBlob returns that
 *   base64 text: the symmetric blob of a data key seals the base64 text.
 * - Digest, signature Value, AsymmetricEncrypt's Plaintext, AsymmetricDecrypt's CiphertextBlob and
 *   PublicKeyBlob are base64 of bytes.
 */
import { invalidParameter, ServiceError } from '../errors/errors.js';

/** Encrypt takes "up to 6 KB of arbitrary data" (Encrypt reference). */
export const ENCRYPT_PLAINTEXT_MAX_BYTES = 6144;
/** GenerateDataKey's NumberOfBytes: 1 to 1024. */
export const DATA_KEY_BYTES = { min: 1, max: 1024 } as const;
export const DATA_KEY_SPECS = { AES_256: 32, AES_128: 16 } as const;
export type DataKeySpec = keyof typeof DATA_KEY_SPECS;

/**
 * The length of a data key: NumberOfBytes when given (KeySpec is then ignored, as the service
 * documents), else the KeySpec's length, else 32 bytes.
 */
export function dataKeyLength(keySpec: string | undefined, numberOfBytes: number | undefined): number {
  if (numberOfBytes !== undefined) {
    if (!Number.isInteger(numberOfBytes) || numberOfBytes < DATA_KEY_BYTES.min || numberOfBytes > DATA_KEY_BYTES.max) {
      throw invalidParameter(`NumberOfBytes must be an integer from ${DATA_KEY_BYTES.min} to ${DATA_KEY_BYTES.max}.`);
    }
    return numberOfBytes;
  }
  if (keySpec === undefined) return DATA_KEY_SPECS.AES_256;
  if (!Object.hasOwn(DATA_KEY_SPECS, keySpec)) throw invalidParameter(`KeySpec must be one of: ${Object.keys(DATA_KEY_SPECS).join(', ')}.`);
  return DATA_KEY_SPECS[keySpec as DataKeySpec];
}

export const SIGN_ALGORITHMS = ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256', 'ECDSA_SHA_256'] as const;
export type SignAlgorithm = (typeof SIGN_ALGORITHMS)[number];
export const ENCRYPT_ALGORITHMS = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'] as const;
export type EncryptAlgorithm = (typeof ENCRYPT_ALGORITHMS)[number];

/** The asymmetric key specs and the algorithms each takes (AsymmetricSign / AsymmetricDecrypt reference). */
const SIGNING: Readonly<Record<string, readonly SignAlgorithm[]>> = {
  RSA_2048: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'],
  RSA_3072: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'],
  EC_P256: ['ECDSA_SHA_256'],
  EC_P256K: ['ECDSA_SHA_256'],
};
const ENCRYPTING: Readonly<Record<string, readonly EncryptAlgorithm[]>> = {
  RSA_2048: ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'],
  RSA_3072: ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'],
};

function algorithmFor<A extends string>(table: Readonly<Record<string, readonly A[]>>, keySpec: string, algorithm: string, what: string): A {
  const allowed = table[keySpec];
  if (!allowed) throw new ServiceError('UnsupportedOperation', `A key of KeySpec ${keySpec} cannot ${what}.`);
  if (!allowed.includes(algorithm as A)) {
    throw invalidParameter(`Algorithm ${algorithm} is not supported by KeySpec ${keySpec} (it takes ${allowed.join(' or ')}).`);
  }
  return algorithm as A;
}

export function signAlgorithmFor(keySpec: string, algorithm: string): SignAlgorithm {
  return algorithmFor(SIGNING, keySpec, algorithm, 'sign');
}

export function encryptAlgorithmFor(keySpec: string, algorithm: string): EncryptAlgorithm {
  return algorithmFor(ENCRYPTING, keySpec, algorithm, 'encrypt or decrypt with a public key');
}

/** Every signing algorithm here hashes with SHA-256: the digest is 32 bytes. */
export const DIGEST_BYTES = 32;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A base64 parameter, strictly: padding and alphabet checked, so nothing is silently dropped. */
export function base64Param(name: string, text: string, opts: { min?: number; max?: number } = {}): Buffer {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw invalidParameter(`${name} must be base64 text.`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < (opts.min ?? 1)) throw invalidParameter(`${name} must not be empty.`);
  if (opts.max !== undefined && bytes.length > opts.max) throw invalidParameter(`${name} must be at most ${opts.max} bytes.`);
  return bytes;
}

export function digestParam(text: string): Buffer {
  const digest = base64Param('Digest', text);
  if (digest.length !== DIGEST_BYTES) {
    throw invalidParameter(`Digest must be the base64 of a ${DIGEST_BYTES}-byte SHA-256 digest of the message, not of ${digest.length} bytes.`);
  }
  return digest;
}

/** The text a data key's blob seals, and GenerateDataKey returns as Plaintext. */
export function dataKeyText(key: Buffer): string {
  return key.toString('base64');
}

/**
 * The bytes of a data key from the text its blob opened to (ExportDataKey). A blob made by
 * Encrypt of text that is not base64 holds no data key.
 */
export function dataKeyBytes(text: string): Buffer {
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) {
    throw invalidParameter('CiphertextBlob does not hold a data key (its plaintext is not base64 key bytes).');
  }
  return Buffer.from(text, 'base64');
}

/** The wrapping key specs and algorithms of ExportDataKey / GenerateAndExportDataKey that kms-local has (not EC_SM2 / SM2PKE). */
export const WRAPPING_KEY_SPECS = ['RSA_2048', 'EC_SM2'] as const;
export const WRAPPING_ALGORITHMS = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'SM2PKE'] as const;

export function wrappingAlgorithm(keySpec: string, algorithm: string): EncryptAlgorithm {
  if (keySpec === 'EC_SM2' || algorithm === 'SM2PKE') {
    throw new ServiceError('UnsupportedOperation', 'kms-local has no SM2: WrappingKeySpec EC_SM2 and WrappingAlgorithm SM2PKE are not supported.');
  }
  return encryptAlgorithmFor(keySpec, algorithm);
}

/** RSAES-OAEP takes at most k - 2·hLen - 2 bytes (RFC 8017 §7.1.1). */
export function oaepMaxPlaintext(modulusBytes: number, algorithm: EncryptAlgorithm): number {
  const hashBytes = algorithm === 'RSAES_OAEP_SHA_1' ? 20 : 32;
  return modulusBytes - 2 * hashBytes - 2;
}
