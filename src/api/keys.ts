/**
 * What key handlers share (and the cryptography handlers build on): finding the key a KeyId
 * parameter names, the plaintext material of one of its versions, and the checks of its state.
 *
 *   const key = await resolveKey(ctx, p.KeyId as string);        // id, ARN, alias/<name> or alias ARN
 *   assertUsable(key, 'ENCRYPT/DECRYPT', ctx.nowMs);         // Rejected.Disabled, Rejected.PendingDeletion, ...
 *   withKeyMaterial(ctx, key, undefined, (material) => ...); // primary version; zeroed afterwards
 */
import type { Context } from './context.js';
import type { ParamValues } from './params.js';
import { findKeyVersion, keyArn, keyMetadata, type KeyRecord, type KeyVersionRecord } from '../core/keys.js';

export { assertUsable, isSymmetric, primaryVersion, findKeyVersion } from '../core/keys.js';

/** The key a KeyId parameter names; Forbidden.KeyNotFound / Forbidden.AliasNotFound otherwise. */
export function resolveKey(ctx: Context, keyId: string): Promise<KeyRecord> {
  return ctx.keyStore.resolve(keyId, ctx.home.accountId());
}

/** The distinct keys a list of KeyId parameters names, in order; the first unknown one is refused. */
export async function resolveKeys(ctx: Context, references: readonly string[]): Promise<KeyRecord[]> {
  const keys = new Map<string, KeyRecord>();
  for (const reference of references) {
    const key = await resolveKey(ctx, reference);
    if (!keys.has(key.keyId)) keys.set(key.keyId, key);
  }
  return [...keys.values()];
}

/** The version of `key` to use: the named one (Forbidden.KeyVersionNotFound) or the primary one. */
export function keyVersion(key: KeyRecord, keyVersionId?: string): KeyVersionRecord {
  return findKeyVersion(key, keyVersionId ?? key.primaryKeyVersion);
}

/**
 * Runs `use` with the plaintext material of a version of `key` (a raw AES key, or a PKCS#8 DER
 * private key for RSA and EC keys) and zeroes it afterwards, also when `use` throws.
 */
export function withKeyMaterial<T>(ctx: Context, key: KeyRecord, keyVersionId: string | undefined, use: (material: Buffer, version: KeyVersionRecord) => T): T {
  const version = keyVersion(key, keyVersionId);
  const material = ctx.keyStore.openMaterial(key, version);
  try {
    return use(material, version);
  } finally {
    material.fill(0);
  }
}

export function keyArnOf(ctx: Context, keyId: string): string {
  return keyArn(ctx.region, ctx.home.accountId(), keyId);
}

export function keyMetadataOf(ctx: Context, key: KeyRecord): Record<string, unknown> {
  return keyMetadata(key, ctx.region, ctx.home.accountId());
}

/** TagResource / UntagResource given KeyId alone: the key's id (the secret path handles the rest). */
export async function keyTagTarget(ctx: Context, p: ParamValues): Promise<string | undefined> {
  if (p.KeyId === undefined || p.SecretName !== undefined || p.CertificateId !== undefined) return undefined;
  return (await resolveKey(ctx, p.KeyId as string)).keyId;
}
