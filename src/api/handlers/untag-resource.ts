import { removeTags } from '../../core/tags.js';
import type { Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagTarget } from '../tag-target.js';
import { keyTagTarget } from '../keys.js';
import { assertNotPendingDeletion, keyNotFound, untagKey } from '../../core/keys.js';

export const handler: Handler = async (ctx, p) => {
  const keys = p.TagKeys as string[];
  const keyId = await keyTagTarget(ctx, p);
  if (keyId !== undefined) {
    await ctx.keyStore.mutate(keyId, (current) => {
      if (!current) throw keyNotFound(keyId);
      assertNotPendingDeletion(current);
      const outcome = untagKey(current, keys);
      return { next: outcome.changed ? outcome.key : undefined, result: undefined };
    });
    return { RequestId: ctx.requestId };
  }
  const name = tagTarget(ctx, p);
  await ctx.store.mutate(name, (current) => {
    const outcome = removeTags(requireActive(requireSecret(current, name)), keys, ctx.now);
    return { next: outcome.changed ? outcome.secret : undefined, result: undefined };
  });
  return { RequestId: ctx.requestId };
};
