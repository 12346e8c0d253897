import { keyMatches, pageOf, type KeyFilter } from '../../core/keys.js';
import type { Handler } from '../context.js';
import { keyArnOf } from '../keys.js';

/** Sorted by KeyId; keys pending deletion are listed, keys past their DeleteDate are gone. */
export const handler: Handler = async (ctx, p) => {
  const filters = (p.Filters as KeyFilter[] | undefined) ?? [];
  const aliases = filters.some((f) => f.Key === 'AliasName') ? await ctx.keyStore.readAliases() : [];
  const keys = (await ctx.keyStore.list()).filter((key) =>
    keyMatches(
      key,
      filters,
      aliases.filter((a) => a.keyId === key.keyId).map((a) => a.aliasName),
    ),
  );
  const pageNumber = (p.PageNumber as number | undefined) ?? 1;
  const pageSize = (p.PageSize as number | undefined) ?? 10;
  return {
    Keys: { Key: pageOf(keys, pageNumber, pageSize).map((k) => ({ KeyArn: keyArnOf(ctx, k.keyId), KeyId: k.keyId })) },
    PageNumber: pageNumber,
    PageSize: pageSize,
    RequestId: ctx.requestId,
    TotalCount: keys.length,
  };
};
