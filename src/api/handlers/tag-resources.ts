/**
 * TagResources: the same tags on several secrets (ResourceId.N, Tag.N.Key / Tag.N.Value). Every
 * secret is checked (it exists, is not pending deletion, stays within 20 tags) before any is
 * changed, so a refusal changes nothing.
 */
import { addTags } from '../../core/tags.js';
import type { Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagResourceNames } from '../tag-target.js';
import { parseTagPairs } from '../json-params.js';

export const handler: Handler = (ctx, p) => {
  const names = tagResourceNames(ctx, p);
  const tags = parseTagPairs(p.Tag, 'Tag');
  for (const name of names) addTags(requireActive(requireSecret(ctx.store.get(name), name)), tags, ctx.now);
  for (const name of names) {
    ctx.store.mutate(name, (current) => ({ next: addTags(requireActive(requireSecret(current, name)), tags, ctx.now), result: undefined }));
  }
  return { RequestId: ctx.requestId };
};
