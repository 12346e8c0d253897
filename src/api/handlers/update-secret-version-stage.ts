import { updateVersionStage } from '../../core/versions.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireActive, requireGeneric, requireSecret } from '../secrets.js';

export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  await ctx.store.mutate(name, (current) => {
    const secret = requireActive(requireSecret(current, name));
    requireGeneric(secret, 'UpdateSecretVersionStage');
    const next = updateVersionStage(
      secret,
      {
        stage: p.VersionStage as string,
        moveToVersion: p.MoveToVersion as string | undefined,
        removeFromVersion: p.RemoveFromVersion as string | undefined,
      },
      ctx.now,
    );
    return { next, result: undefined };
  });
  return { RequestId: ctx.requestId, SecretName: name };
};
