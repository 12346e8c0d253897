/**
 * The operations and fields the current SDKs have that kms-local lacked (issue 11):
 * BatchGetSecretValue, TagResources / UntagResources (multi-resource forms), OwingService, the
 * documented SecretType filter value RDS, and the service's own limits (ListSecretVersionIds PageSize).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';

let home: string;
const kms = (...args: string[]): CliResult => runCli(['kms', ...args], { home });
function ok(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.json;
}
function refused(result: CliResult): string {
  expect(result.code).toBe(1);
  return serviceError(result.stderr)?.code ?? `not a service error: ${result.stderr}`;
}

beforeAll(() => {
  home = makeHome();
  ok(kms('CreateSecret', '--SecretName', 'alpha', '--SecretData', 'alpha-value-1', '--VersionId', 'v1'));
  ok(kms('PutSecretValue', '--SecretName', 'alpha', '--SecretData', 'alpha-value-2', '--VersionId', 'v2'));
  ok(kms('CreateSecret', '--SecretName', 'beta', '--SecretData', 'beta-value', '--VersionId', 'v1'));
  ok(kms('CreateSecret', '--SecretName', 'gone', '--SecretData', 'gone-value', '--VersionId', 'v1'));
  ok(kms('DeleteSecret', '--SecretName', 'gone'));
});
afterAll(() => removeHome(home));

describe('BatchGetSecretValue', () => {
  test('values and per-secret errors in one answer, in the order asked', () => {
    const json = ok(kms('BatchGetSecretValue', '--SecretsList', JSON.stringify([
      { SecretName: 'alpha' },
      { SecretName: 'missing' },
      { SecretName: 'alpha', VersionStage: 'ACSPrevious', FetchExtendedConfig: 'True' },
      { SecretName: 'gone' },
      { SecretName: 'beta', VersionId: 'v1' },
    ])));
    expect(json.SecretValues.map((v: any) => [v.SecretName, v.VersionId, v.SecretData])).toEqual([
      ['alpha', 'v2', 'alpha-value-2'],
      ['alpha', 'v1', 'alpha-value-1'],
      ['beta', 'v1', 'beta-value'],
    ]);
    expect(json.SecretValues[0]).toMatchObject({ SecretDataType: 'text', SecretType: 'Generic', VersionStages: { VersionStage: ['ACSCurrent'] } });
    expect(json.SecretValues[0].RequestId).toBe(json.RequestId);
    expect(json.Errors).toEqual([
      { Code: 'Forbidden.ResourceNotFound', HttpStatus: 404, Message: expect.any(String), SecretName: 'missing' },
      { Code: 'Rejected.ResourceInDeleteWindow', HttpStatus: 409, Message: expect.any(String), SecretName: 'gone' },
    ]);
  });

  test('Errors and SecretValues are present when empty', () => {
    expect(ok(kms('BatchGetSecretValue', '--SecretsList', '[{"SecretName":"beta"}]')).Errors).toEqual([]);
    expect(ok(kms('BatchGetSecretValue', '--SecretsList', '[{"SecretName":"nope"}]')).SecretValues).toEqual([]);
  });

  test('20 secrets are the limit; 21, none, or an item without SecretName is InvalidParameter', () => {
    const list = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ SecretName: 'beta' })));
    expect(ok(kms('BatchGetSecretValue', '--SecretsList', list(20))).SecretValues).toHaveLength(20);
    expect(refused(kms('BatchGetSecretValue', '--SecretsList', list(21)))).toBe('InvalidParameter');
    expect(refused(kms('BatchGetSecretValue', '--SecretsList', '[]'))).toBe('InvalidParameter');
    expect(refused(kms('BatchGetSecretValue', '--SecretsList', '[{"VersionId":"v1"}]'))).toBe('InvalidParameter');
    expect(refused(kms('BatchGetSecretValue', '--SecretsList', '[{"SecretName":"beta","Extra":"x"}]'))).toBe('InvalidParameter');
  });
});

describe('TagResources / UntagResources', () => {
  test('the same tags on several secrets, then removed by key, then all', () => {
    ok(kms('TagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha', '--ResourceId.2', 'beta', '--Tag.1.Key', 'env', '--Tag.1.Value', 'prod', '--Tag.2.Key', 'team', '--Tag.2.Value', 'db'));
    const tagsOf = (name: string) => ok(kms('DescribeSecret', '--SecretName', name, '--FetchTags', 'true')).Tags.Tag;
    expect(tagsOf('alpha')).toEqual([{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'db' }]);
    expect(tagsOf('beta')).toEqual(tagsOf('alpha'));
    ok(kms('UntagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha', '--ResourceId.2', 'beta', '--TagKey.1', 'env', '--TagKey.2', 'absent'));
    expect(tagsOf('beta')).toEqual([{ TagKey: 'team', TagValue: 'db' }]);
    ok(kms('UntagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha', '--ResourceId.2', 'beta', '--All', 'True'));
    expect(tagsOf('alpha')).toEqual([]);
  });

  test('one unknown or pending-deletion secret refuses the call and changes no secret', () => {
    const before = ok(kms('DescribeSecret', '--SecretName', 'alpha', '--FetchTags', 'true')).Tags.Tag;
    expect(refused(kms('TagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha', '--ResourceId.2', 'missing', '--Tag.1.Key', 'k', '--Tag.1.Value', 'v'))).toBe('Forbidden.ResourceNotFound');
    expect(refused(kms('TagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha', '--ResourceId.2', 'gone', '--Tag.1.Key', 'k', '--Tag.1.Value', 'v'))).toBe('Rejected.ResourceInDeleteWindow');
    expect(ok(kms('DescribeSecret', '--SecretName', 'alpha', '--FetchTags', 'true')).Tags.Tag).toEqual(before);
  });

  test('keys too: ResourceType key with key ids', () => {
    const a = ok(kms('CreateKey')).KeyMetadata.KeyId;
    const b = ok(kms('CreateKey')).KeyMetadata.KeyId;
    ok(kms('TagResources', '--ResourceType', 'key', '--ResourceId.1', a, '--ResourceId.2', b, '--Tag.1.Key', 'env', '--Tag.1.Value', 'prod'));
    const rows = ok(kms('ListTagResources', '--ResourceType', 'key', '--ResourceId.1', a, '--ResourceId.2', b)).TagResources.TagResource;
    expect(rows.map((r: any) => [r.ResourceId, r.TagKey, r.TagValue]).sort()).toEqual([[a, 'env', 'prod'], [b, 'env', 'prod']].sort());
    ok(kms('UntagResources', '--ResourceType', 'key', '--ResourceId.1', a, '--TagKey.1', 'env'));
    expect(ok(kms('ListTagResources', '--ResourceType', 'key', '--ResourceId.1', a)).TagResources.TagResource).toEqual([]);
  });

  test('bad forms: Tag.N without its Value, TagKey.N with All, neither; an unknown key', () => {
    expect(refused(kms('TagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha', '--Tag.1.Key', 'k'))).toBe('InvalidParameter');
    expect(refused(kms('UntagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha', '--TagKey.1', 'k', '--All', 'true'))).toBe('InvalidParameter');
    expect(refused(kms('UntagResources', '--ResourceType', 'secret', '--ResourceId.1', 'alpha'))).toBe('InvalidParameter');
    expect(refused(kms('TagResources', '--ResourceType', 'key', '--ResourceId.1', 'no-such-key', '--Tag.1.Key', 'k', '--Tag.1.Value', 'v'))).toBe('Forbidden.KeyNotFound');
  });
});

describe('fields, filters and limits of the service', () => {
  test('OwingService is in DescribeSecret and in every ListSecrets item', () => {
    expect(ok(kms('DescribeSecret', '--SecretName', 'alpha')).OwingService).toBe('');
    for (const item of ok(kms('ListSecrets')).SecretList.Secret) expect(item.OwingService).toBe('');
  });

  test('the documented SecretType filter value RDS is accepted (it is Rds)', () => {
    const json = ok(kms('ListSecrets', '--Filters', '[{"Key":"SecretType","Values":["RDS"]}]'));
    expect(json.TotalCount).toBe(0);
    expect(ok(kms('ListSecrets', '--Filters', '[{"Key":"SecretType","Values":["generic"]}]')).TotalCount).toBe(3);
    expect(refused(kms('ListSecrets', '--Filters', '[{"Key":"SecretType","Values":["Mongo"]}]'))).toBe('InvalidParameter');
  });

  test('ListSecretVersionIds takes a PageSize over 100 (the service sets no maximum); 20 by default', () => {
    expect(ok(kms('ListSecretVersionIds', '--SecretName', 'alpha', '--PageSize', '500')).PageSize).toBe(500);
    expect(ok(kms('ListSecretVersionIds', '--SecretName', 'alpha')).PageSize).toBe(20);
  });
});
