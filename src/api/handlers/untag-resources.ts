/**
 * UntagResources: removes tags from several secrets: the keys TagKey.N, or every tag with
 * All=true (only without TagKey.N). Keys a secret does not carry are ignored. Every secret is
 * checked before any is changed.
 */
import { invalidParameter } from '../../errors/errors.js';
import { removeTags } from '../../core/tags.js';
import type { Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagResourceNames } from '../tag-target.js';

export const handler: Handler = (ctx, p) => {
  const names = tagResourceNames(ctx, p);
  const keys = p.TagKey as string[] | undefined;
  const all = p.All === true;
  if (keys && all) throw invalidParameter('All=true removes every tag; give it without TagKey.N.');
  if (!keys && !all) throw invalidParameter('give the tag keys to remove as TagKey.N, or All=true.');
  const secrets = names.map((name) => requireActive(requireSecret(ctx.store.get(name), name)));
  for (const secret of secrets) {
    ctx.store.mutate(secret.name, (current) => {
      const fresh = requireActive(requireSecret(current, secret.name));
      const remove = keys ?? fresh.tags.map((t) => t.TagKey);
      if (remove.length === 0) return { result: undefined };
      const outcome = removeTags(fresh, remove, ctx.now);
      return { next: outcome.changed ? outcome.secret : undefined, result: undefined };
    });
  }
  return { RequestId: ctx.requestId };
};
