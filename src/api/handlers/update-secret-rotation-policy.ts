import { requireDynamic } from '../../core/dynamic.js';
import { applyPolicy } from '../../core/rotation-policy.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';

/** UpdateSecretRotationPolicy (dynamic secrets only): turns automatic rotation on or off. */
export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  await ctx.store.mutate(name, (current) => {
    const secret = requireActive(requireSecret(current, name));
    requireDynamic(secret, 'UpdateSecretRotationPolicy');
    const rotation = applyPolicy(secret, { enable: p.EnableAutomaticRotation === true, interval: p.RotationInterval as string | undefined });
    return { next: { ...secret, rotation, updateTime: ctx.now }, result: undefined };
  });
  return { RequestId: ctx.requestId, SecretName: name };
};
