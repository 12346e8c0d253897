/**
 * What the asymmetric handlers share: the key and the named version (KeyVersionId is required by
 * the service for every asymmetric operation), and its private key for the length of one call.
 */
import type { KeyObject } from 'node:crypto';
import type { KeyRecord, KeyUsage } from '../core/keys.js';
import { privateKeyOf } from '../crypto/key-material.js';
import type { Context } from './context.js';
import type { ParamValues } from './params.js';
import { usableKey } from './crypto.js';
import { withKeyMaterial } from './keys.js';

/**
 * Runs `use` with the private key of the version KeyVersionId of the key KeyId names, which must be
 * an asymmetric key usable for `usage` now (any usage when undefined: GetPublicKey).
 */
export async function withPrivateKey<T>(ctx: Context, p: ParamValues, usage: KeyUsage | undefined, use: (privateKey: KeyObject, key: KeyRecord, keyVersionId: string) => T): Promise<T> {
  const key = await usableKey(ctx, p.KeyId as string, usage, 'asymmetric');
  return withKeyMaterial(ctx, key, p.KeyVersionId as string, (material, version) => use(privateKeyOf(material), key, version.keyVersionId));
}
