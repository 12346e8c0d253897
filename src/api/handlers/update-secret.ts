import { updateSecret } from '../../core/metadata.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';

export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const update = {
    ...(p.Description === undefined ? {} : { description: p.Description as string }),
    ...(p['ExtendedConfig.CustomData'] === undefined ? {} : { customData: p['ExtendedConfig.CustomData'] as Record<string, unknown> }),
  };
  await ctx.store.mutate(name, (current) => {
    const outcome = updateSecret(requireActive(requireSecret(current, name)), update, ctx.now);
    return { next: outcome.changed ? outcome.secret : undefined, result: undefined };
  });
  return { RequestId: ctx.requestId, SecretName: name };
};
