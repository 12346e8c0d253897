import { listVersions } from '../../core/versions.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireSecret, wrapStages } from '../secrets.js';

export const DEFAULT_VERSION_PAGE_SIZE = 20;

export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  // Version ids are metadata: a secret pending deletion still lists them, as DescribeSecret shows it.
  const secret = requireSecret(await ctx.store.get(name), name);
  const pageNumber = (p.PageNumber as number | undefined) ?? 1;
  const pageSize = (p.PageSize as number | undefined) ?? DEFAULT_VERSION_PAGE_SIZE;
  const page = listVersions(secret, { includeDeprecated: p.IncludeDeprecated === true, pageNumber, pageSize });
  return {
    PageNumber: pageNumber,
    PageSize: pageSize,
    RequestId: ctx.requestId,
    SecretName: name,
    TotalCount: page.total,
    VersionIds: {
      VersionId: page.versions.map((v) => ({ CreateTime: v.createTime, VersionId: v.versionId, VersionStages: wrapStages(v.stages) })),
    },
  };
};
