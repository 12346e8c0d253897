import { addTags } from '../../core/tags.js';
import type { Tag } from '../../core/model.js';
import type { Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagTarget } from '../tag-target.js';
import { keyTagTarget } from '../keys.js';
import { assertNotPendingDeletion, keyNotFound, tagKey } from '../../core/keys.js';

export const handler: Handler = async (ctx, p) => {
  const tags = p.Tags as Tag[];
  const keyId = await keyTagTarget(ctx, p);
  if (keyId !== undefined) {
    await ctx.keyStore.mutate(keyId, (current) => {
      if (!current) throw keyNotFound(keyId);
      assertNotPendingDeletion(current);
      return { next: tagKey(current, tags), result: undefined };
    });
    return { RequestId: ctx.requestId };
  }
  const name = tagTarget(ctx, p);
  await ctx.store.mutate(name, (current) => ({ next: addTags(requireActive(requireSecret(current, name)), tags, ctx.now), result: undefined }));
  return { RequestId: ctx.requestId };
};
