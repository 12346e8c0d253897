import { resolveSecretName, type Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';

export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const policy = p.Policy as string;
  await ctx.store.mutate(name, (current) => {
    const secret = requireActive(requireSecret(current, name));
    return { next: { ...secret, policy, updateTime: ctx.now }, result: undefined };
  });
  return { RequestId: ctx.requestId };
};
