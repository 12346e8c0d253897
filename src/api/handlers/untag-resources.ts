/**
 * UntagResources: removes tags from several secrets or keys: the keys TagKey.N, or every tag with
 * All=true (only without TagKey.N). Tag keys a resource does not carry are ignored. Every
 * resource is checked before any is changed.
 */
import { invalidParameter } from '../../errors/errors.js';
import { removeTags } from '../../core/tags.js';
import { assertNotPendingDeletion, keyNotFound, untagKey } from '../../core/keys.js';
import type { Handler } from '../context.js';
import { resolveKeys } from '../keys.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagResourceNames } from '../tag-target.js';

export const handler: Handler = async (ctx, p) => {
  const tagKeys = p.TagKey as string[] | undefined;
  const all = p.All === true;
  if (tagKeys && all) throw invalidParameter('All=true removes every tag; give it without TagKey.N.');
  if (!tagKeys && !all) throw invalidParameter('give the tag keys to remove as TagKey.N, or All=true.');
  if (p.ResourceType === 'key') {
    const keys = await resolveKeys(ctx, p.ResourceId as string[]);
    keys.forEach(assertNotPendingDeletion);
    for (const { keyId } of keys) {
      await ctx.keyStore.mutate(keyId, (current) => {
        if (!current) throw keyNotFound(keyId);
        assertNotPendingDeletion(current);
        const remove = tagKeys ?? current.tags.map((t) => t.TagKey);
        if (remove.length === 0) return { result: undefined };
        const outcome = untagKey(current, remove);
        return { next: outcome.changed ? outcome.key : undefined, result: undefined };
      });
    }
    return { RequestId: ctx.requestId };
  }
  const names = tagResourceNames(ctx, p);
  for (const name of names) requireActive(requireSecret(await ctx.store.get(name), name));
  for (const name of names) {
    await ctx.store.mutate(name, (current) => {
      const fresh = requireActive(requireSecret(current, name));
      const remove = tagKeys ?? fresh.tags.map((t) => t.TagKey);
      if (remove.length === 0) return { result: undefined };
      const outcome = removeTags(fresh, remove, ctx.now);
      return { next: outcome.changed ? outcome.secret : undefined, result: undefined };
    });
  }
  return { RequestId: ctx.requestId };
};
