/** CreateAlias, UpdateAlias, DeleteAlias, ListAliases, ListAliasesByKeyId. */
import { aliasArn, checkAliasName, createAlias as addAlias, deleteAlias as dropAlias, pageOf, updateAlias as moveAlias, type Alias } from '../../core/keys.js';
import type { Context, Handler } from '../context.js';
import { resolveKey } from '../keys.js';

/** An alias given to CreateAlias/UpdateAlias names a new or existing alias, never a key. */
function aliasNameOf(p: Record<string, unknown>): string {
  return checkAliasName(p.AliasName as string);
}

// The key is resolved before the alias table is locked: a change under a lock does no I/O (a key
// deleted meanwhile leaves an alias that names nothing, which is never listed or resolved).
export const createAlias: Handler = async (ctx, p) => {
  const aliasName = aliasNameOf(p);
  const key = await resolveKey(ctx, p.KeyId as string);
  await ctx.keyStore.mutateAliases((aliases) => ({ next: addAlias(aliases, aliasName, key, ctx.now), result: undefined }));
  return { RequestId: ctx.requestId };
};

export const updateAlias: Handler = async (ctx, p) => {
  const aliasName = aliasNameOf(p);
  const target = await resolveKey(ctx, p.KeyId as string);
  await ctx.keyStore.mutateAliases((aliases) => ({ next: moveAlias(aliases, aliasName, target), result: undefined }));
  return { RequestId: ctx.requestId };
};

export const deleteAlias: Handler = async (ctx, p) => {
  const aliasName = p.AliasName as string;
  await ctx.keyStore.mutateAliases((aliases) => ({ next: dropAlias(aliases, aliasName), result: undefined }));
  return { RequestId: ctx.requestId };
};

function aliasPage(ctx: Context, aliases: readonly Alias[], p: Record<string, unknown>): Record<string, unknown> {
  const pageNumber = (p.PageNumber as number | undefined) ?? 1;
  const pageSize = (p.PageSize as number | undefined) ?? 10;
  const account = ctx.home.accountId();
  return {
    Aliases: {
      Alias: pageOf(aliases, pageNumber, pageSize).map((a) => ({ AliasArn: aliasArn(ctx.region, account, a.aliasName), AliasName: a.aliasName, KeyId: a.keyId })),
    },
    PageNumber: pageNumber,
    PageSize: pageSize,
    RequestId: ctx.requestId,
    TotalCount: aliases.length,
  };
}

/** Sorted by AliasName; aliases of keys that are gone are not listed. */
export const listAliases: Handler = async (ctx, p) => {
  const aliases = await ctx.keyStore.readAliases();
  const live: Alias[] = [];
  for (const alias of aliases) if ((await ctx.keyStore.get(alias.keyId)) !== undefined) live.push(alias);
  return aliasPage(ctx, live, p);
};

export const listAliasesByKeyId: Handler = async (ctx, p) => {
  const key = await resolveKey(ctx, p.KeyId as string);
  return aliasPage(ctx, (await ctx.keyStore.readAliases()).filter((a) => a.keyId === key.keyId), p);
};
