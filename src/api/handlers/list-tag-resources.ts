import { invalidParameter } from '../../errors/errors.js';
import type { SecretMetadata } from '../../core/model.js';
import { pageRows, tagRows, type TagCondition } from '../../core/tags.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireSecret } from '../secrets.js';
import { resolveKeys } from '../keys.js';

export const TAG_ROWS_PER_PAGE = 200;

/** NextToken is opaque to callers: the offset of the next row, base64url-encoded. */
function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`, 'utf8').toString('base64url');
}

function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match || encodeToken(Number(match[1])) !== token) throw invalidParameter('NextToken is not a token of a previous ListTagResources page.');
  return Number(match[1]);
}

export const handler: Handler = async (ctx, p) => {
  const conditions = ((p.Tag as { Key?: string; Value?: string }[] | undefined) ?? []).map((t): TagCondition => {
    if (t.Key === undefined) throw invalidParameter('every Tag.N.Value needs its Tag.N.Key.');
    return t.Value === undefined ? { key: t.Key } : { key: t.Key, value: t.Value };
  });
  const offset = decodeToken(p.NextToken as string | undefined);
  const ids = p.ResourceId as string[] | undefined;
  if (p.ResourceType === 'key') {
    // Keys by id, ARN or alias; every key of the region without ResourceId.N.
    const keys = ids === undefined ? await ctx.keyStore.list() : await resolveKeys(ctx, ids);
    const { page, nextOffset } = pageRows(tagRows(keys.map((k) => ({ name: k.keyId, tags: k.tags })), conditions, 'key'), offset, TAG_ROWS_PER_PAGE);
    return { NextToken: nextOffset === undefined ? undefined : encodeToken(nextOffset), RequestId: ctx.requestId, TagResources: { TagResource: page } };
  }
  let secrets: SecretMetadata[];
  if (ids === undefined) secrets = await ctx.store.list();
  else {
    const names = [...new Set(ids.map((id) => resolveSecretName(ctx, id)))];
    secrets = [];
    for (const name of names) secrets.push(requireSecret(await ctx.store.get(name), name));
  }
  const { page, nextOffset } = pageRows(tagRows(secrets, conditions), offset, TAG_ROWS_PER_PAGE);
  return {
    NextToken: nextOffset === undefined ? undefined : encodeToken(nextOffset),
    RequestId: ctx.requestId,
    TagResources: { TagResource: page },
  };
};
