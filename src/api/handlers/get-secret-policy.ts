import { defaultPolicy } from '../../core/policy.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireSecret } from '../secrets.js';

/** Reading the policy is metadata: it works while the secret is pending deletion, as DescribeSecret does. */
export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const secret = requireSecret(await ctx.store.get(name), name);
  return { Policy: secret.policy ?? defaultPolicy(ctx.home.accountId()), RequestId: ctx.requestId };
};
