/** CreateKeyVersion, DescribeKeyVersion, ListKeyVersions, UpdateRotationPolicy. */
import { addKeyVersion, findKeyVersion, keyNotFound, pageOf, rotationPolicy, type KeyRecord } from '../../core/keys.js';
import { generateKeyMaterial, newKeyVersionId } from '../../crypto/key-material.js';
import type { Context, Handler } from '../context.js';
import { resolveKey } from '../keys.js';

function versionView(key: KeyRecord, keyVersionId: string): Record<string, unknown> {
  const version = findKeyVersion(key, keyVersionId);
  return { CreationDate: version.creationDate, KeyId: key.keyId, KeyVersionId: version.keyVersionId };
}

/**
 * Makes a new version of a symmetric key and makes it primary (also what automatic rotation does).
 * The material is made before the lock is taken; the version is added under it.
 */
export async function rotateKey(ctx: Context, keyRef: string): Promise<Record<string, unknown>> {
  const found = await resolveKey(ctx, keyRef);
  const keyVersionId = newKeyVersionId();
  const material = generateKeyMaterial(found.keySpec);
  try {
    const version = { keyVersionId, creationDate: ctx.now, material: ctx.keyStore.sealMaterial(found.keyId, keyVersionId, material) };
    return await ctx.keyStore.mutate(found.keyId, (current) => {
      if (!current) throw keyNotFound(keyRef);
      const next = addKeyVersion(current, version);
      return { next, result: versionView(next, keyVersionId) };
    });
  } finally {
    material.fill(0);
  }
}

export const createKeyVersion: Handler = async (ctx, p) => ({ KeyVersion: await rotateKey(ctx, p.KeyId as string), RequestId: ctx.requestId });

export const describeKeyVersion: Handler = async (ctx, p) => {
  const key = await resolveKey(ctx, p.KeyId as string);
  return { KeyVersion: versionView(key, p.KeyVersionId as string), RequestId: ctx.requestId };
};

/** Oldest first, as the versions were made. */
export const listKeyVersions: Handler = async (ctx, p) => {
  const key = await resolveKey(ctx, p.KeyId as string);
  const pageNumber = (p.PageNumber as number | undefined) ?? 1;
  const pageSize = (p.PageSize as number | undefined) ?? 10;
  return {
    KeyVersions: { KeyVersion: pageOf(key.versions, pageNumber, pageSize).map((v) => versionView(key, v.keyVersionId)) },
    PageNumber: pageNumber,
    PageSize: pageSize,
    RequestId: ctx.requestId,
    TotalCount: key.versions.length,
  };
};

export const updateRotationPolicy: Handler = async (ctx, p) => {
  const { keyId } = await resolveKey(ctx, p.KeyId as string);
  await ctx.keyStore.mutate(keyId, (current) => {
    if (!current) throw keyNotFound(p.KeyId as string);
    const rotation = rotationPolicy(current, p.EnableAutomaticRotation as boolean, p.RotationInterval as string | undefined);
    return { next: { ...current, rotation }, result: undefined };
  });
  return { RequestId: ctx.requestId };
};
