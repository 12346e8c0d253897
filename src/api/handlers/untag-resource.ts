import { removeTags } from '../../core/tags.js';
import type { Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagTarget } from '../tag-target.js';

export const handler: Handler = (ctx, p) => {
  const name = tagTarget(ctx, p);
  const keys = p.TagKeys as string[];
  ctx.store.mutate(name, (current) => {
    const outcome = removeTags(requireActive(requireSecret(current, name)), keys, ctx.now);
    return { next: outcome.changed ? outcome.secret : undefined, result: undefined };
  });
  return { RequestId: ctx.requestId };
};
