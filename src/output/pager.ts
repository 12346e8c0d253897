/**
 * `--pager [path=<jmespath>] [PageNumber=..] [PageSize=..] [TotalCount=..] [NextToken=..]`: calls a
 * paged operation page after page and merges the pages into one document, as the aliyun CLI does
 * (openapi/pager.go): PageNumber, PageSize and TotalCount are read from each response, the
 * collection is the first `X.Y[]` array of the response unless `path=` names it, and the merged
 * document holds only that collection: `{"X": {"Y": [...all items...]}}` (null when empty, as Go
 * marshals an empty merge). NextToken paging is used when a response carries a NextToken string.
 */
import { CliError } from '../errors/errors.js';
import type { OperationSpec } from '../api/operations.js';
import type { ParamValues } from '../api/params.js';
import { parseFields } from './fields.js';
import { search } from './query.js';
import { PAGER_FIELDS } from './tools.js';

type Page = Record<string, unknown>;

/** A safety stop: no local listing has this many pages. */
const MAX_PAGES = 100_000;

/** The first `X.Y[]` array of a response, in key order. */
export function detectArrayPath(response: unknown): string | undefined {
  if (!response || typeof response !== 'object' || Array.isArray(response)) return undefined;
  for (const key of Object.keys(response).sort()) {
    const inner = (response as Page)[key];
    if (!inner || typeof inner !== 'object' || Array.isArray(inner)) continue;
    for (const key2 of Object.keys(inner).sort()) {
      if (Array.isArray((inner as Page)[key2])) return `${key}.${key2}[]`;
    }
  }
  return undefined;
}

/** pager.go GetResponseCollection: the last two segments of the path hold the merged items. */
export function collectionDocument(path: string, items: unknown[]): Page {
  const segments = path.split('.');
  const key = segments[segments.length - 1]!.replace(/\[\]$/, '');
  const current: Page = { [key]: items.length > 0 ? items : null };
  return segments.length > 1 ? { [segments[segments.length - 2]!]: current } : current;
}

function lastSegment(expr: string): string {
  return expr.split('.').pop()!;
}

function numberAt(page: Page, expr: string, field: string): number {
  const value = search(page, expr);
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new CliError(`call failed jmespath: '${expr}' found no number in the response; assign it with --pager ${field}=<jmespath>`);
  }
  return Math.trunc(n);
}

export async function collectPages(
  op: OperationSpec,
  call: (values: ParamValues) => Promise<Page>,
  values: ParamValues,
  words: readonly string[],
): Promise<Page> {
  const fields = parseFields('pager', words, PAGER_FIELDS);
  const pageNumberExpr = fields.get('PageNumber') ?? 'PageNumber';
  const pageSizeExpr = fields.get('PageSize') ?? 'PageSize';
  const totalExpr = fields.get('TotalCount') ?? 'TotalCount';
  const tokenExpr = fields.get('NextToken') ?? 'NextToken';
  const pageParam = lastSegment(pageNumberExpr);
  const tokenParam = lastSegment(tokenExpr);
  const hasParam = (name: string): boolean => op.params.some((p) => p.name === name);
  if (!hasParam(pageParam) && !hasParam(tokenParam)) {
    throw new CliError(`--pager can't be used with ${op.name}: it takes no --${pageParam} or --${tokenParam}`);
  }

  let path = fields.get('path');
  const items: unknown[] = [];
  let request = { ...values };
  for (let calls = 0; calls < MAX_PAGES; calls++) {
    const page = await call(request);
    path ??= detectArrayPath(page);
    if (path === undefined) {
      throw new CliError("call failed can't auto recognize collections path: you need add `--pager path=[jmespath]` to assign manually");
    }
    const found = search(page, path);
    if (Array.isArray(found)) items.push(...found);

    const token = search(page, tokenExpr);
    if (typeof token === 'string' && hasParam(tokenParam)) {
      if (token === '') break;
      request = { ...request, [tokenParam]: token };
      continue;
    }
    const total = numberAt(page, totalExpr, 'TotalCount');
    const current = numberAt(page, pageNumberExpr, 'PageNumber');
    const size = numberAt(page, pageSizeExpr, 'PageSize');
    if (size <= 0 || current >= Math.ceil(total / size)) break;
    request = { ...request, [pageParam]: current + 1 };
  }
  return collectionDocument(path!, items);
}
