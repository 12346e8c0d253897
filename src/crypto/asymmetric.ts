/**
 * Asymmetric primitives on a digest the caller already computed, as the service takes it
 * (AsymmetricSign's Digest is the SHA-256 of the message). node:crypto always hashes what it
 * signs, so the signature schemes are built from its raw operations:
 *
 * - RSA_PKCS1_SHA_256: RSASSA-PKCS1-v1_5, the DigestInfo of the digest through privateEncrypt
 *   with PKCS#1 type 1 padding (RFC 8017 §8.2, §9.2).
 * - RSA_PSS_SHA_256: RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt; EMSA-PSS encoded
 *   here (RFC 8017 §9.1) and raised to the private exponent without padding. Verification
 *   recovers the salt length, as `openssl` does by default.
 * - ECDSA_SHA_256 on P-256 and secp256k1: r = x(k·G) mod n, s = k⁻¹(z + r·d) mod n (SEC 1 §4.1),
 *   with the scalar multiplications done by the native ECDH of the curve; DER-encoded as openssl
 *   writes it. The key's owner verifies: u1·G + u2·Q = (u1 + u2·d)·G, one native multiplication.
 *
 * RSAES-OAEP with SHA-256 or SHA-1 (MGF1 with the same hash) is node:crypto's own.
 */
import { constants, createECDH, createHash, publicEncrypt, privateDecrypt, privateEncrypt, publicDecrypt, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { EncryptAlgorithm, SignAlgorithm } from '../core/crypto-rules.js';

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const HASH_BYTES = 32;
const PSS_SALT_BYTES = 32;

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw new Error('not an RSA key');
  return bits;
}

/** MGF1 with SHA-256 (RFC 8017 §B.2.1). */
function mgf1(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * HASH_BYTES < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(sha256(seed, c));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function pssEncode(digest: Buffer, emBits: number): Buffer {
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(PSS_SALT_BYTES);
  const h = sha256(Buffer.alloc(8), digest, salt);
  const db = Buffer.concat([Buffer.alloc(emLen - PSS_SALT_BYTES - HASH_BYTES - 2), Buffer.from([1]), salt]);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

function pssVerify(digest: Buffer, em: Buffer, emBits: number): boolean {
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - HASH_BYTES - 1));
  const h = em.subarray(emLen - HASH_BYTES - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((db[0]! & ~topMask) !== 0) return false;
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= topMask;
  const one = db.findIndex((b) => b !== 0);
  if (one < 0 || db[one] !== 1) return false;
  const expected = sha256(Buffer.alloc(8), digest, db.subarray(one + 1));
  return timingSafeEqual(expected, h);
}

/** Left-pads `bytes` to `length` (a modulus-sized integer). */
function leftPad(bytes: Buffer, length: number): Buffer {
  return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

// --- ECDSA -------------------------------------------------------------------------------------

const CURVE_ORDER: Readonly<Record<string, bigint>> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
};

function toBig(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function ecParts(key: KeyObject): { curve: string; n: bigint; d: bigint } {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const n = curve === undefined ? undefined : CURVE_ORDER[curve];
  if (curve === undefined || n === undefined) throw new Error(`no ECDSA for curve ${curve}`);
  const jwk = key.export({ format: 'jwk' });
  return { curve, n, d: toBig(Buffer.from(jwk.d ?? '', 'base64url')) };
}

/** x(k·G) of the curve, by its native ECDH; undefined for the point at infinity (k ≡ 0). */
function baseMultipleX(curve: string, n: bigint, k: bigint): bigint | undefined {
  const scalar = ((k % n) + n) % n;
  if (scalar === 0n) return undefined;
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(toBytes(scalar, 32));
  return toBig(ecdh.getPublicKey(null, 'uncompressed').subarray(1, 33));
}

function derInteger(value: bigint): Buffer {
  const hex = value.toString(16);
  let bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  if (bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** (r, s) of a DER ECDSA signature; undefined unless it is exactly that, in short-form lengths. */
function parseDerSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) return undefined;
  const ints: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (sig[at] !== 0x02) return undefined;
    const len = sig[at + 1]!;
    if (len === 0 || len > 33 || at + 2 + len > sig.length) return undefined;
    const bytes = sig.subarray(at + 2, at + 2 + len);
    if (bytes[0]! >= 0x80 || (len > 1 && bytes[0] === 0 && bytes[1]! < 0x80)) return undefined;
    ints.push(toBig(bytes));
    at += 2 + len;
  }
  return at === sig.length ? { r: ints[0]!, s: ints[1]! } : undefined;
}

function ecdsaSign(key: KeyObject, digest: Buffer): Buffer {
  const { curve, n, d } = ecParts(key);
  const z = toBig(digest);
  for (;;) {
    const k = toBig(randomBytes(32));
    if (k === 0n || k >= n) continue;
    const x = baseMultipleX(curve, n, k);
    if (x === undefined) continue;
    const r = x % n;
    if (r === 0n) continue;
    const s = (modPow(k, n - 2n, n) * ((z + r * d) % n)) % n;
    if (s === 0n) continue;
    return derSignature(r, s);
  }
}

function ecdsaVerify(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const parsed = parseDerSignature(signature);
  if (!parsed) return false;
  const { curve, n, d } = ecParts(key);
  const { r, s } = parsed;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const w = modPow(s, n - 2n, n);
  const u1 = (toBig(digest) * w) % n;
  const u2 = (r * w) % n;
  const x = baseMultipleX(curve, n, u1 + u2 * d);
  return x !== undefined && x % n === r;
}

// --- The operations ----------------------------------------------------------------------------

/** Signs a SHA-256 digest with an RSA or EC private key. */
export function signDigest(privateKey: KeyObject, algorithm: SignAlgorithm, digest: Buffer): Buffer {
  switch (algorithm) {
    case 'RSA_PKCS1_SHA_256':
      return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
    case 'RSA_PSS_SHA_256': {
      const bits = modulusBits(privateKey);
      const em = leftPad(pssEncode(digest, bits - 1), Math.ceil(bits / 8));
      return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);
    }
    case 'ECDSA_SHA_256':
      return ecdsaSign(privateKey, digest);
  }
}

/** Whether `signature` is a signature of `digest` by the key (a private key: ECDSA verifies with d). */
export function verifyDigest(privateKey: KeyObject, algorithm: SignAlgorithm, digest: Buffer, signature: Buffer): boolean {
  if (algorithm === 'ECDSA_SHA_256') return ecdsaVerify(privateKey, digest, signature);
  const bits = modulusBits(privateKey);
  const k = Math.ceil(bits / 8);
  if (signature.length !== k) return false;
  try {
    if (algorithm === 'RSA_PKCS1_SHA_256') {
      const recovered = publicDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, signature);
      const expected = Buffer.concat([SHA256_DIGEST_INFO, digest]);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    }
    const em = leftPad(publicDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, signature), k);
    const emLen = Math.ceil((bits - 1) / 8);
    if (em.length > emLen && em.subarray(0, em.length - emLen).some((b) => b !== 0)) return false;
    return pssVerify(digest, em.subarray(em.length - emLen), bits - 1);
  } catch {
    return false;
  }
}

const OAEP_HASH: Readonly<Record<EncryptAlgorithm, string>> = { RSAES_OAEP_SHA_256: 'sha256', RSAES_OAEP_SHA_1: 'sha1' };

/** RSAES-OAEP encryption with a public (or private) RSA key. */
export function oaepEncrypt(key: KeyObject, algorithm: EncryptAlgorithm, plaintext: Buffer): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] }, plaintext);
}

/** RSAES-OAEP decryption; undefined when the ciphertext does not decrypt under this key and algorithm. */
export function oaepDecrypt(privateKey: KeyObject, algorithm: EncryptAlgorithm, ciphertext: Buffer): Buffer | undefined {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] }, ciphertext);
  } catch {
    return undefined;
  }
}

/** The byte length of an RSA key's modulus. */
export function modulusBytes(key: KeyObject): number {
  return Math.ceil(modulusBits(key) / 8);
}
