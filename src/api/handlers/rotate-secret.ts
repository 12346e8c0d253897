import { resolveSecretName, arnOf, type Handler } from '../context.js';
import { rotateSecret } from '../rotate.js';

/** RotateSecret (dynamic secrets only): VersionId is the idempotency key; see src/api/rotate.ts. */
export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const outcome = await rotateSecret(ctx, name, {
    versionId: p.VersionId as string,
    customData: p.SecretData as string | undefined,
  });
  return { Arn: arnOf(ctx, name), RequestId: ctx.requestId, SecretName: name, VersionId: outcome.versionId };
};
