import { rotationFields, rotationStatus } from '../dynamic.js';
import { arnOf, resolveSecretName, type Handler } from '../context.js';
import { OWING_SERVICE, requireSecret } from '../secrets.js';

/** DescribeSecret works on a secret pending deletion too: that is how its PlannedDeleteTime is seen. */
export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const secret = requireSecret(await ctx.store.get(name), name);
  return {
    ...rotationFields(secret, { extendedConfig: true }),
    // kms-local: a failed or running rotation of a dynamic secret (absent otherwise).
    RotationStatus: rotationStatus(secret),
    Arn: arnOf(ctx, name),
    CreateTime: secret.createTime,
    DKMSInstanceId: secret.dkmsInstanceId,
    Description: secret.description,
    EncryptionKeyId: secret.encryptionKeyId,
    OwingService: OWING_SERVICE,
    PlannedDeleteTime: secret.plannedDeleteTime,
    RequestId: ctx.requestId,
    SecretName: name,
    SecretType: secret.type,
    Tags: p.FetchTags === true ? { Tag: secret.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) } : undefined,
    UpdateTime: secret.updateTime,
  };
};
