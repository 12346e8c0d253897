/**
 * TagResources: the same tags on several secrets or keys (ResourceType, ResourceId.N, Tag.N.Key /
 * Tag.N.Value). Every resource is checked (it exists, is not pending deletion, stays within 20
 * tags) before any is changed, so a refusal changes nothing.
 */
import { addTags } from '../../core/tags.js';
import { assertNotPendingDeletion, keyNotFound, tagKey } from '../../core/keys.js';
import type { Handler } from '../context.js';
import { resolveKey, resolveKeys } from '../keys.js';
import { requireActive, requireSecret } from '../secrets.js';
import { tagResourceNames } from '../tag-target.js';
import { parseTagPairs } from '../json-params.js';

export const handler: Handler = async (ctx, p) => {
  const tags = parseTagPairs(p.Tag, 'Tag');
  if (p.ResourceType === 'key') {
    const keyIds = (await resolveKeys(ctx, p.ResourceId as string[])).map((k) => k.keyId);
    for (const keyId of keyIds) {
      const key = await resolveKey(ctx, keyId);
      assertNotPendingDeletion(key);
      tagKey(key, tags);
    }
    for (const keyId of keyIds) {
      await ctx.keyStore.mutate(keyId, (current) => {
        if (!current) throw keyNotFound(keyId);
        assertNotPendingDeletion(current);
        return { next: tagKey(current, tags), result: undefined };
      });
    }
    return { RequestId: ctx.requestId };
  }
  const names = tagResourceNames(ctx, p);
  for (const name of names) addTags(requireActive(requireSecret(await ctx.store.get(name), name)), tags, ctx.now);
  for (const name of names) {
    await ctx.store.mutate(name, (current) => ({ next: addTags(requireActive(requireSecret(current, name)), tags, ctx.now), result: undefined }));
  }
  return { RequestId: ctx.requestId };
};
