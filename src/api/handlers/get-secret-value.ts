import { ServiceError } from '../../errors/errors.js';
import { selectVersion } from '../../core/versions.js';
import { checkReadableStage, isDynamicType } from '../../core/dynamic.js';
import { rotationFields } from '../dynamic.js';
import { resolveSecretName, type Handler } from '../context.js';
import { openValue, requireActive, requireSecret, wrapStages } from '../secrets.js';

export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const secret = requireActive(requireSecret(await ctx.store.get(name), name));
  // Reference §3.2: of a dynamic secret only ACSCurrent and ACSPrevious are readable, VersionId is ignored.
  const dynamic = isDynamicType(secret.type);
  checkReadableStage(secret, p.VersionStage as string | undefined);
  const version = selectVersion(secret, {
    versionId: dynamic ? undefined : (p.VersionId as string | undefined),
    versionStage: p.VersionStage as string | undefined,
  });
  if (p.DryRun === true) {
    throw new ServiceError('DryRunOperationError', 'The request would have succeeded, but DryRun is true; no value was read.');
  }
  return {
    ...rotationFields(secret, { extendedConfig: p.FetchExtendedConfig === true }),
    CreateTime: version.createTime,
    RequestId: ctx.requestId,
    SecretData: await openValue(ctx, secret, version),
    SecretDataType: version.dataType,
    SecretName: name,
    SecretType: secret.type,
    VersionId: version.versionId,
    VersionStages: wrapStages(version.stages),
  };
};
