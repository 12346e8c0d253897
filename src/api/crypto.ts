/**
 * What the cryptography handlers share: the key a KeyId names, checked for state and usage; a
 * seal under its primary version; the opening of a CiphertextBlob by the key and version it names;
 * the DryRun refusal. Key lookup and material come from the key foundation (src/api/keys.ts).
 */
import { invalidParameter, ServiceError } from '../errors/errors.js';
import { decodeBlob } from '../core/ciphertext-blob.js';
import type { EncryptionContext } from '../core/encryption-context.js';
import { KEY_ID_PATTERN, KEY_SPECS, type KeyRecord, type KeyUsage } from '../core/keys.js';
import { openBlob, sealBlob } from '../crypto/symmetric.js';
import type { Context } from './context.js';
import type { ParamValues } from './params.js';
import { assertUsable, resolveKey, withKeyMaterial } from './keys.js';

/**
 * The key `reference` names, usable now (Enabled) for `usage` (for any usage when undefined), of
 * kind symmetric or asymmetric as asked.
 */
export async function usableKey(ctx: Context, reference: string, usage: KeyUsage | undefined, kind: 'symmetric' | 'asymmetric'): Promise<KeyRecord> {
  const key = await resolveKey(ctx, reference);
  assertUsable(key, usage ?? key.keyUsage, ctx.nowMs);
  const symmetric = KEY_SPECS[key.keySpec].kind === 'symmetric';
  if (symmetric !== (kind === 'symmetric')) {
    throw new ServiceError(
      'UnsupportedOperation',
      `The key '${key.keyId}' is ${key.keySpec}: this operation needs ${kind === 'symmetric' ? 'a symmetric key (Aliyun_AES_256 or Aliyun_AES_128)' : 'an asymmetric key (RSA or EC)'}.`,
    );
  }
  return key;
}

/** DryRun=true: everything was checked, nothing is done. */
export function refuseDryRun(p: ParamValues, operation: string): void {
  if (p.DryRun === true) {
    throw new ServiceError('DryRunOperationError', `The request would have succeeded, but DryRun is true; ${operation} did nothing.`);
  }
}

export interface Sealed {
  CiphertextBlob: string;
  KeyId: string;
  KeyVersionId: string;
}

/** Seals `plaintext` under the primary version of a symmetric `key`. */
export function sealUnderPrimary(ctx: Context, key: KeyRecord, plaintext: Buffer, context: EncryptionContext | undefined): Sealed {
  return withKeyMaterial(ctx, key, undefined, (material, version) => ({
    CiphertextBlob: sealBlob(material, { keyId: key.keyId, keyVersionId: version.keyVersionId }, plaintext, context),
    KeyId: key.keyId,
    KeyVersionId: version.keyVersionId,
  }));
}

export interface Opened {
  key: KeyRecord;
  keyVersionId: string;
  plaintext: Buffer;
}

/**
 * Opens a CiphertextBlob: the key and version it names (which must exist and be usable for
 * ENCRYPT/DECRYPT now), then the seal with `context`. A seal that does not authenticate is
 * InvalidParameter; the caller zeroes `plaintext` when it is a data key.
 */
export async function openCiphertext(ctx: Context, blobText: string, context: EncryptionContext | undefined, name = 'CiphertextBlob'): Promise<Opened> {
  const blob = decodeBlob(blobText);
  // Only a key id is ever written into a blob; an alias or ARN there was put in by hand.
  if (!KEY_ID_PATTERN.test(blob.keyId)) throw invalidParameter(`${name} names no key id of kms-local.`);
  const key = await usableKey(ctx, blob.keyId, 'ENCRYPT/DECRYPT', 'symmetric');
  const plaintext = withKeyMaterial(ctx, key, blob.keyVersionId, (material) => openBlob(material, blob, context));
  if (plaintext === undefined) {
    throw invalidParameter(
      `${name} cannot be decrypted: the EncryptionContext is not the one it was encrypted with, or the ciphertext was altered.`,
    );
  }
  return { key, keyVersionId: blob.keyVersionId, plaintext };
}
