import { OWING_SERVICE } from '../secrets.js';
import { listSecrets, type SecretFilter } from '../../core/list-filter.js';
import type { Handler } from '../context.js';

export const DEFAULT_SECRET_PAGE_SIZE = 10;

export const handler: Handler = async (ctx, p) => {
  const pageNumber = (p.PageNumber as number | undefined) ?? 1;
  const pageSize = (p.PageSize as number | undefined) ?? DEFAULT_SECRET_PAGE_SIZE;
  const fetchTags = p.FetchTags === true;
  const page = listSecrets(
    await ctx.store.listing(),
    { filters: (p.Filters as SecretFilter[] | undefined) ?? [], pageNumber, pageSize, creator: ctx.home.accountId() },
    (secret) => secret.metadata(),
  );
  return {
    PageNumber: pageNumber,
    PageSize: pageSize,
    RequestId: ctx.requestId,
    SecretList: {
      Secret: page.secrets.map((listed) => listed.metadata()).map((s) => ({
        CreateTime: s.createTime,
        OwingService: OWING_SERVICE,
        PlannedDeleteTime: s.plannedDeleteTime,
        SecretName: s.name,
        SecretType: s.type,
        Tags: fetchTags ? { Tag: s.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) } : undefined,
        UpdateTime: s.updateTime,
      })),
    },
    TotalCount: page.total,
  };
};
