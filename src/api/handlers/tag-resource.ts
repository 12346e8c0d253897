import { addTags } from '../../core/tags.js';
import type { Tag } from '../../core/model.js';
import type { Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagTarget } from '../tag-target.js';

export const handler: Handler = (ctx, p) => {
  const name = tagTarget(ctx, p);
  const tags = p.Tags as Tag[];
  ctx.store.mutate(name, (current) => ({ next: addTags(requireActive(requireSecret(current, name)), tags, ctx.now), result: undefined }));
  return { RequestId: ctx.requestId };
};
