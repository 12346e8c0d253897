import type { SecretRecord } from '../../core/model.js';
import { arnOf, resolveSecretName, type Handler } from '../context.js';
import { requireSecret } from '../secrets.js';

/** The rotation fields the service returns for dynamic secrets only. */
function dynamicFields(secret: SecretRecord): Record<string, unknown> {
  if (secret.type === 'Generic') return {};
  const rotation = secret.rotation;
  return {
    AutomaticRotation: rotation?.automatic ? 'Enabled' : 'Disabled',
    ExtendedConfig: JSON.stringify(secret.extendedConfig ?? {}),
    LastRotationDate: rotation?.lastRotationDate,
    NextRotationDate: rotation?.automatic ? rotation.nextRotationDate : undefined,
    RotationInterval: rotation?.automatic && rotation.intervalSeconds !== undefined ? `${rotation.intervalSeconds}s` : undefined,
  };
}

/** DescribeSecret works on a secret pending deletion too: that is how its PlannedDeleteTime is seen. */
export const handler: Handler = (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const secret = requireSecret(ctx.store.get(name), name);
  return {
    ...dynamicFields(secret),
    Arn: arnOf(ctx, name),
    CreateTime: secret.createTime,
    DKMSInstanceId: secret.dkmsInstanceId,
    Description: secret.description,
    EncryptionKeyId: secret.encryptionKeyId,
    PlannedDeleteTime: secret.plannedDeleteTime,
    RequestId: ctx.requestId,
    SecretName: name,
    SecretType: secret.type,
    Tags: p.FetchTags === true ? { Tag: secret.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) } : undefined,
    UpdateTime: secret.updateTime,
  };
};
