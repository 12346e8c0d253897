import { ServiceError, invalidParameter } from '../../errors/errors.js';
import { ACS_CURRENT, type SecretDataType, type SecretRecord, type SecretType, type Tag, SECRET_NAME_PATTERN } from '../../core/model.js';
import { arnOf, type Context, type Handler } from '../context.js';
import { assertUsable, isSymmetric, resolveKey } from '../keys.js';
import type { KeyRecord } from '../../core/keys.js';
import { sealValue } from '../secrets.js';
import { buildDynamicSecret, checkDynamicRequest, rotationFields } from '../dynamic.js';
import { isProvisionedType, type DynamicValue } from '../../core/dynamic.js';

/**
 * The key that will protect the secret: the local master key when none (or its id) is given;
 * otherwise a symmetric ENCRYPT/DECRYPT key of the region named by id, ARN or alias, which must be
 * usable now. An unknown key is Forbidden.ResourceNotFound, as the service answers CreateSecret.
 */
async function encryptionKeyOf(ctx: Context, requested: string | undefined): Promise<string> {
  const masterKeyId = ctx.home.keys().keyId;
  if (requested === undefined || requested === masterKeyId) return masterKeyId;
  let key: KeyRecord;
  try {
    key = await resolveKey(ctx, requested);
  } catch (err) {
    if (err instanceof ServiceError && (err.code === 'Forbidden.KeyNotFound' || err.code === 'Forbidden.AliasNotFound')) {
      throw new ServiceError('Forbidden.ResourceNotFound', `The key '${requested}' is not found: give a key of this region (id, ARN or alias) or the local master key ${masterKeyId}.`);
    }
    throw err;
  }
  if (!isSymmetric(key)) {
    throw invalidParameter(`EncryptionKeyId must name a symmetric key; '${requested}' is ${key.keySpec}.`);
  }
  assertUsable(key, 'ENCRYPT/DECRYPT', ctx.nowMs);
  return key.keyId;
}

/**
 * Redis and PolarDB secrets first create their two accounts on the target (src/api/provision.ts,
 * loaded lazily), after every check that needs no target and before the secret is stored.
 */
export const handler: Handler = async (ctx, p) => {
  const type = (p.SecretType as SecretType | undefined) ?? 'Generic';
  if (!isProvisionedType(type)) return create(ctx, p);
  const name = p.SecretName as string;
  checkName(name);
  const { extendedConfig } = checkDynamicRequest(p, name, type);
  await encryptionKeyOf(ctx, p.EncryptionKeyId as string | undefined);
  const existing = await ctx.store.get(name);
  if (existing) refuseExisting(existing, name);
  const { provisionAccounts } = await import('../../lazy.js');
  return create(ctx, p, await provisionAccounts(ctx, name, type, extendedConfig));
};

function checkName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw invalidParameter('SecretName is 1 to 192 letters, digits or _ / + = . @ - characters.');
  }
}

function refuseExisting(current: SecretRecord, name: string): never {
  if (current.plannedDeleteTime !== undefined) {
    throw new ServiceError('Rejected.ResourceInDeleteWindow', `The name '${name}' belongs to a secret that is planned to be deleted.`);
  }
  throw new ServiceError('Rejected.ResourceExist', `The secret '${name}' already exists.`);
}

async function create(ctx: Parameters<Handler>[0], p: Parameters<Handler>[1], provisioned?: DynamicValue[]) {
  const name = p.SecretName as string;
  const type = (p.SecretType as SecretType | undefined) ?? 'Generic';
  checkName(name);
  if (type === 'Generic') {
    if (name.startsWith('acs/')) throw invalidParameter("SecretName of a Generic secret must not start with 'acs/'.");
    if (p.EnableAutomaticRotation === true) {
      throw new ServiceError('UnsupportedOperation', 'Generic secrets do not rotate automatically; rotate them with PutSecretValue.');
    }
  }
  const keyId = await encryptionKeyOf(ctx, p.EncryptionKeyId as string | undefined);
  const versionId = p.VersionId as string;
  const dataType = (p.SecretDataType as SecretDataType | undefined) ?? 'text';
  const dynamic = type === 'Generic' ? undefined : await buildDynamicSecret(ctx, p, name, type, keyId, provisioned);
  const versions = dynamic?.versions ?? [
    { versionId, createTime: ctx.now, stages: [ACS_CURRENT], ...(await sealValue(ctx, { name, encryptionKeyId: keyId }, versionId, p.SecretData as string, dataType)) },
  ];

  await ctx.store.mutate(name, (current) => {
    if (current) refuseExisting(current, name);
    const secret: SecretRecord = {
      name,
      type,
      description: (p.Description as string | undefined) ?? '',
      createTime: ctx.now,
      updateTime: ctx.now,
      encryptionKeyId: keyId,
      tags: (p.Tags as Tag[] | undefined) ?? [],
      versions,
    };
    if (dynamic) {
      secret.extendedConfig = dynamic.extendedConfig;
      secret.rotation = dynamic.rotation;
    }
    if (p.DKMSInstanceId !== undefined) secret.dkmsInstanceId = p.DKMSInstanceId as string;
    if (p.Policy !== undefined) secret.policy = p.Policy as string;
    return { next: secret, result: undefined };
  });

  return {
    // A dynamic secret's AutomaticRotation, ExtendedConfig and schedule (never a LastRotationDate yet).
    ...(dynamic ? rotationFields({ type, ...dynamic }, { extendedConfig: true }) : {}),
    Arn: arnOf(ctx, name),
    DKMSInstanceId: p.DKMSInstanceId,
    RequestId: ctx.requestId,
    SecretName: name,
    SecretType: type,
    VersionId: versionId,
  };
}
