import { putVersion } from '../../core/versions.js';
import { ServiceError } from '../../errors/errors.js';
import type { SecretDataType } from '../../core/model.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireActive, requireGeneric, requireSecret, sealValue, wrapStages } from '../secrets.js';

export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const versionId = p.VersionId as string;
  const dataType = (p.SecretDataType as SecretDataType | undefined) ?? 'text';
  // The key a secret is sealed by never changes; a secret made again meanwhile is told apart below.
  const target = requireSecret(await ctx.store.get(name), name);
  const sealed = await sealValue(ctx, target, versionId, p.SecretData as string, dataType);
  const version = await ctx.store.mutate(name, (current) => {
    const secret = requireActive(requireSecret(current, name));
    if (secret.encryptionKeyId !== target.encryptionKeyId) {
      throw new ServiceError('ServiceUnavailableTemporary', `The secret '${name}' was made again while the value was sealed; try again.`);
    }
    requireGeneric(secret, 'PutSecretValue');
    const outcome = putVersion(secret, { versionId, ...sealed, stages: p.VersionStages as string[] | undefined }, ctx.now);
    return { next: outcome.changed ? outcome.secret : undefined, result: outcome.version };
  });
  return {
    RequestId: ctx.requestId,
    SecretName: name,
    VersionId: version.versionId,
    VersionStages: wrapStages(version.stages),
  };
};
