import { ServiceError, invalidParameter } from '../../errors/errors.js';
import { ACS_CURRENT, type SecretDataType, type SecretRecord, type SecretType, type Tag, SECRET_NAME_PATTERN } from '../../core/model.js';
import { arnOf, type Handler } from '../context.js';
import { sealValue } from '../secrets.js';
import { buildDynamicSecret, rotationFields } from '../dynamic.js';

export const handler: Handler = (ctx, p) => {
  const name = p.SecretName as string;
  const type = (p.SecretType as SecretType | undefined) ?? 'Generic';
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw invalidParameter('SecretName is 1 to 192 letters, digits or _ / + = . @ - characters.');
  }
  if (type === 'Generic') {
    if (name.startsWith('acs/')) throw invalidParameter("SecretName of a Generic secret must not start with 'acs/'.");
    if (p.EnableAutomaticRotation === true) {
      throw new ServiceError('UnsupportedOperation', 'Generic secrets do not rotate automatically; rotate them with PutSecretValue.');
    }
  }
  const keyId = ctx.home.keys().keyId;
  const requestedKey = p.EncryptionKeyId as string | undefined;
  if (requestedKey !== undefined && requestedKey !== keyId) {
    throw new ServiceError('Forbidden.ResourceNotFound', `The key '${requestedKey}' is not found; the local master key is ${keyId}.`);
  }
  const versionId = p.VersionId as string;
  const dataType = (p.SecretDataType as SecretDataType | undefined) ?? 'text';
  const dynamic = type === 'Generic' ? undefined : buildDynamicSecret(ctx, p, name, type);
  const versions = dynamic?.versions ?? [{ versionId, createTime: ctx.now, stages: [ACS_CURRENT], ...sealValue(ctx, name, versionId, p.SecretData as string, dataType) }];

  ctx.store.mutate(name, (current) => {
    if (current?.plannedDeleteTime !== undefined) {
      throw new ServiceError('Rejected.ResourceInDeleteWindow', `The name '${name}' belongs to a secret that is planned to be deleted.`);
    }
    if (current) throw new ServiceError('Rejected.ResourceExist', `The secret '${name}' already exists.`);
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
};
