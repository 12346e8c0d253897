import { checkSpecAndUsage, rotationPolicy, type KeyRecord, type KeySpec } from '../../core/keys.js';
import type { Tag } from '../../core/model.js';
import { generateKeyMaterial, newKeyId, newKeyVersionId } from '../../crypto/key-material.js';
import { ServiceError } from '../../errors/errors.js';
import type { Handler } from '../context.js';
import { keyMetadataOf } from '../keys.js';

export const handler: Handler = async (ctx, p) => {
  if (p.Origin === 'EXTERNAL') throw new ServiceError('UnsupportedOperation', 'kms-local makes the key material itself: Origin must be Aliyun_KMS (importing key material is not supported).');
  if (p.ProtectionLevel === 'HSM') throw new ServiceError('UnsupportedOperation', 'kms-local keeps keys in software: ProtectionLevel must be SOFTWARE.');
  const { keySpec, keyUsage } = checkSpecAndUsage(p.KeySpec as string | undefined, p.KeyUsage as string | undefined);
  const keyId = newKeyId();
  const keyVersionId = newKeyVersionId();
  const rotation = rotationPolicy({ keySpec, lastRotationDate: ctx.now }, p.EnableAutomaticRotation === true, p.RotationInterval as string | undefined);
  const material = generateKeyMaterial(keySpec as KeySpec);
  let key: KeyRecord;
  try {
    key = {
      keyId,
      description: (p.Description as string | undefined) ?? '',
      keySpec,
      keyUsage,
      origin: 'Aliyun_KMS',
      protectionLevel: 'SOFTWARE',
      creationDate: ctx.now,
      creator: ctx.home.accountId(),
      state: 'Enabled',
      rotation,
      lastRotationDate: ctx.now,
      primaryKeyVersion: keyVersionId,
      versions: [{ keyVersionId, creationDate: ctx.now, material: ctx.keyStore.sealMaterial(keyId, keyVersionId, material) }],
      tags: (p.Tags as Tag[] | undefined) ?? [],
    };
  } finally {
    material.fill(0);
  }
  if (p.Policy !== undefined) key.policy = p.Policy as string;
  if (p.DKMSInstanceId !== undefined) key.dkmsInstanceId = p.DKMSInstanceId as string;
  await ctx.keyStore.mutate(keyId, (current) => {
    // 24 random characters: a clash is a broken random source, never a user's doing.
    if (current) throw new ServiceError('InternalFailure', `A key '${keyId}' already exists.`);
    return { next: key, result: undefined };
  });
  // CreateKey's KeyMetadata has no deletion-protection fields (DescribeKey's has).
  const { DeletionProtection: _p, DeletionProtectionDescription: _d, ...metadata } = keyMetadataOf(ctx, key);
  return { KeyMetadata: metadata, RequestId: ctx.requestId };
};
