import { restoreSecret } from '../../core/lifecycle.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireSecret } from '../secrets.js';

/** Cancels a planned deletion; once PlannedDeleteTime has passed (or after a force delete) the secret is gone: 404. */
export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  await ctx.store.mutate(name, (current) => {
    const outcome = restoreSecret(requireSecret(current, name), ctx.nowMs);
    return { next: outcome.changed ? outcome.secret : undefined, result: undefined };
  });
  return { RequestId: ctx.requestId, SecretName: name };
};
