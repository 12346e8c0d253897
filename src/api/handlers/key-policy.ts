/** GetKeyPolicy, SetKeyPolicy: the policy is stored and returned, not enforced (like secret policies). */
import { assertNotPendingDeletion, defaultKeyPolicy, keyNotFound } from '../../core/keys.js';
import type { Handler } from '../context.js';
import { resolveKey } from '../keys.js';

export const getKeyPolicy: Handler = async (ctx, p) => {
  const key = await resolveKey(ctx, p.KeyId as string);
  return { Policy: key.policy ?? defaultKeyPolicy(ctx.home.accountId()), RequestId: ctx.requestId };
};

export const setKeyPolicy: Handler = async (ctx, p) => {
  const { keyId } = await resolveKey(ctx, p.KeyId as string);
  await ctx.keyStore.mutate(keyId, (current) => {
    if (!current) throw keyNotFound(p.KeyId as string);
    assertNotPendingDeletion(current);
    return { next: { ...current, policy: p.Policy as string }, result: undefined };
  });
  return { RequestId: ctx.requestId };
};
