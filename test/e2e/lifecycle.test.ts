/**
 * The deletion and restore flow (docs/design.md §4 rule 9; the delete and restore steps of the ECS secret topic) and the issue-3 operations, through
 * bin/kms-local.js: DescribeSecret, ListSecrets, UpdateSecret, DeleteSecret, RestoreSecret, tags and
 * secret policies. Every bad input must give an Aliyun-style error, a non-zero exit and leave the
 * store byte-for-byte as it was.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashTree, homesRemovedAfterAll, listFiles, runCli, SERVICE_TIME, serviceError, UUID_V4, type CliResult } from '../support/cli.js';
import { expectOk as ok, expectServiceError as fails } from '../support/expect-cli.js';

const T = '2026-03-01T00:00:00Z';
const T_MS = Date.parse(T);
const DAY = 86_400_000;
const at = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

const newHome = homesRemovedAfterAll();

function kmsIn(home: string, now: string | undefined, ...args: string[]): CliResult {
  return runCli(['kms', ...args], { home, env: { KMS_LOCAL_NOW: now } });
}

// Secret files only: the lock, metadata-index and manifest folders are the store's bookkeeping.
const storeFiles = (home: string): string[] => listFiles(join(home, 'store')).filter((f) => !f.includes('/.locks/') && !f.includes('/.index/') && !f.includes('/.manifest/'));
const withoutRequestId = (json: any): any => ({ ...json, RequestId: undefined });

describe('the deletion and restore flow', () => {
  let home: string;
  const kms = (...args: string[]): CliResult => kmsIn(home, T, ...args);
  let before: any;

  beforeAll(() => {
    home = newHome();
    ok(kms('CreateSecret', '--SecretName', 'db_cred', '--VersionId', 'v1', '--SecretData', 'first-password'));
    ok(kms('PutSecretValue', '--SecretName', 'db_cred', '--VersionId', 'v2', '--SecretData', 'second-password'));
    before = {
      current: withoutRequestId(ok(kms('GetSecretValue', '--SecretName', 'db_cred'))),
      previous: withoutRequestId(ok(kms('GetSecretValue', '--SecretName', 'db_cred', '--VersionStage', 'ACSPrevious'))),
      versions: withoutRequestId(ok(kms('ListSecretVersionIds', '--SecretName', 'db_cred', '--IncludeDeprecated', 'true'))),
    };
  });

  test('DeleteSecret answers PlannedDeleteTime, RequestId and SecretName; the window is 30 days by default', () => {
    const json = ok(kms('DeleteSecret', '--SecretName', 'db_cred'));
    expect(Object.keys(json).sort()).toEqual(['PlannedDeleteTime', 'RequestId', 'SecretName']);
    expect(json).toMatchObject({ PlannedDeleteTime: at(T_MS + 30 * DAY), SecretName: 'db_cred' });
  });

  test('GetSecretValue of a secret pending deletion fails with Rejected.ResourceInDeleteWindow, exit 1', () => {
    fails(kms('GetSecretValue', '--SecretName', 'db_cred'), 'Rejected.ResourceInDeleteWindow');
  });

  test('DescribeSecret, ListSecrets and ListSecretVersionIds still show it, with PlannedDeleteTime', () => {
    const described = ok(kms('DescribeSecret', '--SecretName', 'db_cred'));
    expect(described.PlannedDeleteTime).toBe(at(T_MS + 30 * DAY));
    const listed = ok(kms('ListSecrets'));
    expect(listed.SecretList.Secret).toEqual([expect.objectContaining({ SecretName: 'db_cred', PlannedDeleteTime: at(T_MS + 30 * DAY) })]);
    expect(withoutRequestId(ok(kms('ListSecretVersionIds', '--SecretName', 'db_cred', '--IncludeDeprecated', 'true')))).toEqual(before.versions);
  });

  test('RestoreSecret answers RequestId and SecretName and brings every version back unchanged', () => {
    const json = ok(kms('RestoreSecret', '--SecretName', 'db_cred'));
    expect(Object.keys(json).sort()).toEqual(['RequestId', 'SecretName']);
    expect(withoutRequestId(ok(kms('GetSecretValue', '--SecretName', 'db_cred')))).toEqual(before.current);
    expect(withoutRequestId(ok(kms('GetSecretValue', '--SecretName', 'db_cred', '--VersionStage', 'ACSPrevious')))).toEqual(before.previous);
    expect(ok(kms('DescribeSecret', '--SecretName', 'db_cred'))).not.toHaveProperty('PlannedDeleteTime');
  });

  test('RestoreSecret of a secret that is not pending deletion succeeds and changes nothing', () => {
    const hash = hashTree(join(home, 'store'));
    ok(kms('RestoreSecret', '--SecretName', 'db_cred'));
    expect(hashTree(join(home, 'store'))).toBe(hash);
  });
});

describe('DescribeSecret shows PlannedDeleteTime 7 to 30 days ahead (the real clock)', () => {
  test.each([['7'], ['19'], ['30'], [undefined]])('RecoveryWindowInDays %s', (days) => {
    const home = newHome();
    ok(kmsIn(home, undefined, 'CreateSecret', '--SecretName', 's', '--VersionId', 'v1', '--SecretData', 'x'));
    const start = Date.now();
    ok(kmsIn(home, undefined, 'DeleteSecret', '--SecretName', 's', ...(days ? ['--RecoveryWindowInDays', days] : [])));
    const planned = ok(kmsIn(home, undefined, 'DescribeSecret', '--SecretName', 's')).PlannedDeleteTime;
    expect(planned).toMatch(SERVICE_TIME);
    const ahead = (Date.parse(planned) - start) / DAY;
    const expected = Number(days ?? 30);
    expect(ahead).toBeGreaterThan(expected - 1 / 24);
    expect(ahead).toBeLessThan(expected + 1 / 24);
    expect(ahead).toBeGreaterThanOrEqual(7 - 1 / 24);
    expect(ahead).toBeLessThanOrEqual(30 + 1 / 24);
  });
});

describe('once PlannedDeleteTime has passed (KMS_LOCAL_NOW), the secret is gone', () => {
  let home: string;
  const planned = T_MS + 7 * DAY;

  beforeAll(() => {
    home = newHome();
    ok(kmsIn(home, T, 'CreateSecret', '--SecretName', 'app/token', '--VersionId', 'v1', '--SecretData', 'old-token'));
    ok(kmsIn(home, T, 'CreateSecret', '--SecretName', 'other', '--VersionId', 'v1', '--SecretData', 'x'));
    ok(kmsIn(home, T, 'DeleteSecret', '--SecretName', 'app/token', '--RecoveryWindowInDays', '7'));
  });

  test('a second before PlannedDeleteTime it is still pending, and its file is there', () => {
    const described = ok(kmsIn(home, at(planned - 1000), 'DescribeSecret', '--SecretName', 'app/token'));
    expect(described.PlannedDeleteTime).toBe(at(planned));
    expect(storeFiles(home)).toHaveLength(2);
  });

  test('after it, every operation answers 404 Forbidden.ResourceNotFound and the file is removed', () => {
    const later = at(planned + 1000);
    fails(kmsIn(home, later, 'DescribeSecret', '--SecretName', 'app/token'), 'Forbidden.ResourceNotFound');
    expect(storeFiles(home)).toHaveLength(1);
    fails(kmsIn(home, later, 'GetSecretValue', '--SecretName', 'app/token'), 'Forbidden.ResourceNotFound');
    fails(kmsIn(home, later, 'RestoreSecret', '--SecretName', 'app/token'), 'Forbidden.ResourceNotFound');
    fails(kmsIn(home, later, 'DeleteSecret', '--SecretName', 'app/token'), 'Forbidden.ResourceNotFound');
    const listed = ok(kmsIn(home, later, 'ListSecrets'));
    expect(listed.SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['other']);
    expect(listed.TotalCount).toBe(1);
  });

  test('ListSecrets alone removes an expired file too', () => {
    const h = newHome();
    ok(kmsIn(h, T, 'CreateSecret', '--SecretName', 'a', '--VersionId', 'v1', '--SecretData', 'x'));
    ok(kmsIn(h, T, 'DeleteSecret', '--SecretName', 'a', '--RecoveryWindowInDays', '7'));
    expect(ok(kmsIn(h, at(planned), 'ListSecrets')).TotalCount).toBe(0);
    expect(storeFiles(h)).toEqual([]);
  });

  test('the name is free: CreateSecret of it succeeds with the new value', () => {
    const later = at(planned + 1000);
    ok(kmsIn(home, later, 'CreateSecret', '--SecretName', 'app/token', '--VersionId', 'v1', '--SecretData', 'new-token'));
    expect(ok(kmsIn(home, later, 'GetSecretValue', '--SecretName', 'app/token')).SecretData).toBe('new-token');
  });
});

describe('a rehearsal clock (KMS_LOCAL_NOW) never destroys; every purge is audited', () => {
  const auditLines = (home: string): any[] => {
    const path = join(home, 'audit.log');
    return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [];
  };
  const purges = (home: string): any[] => auditLines(home).filter((r) => r.operation === 'PurgeSecret');

  /** A secret deleted now (real clock) with a 7-day window, and the time a week and a day later. */
  function pendingForReal(): { home: string; rehearsal: string } {
    const home = newHome();
    ok(kmsIn(home, undefined, 'CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'keep-me'));
    ok(kmsIn(home, undefined, 'CreateSecret', '--SecretName', 'other', '--VersionId', 'v1', '--SecretData', 'x'));
    ok(kmsIn(home, undefined, 'DeleteSecret', '--SecretName', 'db', '--RecoveryWindowInDays', '7'));
    return { home, rehearsal: at(Date.now() + 8 * DAY) };
  }

  test('past the window by the rehearsal clock only: every read says gone, the file stays byte for byte, no purge is audited', () => {
    const { home, rehearsal } = pendingForReal();
    const before = hashTree(join(home, 'store', 'cn-hangzhou'), (rel) => rel.startsWith('.'));
    fails(kmsIn(home, rehearsal, 'DescribeSecret', '--SecretName', 'db'), 'Forbidden.ResourceNotFound');
    fails(kmsIn(home, rehearsal, 'GetSecretValue', '--SecretName', 'db'), 'Forbidden.ResourceNotFound');
    fails(kmsIn(home, rehearsal, 'RestoreSecret', '--SecretName', 'db'), 'Forbidden.ResourceNotFound');
    expect(ok(kmsIn(home, rehearsal, 'ListSecrets')).SecretList.Secret.map((x: any) => x.SecretName)).toEqual(['other']);
    expect(runCli(['rotate-due'], { home, env: { KMS_LOCAL_NOW: rehearsal } }).json).toMatchObject({
      Purged: [],
      PurgeWaits: [{ Region: 'cn-hangzhou', SecretName: 'db' }],
    });
    expect(hashTree(join(home, 'store', 'cn-hangzhou'), (rel) => rel.startsWith('.'))).toBe(before);
    expect(purges(home)).toEqual([]);
    // Back on the real clock, the secret is where it was: pending, and restorable.
    expect(ok(kmsIn(home, undefined, 'DescribeSecret', '--SecretName', 'db')).PlannedDeleteTime).toMatch(SERVICE_TIME);
    ok(kmsIn(home, undefined, 'RestoreSecret', '--SecretName', 'db'));
    expect(ok(kmsIn(home, undefined, 'GetSecretValue', '--SecretName', 'db')).SecretData).toBe('keep-me');
  });

  test('CreateSecret of the name under the rehearsal clock is refused (the secret still exists) and changes nothing', () => {
    const { home, rehearsal } = pendingForReal();
    const before = hashTree(join(home, 'store', 'cn-hangzhou'), (rel) => rel.startsWith('.'));
    const refused = kmsIn(home, rehearsal, 'CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'new');
    fails(refused, 'Rejected.ResourceInDeleteWindow');
    expect(serviceError(refused.stderr)?.message).toContain('KMS_LOCAL_NOW');
    expect(hashTree(join(home, 'store', 'cn-hangzhou'), (rel) => rel.startsWith('.'))).toBe(before);
    expect(ok(kmsIn(home, undefined, 'DescribeSecret', '--SecretName', 'db')).PlannedDeleteTime).toMatch(SERVICE_TIME);
  });

  // Deleted at T (in the past for the real clock): whoever comes next purges it, and says so in the audit log.
  test.each<[string, string[]]>([
    ['a read (GetSecretValue)', ['kms', 'GetSecretValue', '--SecretName', 'db']],
    ['ListSecrets', ['kms', 'ListSecrets']],
    ['rotate-due', ['rotate-due']],
    ['CreateSecret reusing the name', ['kms', 'CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'new']],
  ])('a purge by the real clock writes one audit line, whoever triggers it: %s', (_case, args) => {
    const home = newHome();
    ok(kmsIn(home, T, 'CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'x'));
    ok(kmsIn(home, T, 'DeleteSecret', '--SecretName', 'db', '--RecoveryWindowInDays', '7'));
    runCli(args, { home });
    expect(purges(home)).toEqual([
      expect.objectContaining({ operation: 'PurgeSecret', secretName: 'db', outcome: 'success', requestId: expect.stringMatching(UUID_V4) }),
    ]);
    const created = args.includes('CreateSecret');
    expect(storeFiles(home)).toHaveLength(created ? 1 : 0);
  });
});

describe('ForceDeleteWithoutRecovery', () => {
  test('true removes the secret and its file at once, and RestoreSecret then fails 404', () => {
    const home = newHome();
    const kms = (...args: string[]): CliResult => kmsIn(home, T, ...args);
    ok(kms('CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'x'));
    const json = ok(kms('DeleteSecret', '--SecretName', 'db', '--ForceDeleteWithoutRecovery', 'true'));
    expect(json).toMatchObject({ PlannedDeleteTime: T, SecretName: 'db' });
    expect(storeFiles(home)).toEqual([]);
    fails(kms('RestoreSecret', '--SecretName', 'db'), 'Forbidden.ResourceNotFound');
    fails(kms('GetSecretValue', '--SecretName', 'db'), 'Forbidden.ResourceNotFound');
    fails(kms('DescribeSecret', '--SecretName', 'db'), 'Forbidden.ResourceNotFound');
    ok(kms('CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'y'));
  });

  test('true works on a secret already pending deletion; false keeps the recovery window', () => {
    const home = newHome();
    const kms = (...args: string[]): CliResult => kmsIn(home, T, ...args);
    ok(kms('CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'x'));
    expect(ok(kms('DeleteSecret', '--SecretName', 'db', '--ForceDeleteWithoutRecovery', 'false', '--RecoveryWindowInDays', '8')).PlannedDeleteTime).toBe(
      at(T_MS + 8 * DAY),
    );
    ok(kms('DeleteSecret', '--SecretName', 'db', '--ForceDeleteWithoutRecovery', 'true'));
    expect(existsSync(join(home, 'store'))).toBe(true);
    expect(storeFiles(home)).toEqual([]);
    fails(kms('RestoreSecret', '--SecretName', 'db'), 'Forbidden.ResourceNotFound');
  });
});

describe('responses of the metadata operations', () => {
  let home: string;
  const kms = (...args: string[]): CliResult => kmsIn(home, T, ...args);

  beforeAll(() => {
    home = newHome();
    ok(kms('CreateSecret', '--SecretName', 'db_cred', '--VersionId', 'v1', '--SecretData', 'x', '--Description', 'main db',
      '--Tags', '[{"TagKey":"env","TagValue":"prod"}]', '--DKMSInstanceId', 'kst-hzz1'));
    ok(kms('CreateSecret', '--SecretName', 'app/api', '--VersionId', 'v1', '--SecretData', 'x', '--Tags', '[{"TagKey":"env","TagValue":"dev"}]'));
    ok(kms('CreateSecret', '--SecretName', 'Zeta', '--VersionId', 'v1', '--SecretData', 'x'));
    ok(kmsIn(home, T, 'CreateSecret', '--SecretName', 'west', '--VersionId', 'v1', '--SecretData', 'x', '--region', 'cn-shanghai'));
  });

  test('DescribeSecret has exactly the documented fields; Tags only with FetchTags=true; ARN accepted', () => {
    const json = ok(kms('DescribeSecret', '--SecretName', 'app/api'));
    expect(Object.keys(json).sort()).toEqual(['Arn', 'CreateTime', 'Description', 'EncryptionKeyId', 'OwingService', 'RequestId', 'SecretName', 'SecretType', 'UpdateTime']);
    expect(json).toMatchObject({ CreateTime: T, Description: '', SecretName: 'app/api', SecretType: 'Generic', UpdateTime: T });
    expect(json.Arn).toMatch(/^acs:kms:cn-hangzhou:\d{16}:secret\/app\/api$/);
    const full = ok(kms('DescribeSecret', '--SecretName', json.Arn.replace('app/api', 'db_cred'), '--FetchTags', 'true'));
    expect(full).toMatchObject({ DKMSInstanceId: 'kst-hzz1', Description: 'main db', SecretName: 'db_cred', Tags: { Tag: [{ TagKey: 'env', TagValue: 'prod' }] } });
  });

  test('ListSecrets: sorted by name, paged (10 by default), Filters OR within a key and AND across keys', () => {
    const all = ok(kms('ListSecrets'));
    expect(Object.keys(all).sort()).toEqual(['PageNumber', 'PageSize', 'RequestId', 'SecretList', 'TotalCount']);
    expect(all).toMatchObject({ PageNumber: 1, PageSize: 10, TotalCount: 3 });
    expect(all.SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['Zeta', 'app/api', 'db_cred']);
    expect(Object.keys(all.SecretList.Secret[0]).sort()).toEqual(['CreateTime', 'OwingService', 'SecretName', 'SecretType', 'UpdateTime']);
    const page2 = ok(kms('ListSecrets', '--PageNumber', '2', '--PageSize', '2', '--FetchTags', 'true'));
    expect(page2).toMatchObject({ PageNumber: 2, PageSize: 2, TotalCount: 3 });
    expect(page2.SecretList.Secret).toEqual([expect.objectContaining({ SecretName: 'db_cred', Tags: { Tag: [{ TagKey: 'env', TagValue: 'prod' }] } })]);
    const names = (filters: unknown): string[] =>
      ok(kms('ListSecrets', '--Filters', JSON.stringify(filters))).SecretList.Secret.map((s: any) => s.SecretName);
    expect(names([{ Key: 'TagKey', Values: ['env'] }])).toEqual(['app/api', 'db_cred']);
    expect(names([{ Key: 'TagKey', Values: ['env'] }, { Key: 'TagValue', Values: ['dev'] }])).toEqual(['app/api']);
    expect(names([{ Key: 'SecretName', Values: ['Zet', 'cred'] }])).toEqual(['Zeta', 'db_cred']);
    expect(names([{ Key: 'SecretType', Values: ['Generic'] }, { Key: 'DKMSInstanceId', Values: ['kst-hzz1'] }])).toEqual(['db_cred']);
    expect(ok(kms('ListSecrets', '--region', 'cn-shanghai')).SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['west']);
  });

  test('UpdateSecret changes the description and answers RequestId and SecretName', () => {
    const later = at(T_MS + DAY);
    expect(Object.keys(ok(kmsIn(home, later, 'UpdateSecret', '--SecretName', 'Zeta', '--Description', 'zeta secret'))).sort()).toEqual([
      'RequestId',
      'SecretName',
    ]);
    expect(ok(kms('DescribeSecret', '--SecretName', 'Zeta'))).toMatchObject({ Description: 'zeta secret', UpdateTime: later, CreateTime: T });
  });

  test('TagResource, UntagResource (JSON array or comma list) and ListTagResources with ResourceId.N and Tag.N', () => {
    expect(Object.keys(ok(kms('TagResource', '--SecretName', 'Zeta', '--Tags', '[{"TagKey":"env","TagValue":"prod"},{"TagKey":"team","TagValue":"a"},{"TagKey":"tier","TagValue":"1"}]')))).toEqual(['RequestId']);
    ok(kms('TagResource', '--SecretName', 'Zeta', '--Tags', '[{"TagKey":"team","TagValue":"b"}]'));
    const rows = (...args: string[]): string[] =>
      ok(kms('ListTagResources', '--ResourceType', 'secret', ...args)).TagResources.TagResource.map(
        (r: any) => `${r.ResourceType}:${r.ResourceId}:${r.TagKey}=${r.TagValue}`,
      );
    expect(rows()).toEqual(['secret:Zeta:env=prod', 'secret:Zeta:team=b', 'secret:Zeta:tier=1', 'secret:app/api:env=dev', 'secret:db_cred:env=prod']);
    expect(rows('--ResourceId.1', 'db_cred', '--ResourceId.2', 'app/api')).toEqual(['secret:app/api:env=dev', 'secret:db_cred:env=prod']);
    expect(rows('--Tag.1.Key', 'env', '--Tag.1.Value', 'prod')).toEqual(['secret:Zeta:env=prod', 'secret:Zeta:team=b', 'secret:Zeta:tier=1', 'secret:db_cred:env=prod']);
    expect(rows('--Tag.1.Key', 'env', '--Tag.2.Key', 'team')).toEqual(['secret:Zeta:env=prod', 'secret:Zeta:team=b', 'secret:Zeta:tier=1']);
    expect(rows('--RegionId', 'cn-shanghai')).toEqual([]);
    ok(kms('UntagResource', '--SecretName', 'Zeta', '--TagKeys', '["team"]'));
    ok(kms('UntagResource', '--SecretName', 'Zeta', '--TagKeys', 'tier, nope'));
    expect(rows('--ResourceId.1', 'Zeta')).toEqual(['secret:Zeta:env=prod']);
  });

  test('GetSecretPolicy answers the default policy until SetSecretPolicy sets one', () => {
    const json = ok(kms('GetSecretPolicy', '--SecretName', 'db_cred'));
    expect(Object.keys(json).sort()).toEqual(['Policy', 'RequestId']);
    expect(JSON.parse(json.Policy)).toMatchObject({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['kms:*'] }] });
    const policy = { Version: '1', Statement: [{ Effect: 'Deny', Principal: { RAM: ['acs:ram::1:user/x'] }, Action: ['kms:GetSecretValue'], Resource: ['*'] }] };
    expect(Object.keys(ok(kms('SetSecretPolicy', '--SecretName', 'db_cred', '--Policy', JSON.stringify(policy), '--PolicyName', 'default')))).toEqual(['RequestId']);
    expect(JSON.parse(ok(kms('GetSecretPolicy', '--SecretName', 'db_cred', '--PolicyName', 'default')).Policy)).toEqual(policy);
  });

  test('a RepeatList parameter in the wrong case is an unknown parameter, with the typed N suggested', () => {
    const result = kms('ListTagResources', '--ResourceType', 'secret', '--ResourceID.2', 'x');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'--ResourceID.2' is not a valid parameter or flag");
    expect(result.stdout).toContain('--ResourceId.2');
  });
});

describe('every bad input: an Aliyun-style error, a non-zero exit, and no change to the store', () => {
  let home: string;
  const twentyTags = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })));

  beforeAll(() => {
    home = newHome();
    ok(kmsIn(home, T, 'CreateSecret', '--SecretName', 'db', '--VersionId', 'v1', '--SecretData', 'x'));
    ok(kmsIn(home, T, 'CreateSecret', '--SecretName', 'full', '--VersionId', 'v1', '--SecretData', 'x', '--Tags', twentyTags));
    ok(kmsIn(home, T, 'CreateSecret', '--SecretName', 'doomed', '--VersionId', 'v1', '--SecretData', 'x', '--Tags', '[{"TagKey":"a","TagValue":"b"}]'));
    ok(kmsIn(home, T, 'DeleteSecret', '--SecretName', 'doomed'));
  });

  const service = (code: string) => ({ exit: 1, code });
  const cli = (exit: number) => ({ exit, code: undefined });
  const bad: [string, string[], { exit: number; code: string | undefined }][] = [
    ['DeleteSecret window 6', ['DeleteSecret', '--SecretName', 'db', '--RecoveryWindowInDays', '6'], service('InvalidParameter')],
    ['DeleteSecret window 31', ['DeleteSecret', '--SecretName', 'db', '--RecoveryWindowInDays', '31'], service('InvalidParameter')],
    ['DeleteSecret window not a number', ['DeleteSecret', '--SecretName', 'db', '--RecoveryWindowInDays', '7d'], service('InvalidParameter')],
    ['DeleteSecret window empty', ['DeleteSecret', '--SecretName', 'db', '--RecoveryWindowInDays='], service('InvalidParameter')],
    ['DeleteSecret force with window', ['DeleteSecret', '--SecretName', 'db', '--ForceDeleteWithoutRecovery', 'true', '--RecoveryWindowInDays', '7'], service('InvalidParameter')],
    ['DeleteSecret force not a boolean', ['DeleteSecret', '--SecretName', 'db', '--ForceDeleteWithoutRecovery', 'yes'], service('InvalidParameter')],
    ['DeleteSecret unknown secret', ['DeleteSecret', '--SecretName', 'nope'], service('Forbidden.ResourceNotFound')],
    ['DeleteSecret bad name', ['DeleteSecret', '--SecretName', 'a b'], service('InvalidParameter')],
    ['DeleteSecret foreign ARN', ['DeleteSecret', '--SecretName', 'acs:kms:cn-beijing:1234567890123456:secret/db'], service('Forbidden.ResourceNotFound')],
    ['DeleteSecret pending, no force', ['DeleteSecret', '--SecretName', 'doomed', '--RecoveryWindowInDays', '7'], service('Rejected.ResourceInDeleteWindow')],
    ['DeleteSecret without SecretName', ['DeleteSecret'], cli(3)],
    ['DeleteSecret unknown parameter', ['DeleteSecret', '--SecretName', 'db', '--RecoveryWindow', '7'], cli(2)],
    ['DeleteSecret duplicated parameter', ['DeleteSecret', '--SecretName', 'db', '--SecretName', 'full'], cli(1)],
    ['RestoreSecret unknown secret', ['RestoreSecret', '--SecretName', 'nope'], service('Forbidden.ResourceNotFound')],
    ['RestoreSecret without SecretName', ['RestoreSecret'], cli(3)],
    ['DescribeSecret unknown secret', ['DescribeSecret', '--SecretName', 'nope'], service('Forbidden.ResourceNotFound')],
    ['DescribeSecret FetchTags not a boolean', ['DescribeSecret', '--SecretName', 'db', '--FetchTags', 'yes'], service('InvalidParameter')],
    ['ListSecrets Filters not JSON', ['ListSecrets', '--Filters', '[{Key:SecretName}]'], service('InvalidParameter')],
    ['ListSecrets Filters unknown key', ['ListSecrets', '--Filters', '[{"Key":"Name","Values":["db"]}]'], service('InvalidParameter')],
    ['ListSecrets Filters an object', ['ListSecrets', '--Filters', '{"Key":"SecretName","Values":["db"]}'], service('InvalidParameter')],
    ['ListSecrets SecretType no type', ['ListSecrets', '--Filters', '[{"Key":"SecretType","Values":["Secret"]}]'], service('InvalidParameter')],
    ['ListSecrets PageSize 0', ['ListSecrets', '--PageSize', '0'], service('InvalidParameter')],
    ['ListSecrets PageSize 101', ['ListSecrets', '--PageSize', '101'], service('InvalidParameter')],
    ['ListSecrets PageNumber 0', ['ListSecrets', '--PageNumber', '0'], service('InvalidParameter')],
    ['ListSecrets PageNumber not a number', ['ListSecrets', '--PageNumber', 'two'], service('InvalidParameter')],
    ['UpdateSecret CustomData on Generic', ['UpdateSecret', '--SecretName', 'db', '--ExtendedConfig.CustomData', '{"a":"b"}'], service('InvalidParameter')],
    ['UpdateSecret CustomData not JSON', ['UpdateSecret', '--SecretName', 'db', '--ExtendedConfig.CustomData', 'a=b'], service('InvalidParameter')],
    ['UpdateSecret description too long', ['UpdateSecret', '--SecretName', 'db', '--Description', 'x'.repeat(1025)], service('InvalidParameter')],
    ['UpdateSecret unknown secret', ['UpdateSecret', '--SecretName', 'nope', '--Description', 'd'], service('Forbidden.ResourceNotFound')],
    ['UpdateSecret pending', ['UpdateSecret', '--SecretName', 'doomed', '--Description', 'd'], service('Rejected.ResourceInDeleteWindow')],
    ['TagResource reserved key', ['TagResource', '--SecretName', 'db', '--Tags', '[{"TagKey":"aliyun:x","TagValue":"v"}]'], service('InvalidParameter')],
    ['TagResource Tags not JSON', ['TagResource', '--SecretName', 'db', '--Tags', 'env=prod'], service('InvalidParameter')],
    ['TagResource empty Tags', ['TagResource', '--SecretName', 'db', '--Tags', '[]'], service('InvalidParameter')],
    ['TagResource 21 tags in all', ['TagResource', '--SecretName', 'full', '--Tags', '[{"TagKey":"new","TagValue":"v"}]'], service('Rejected.LimitExceeded')],
    ['TagResource KeyId of no key', ['TagResource', '--KeyId', 'key-1', '--Tags', '[{"TagKey":"a","TagValue":"b"}]'], service('Forbidden.KeyNotFound')],
    ['TagResource CertificateId', ['TagResource', '--CertificateId', 'c-1', '--Tags', '[{"TagKey":"a","TagValue":"b"}]'], service('UnsupportedOperation')],
    ['TagResource SecretName and KeyId', ['TagResource', '--SecretName', 'db', '--KeyId', 'k', '--Tags', '[{"TagKey":"a","TagValue":"b"}]'], service('InvalidParameter')],
    ['TagResource no resource', ['TagResource', '--Tags', '[{"TagKey":"a","TagValue":"b"}]'], service('InvalidParameter')],
    ['TagResource without Tags', ['TagResource', '--SecretName', 'db'], cli(3)],
    ['TagResource pending', ['TagResource', '--SecretName', 'doomed', '--Tags', '[{"TagKey":"a","TagValue":"c"}]'], service('Rejected.ResourceInDeleteWindow')],
    ['TagResource unknown secret', ['TagResource', '--SecretName', 'nope', '--Tags', '[{"TagKey":"a","TagValue":"c"}]'], service('Forbidden.ResourceNotFound')],
    ['UntagResource TagKeys not strings', ['UntagResource', '--SecretName', 'full', '--TagKeys', '[1]'], service('InvalidParameter')],
    ['UntagResource TagKeys broken JSON', ['UntagResource', '--SecretName', 'full', '--TagKeys', '["k1"'], service('InvalidParameter')],
    ['UntagResource TagKeys empty item', ['UntagResource', '--SecretName', 'full', '--TagKeys', 'k1,,k2'], service('InvalidParameter')],
    ['UntagResource CertificateId', ['UntagResource', '--CertificateId', 'c', '--TagKeys', 'k1'], service('UnsupportedOperation')],
    ['UntagResource pending', ['UntagResource', '--SecretName', 'doomed', '--TagKeys', 'a'], service('Rejected.ResourceInDeleteWindow')],
    ['ListTagResources ResourceType key of no key', ['ListTagResources', '--ResourceType', 'key', '--ResourceId.1', 'alias/none'], service('Forbidden.AliasNotFound')],
    ['ListTagResources ResourceType other', ['ListTagResources', '--ResourceType', 'Secret'], service('InvalidParameter')],
    ['ListTagResources ResourceId.51', ['ListTagResources', '--ResourceType', 'secret', '--ResourceId.51', 'db'], service('InvalidParameter')],
    ['ListTagResources unknown ResourceId', ['ListTagResources', '--ResourceType', 'secret', '--ResourceId.1', 'nope'], service('Forbidden.ResourceNotFound')],
    ['ListTagResources Tag.N.Value alone', ['ListTagResources', '--ResourceType', 'secret', '--Tag.1.Value', 'v'], service('InvalidParameter')],
    ['ListTagResources Tag.21', ['ListTagResources', '--ResourceType', 'secret', '--Tag.21.Key', 'k'], service('InvalidParameter')],
    ['ListTagResources bad NextToken', ['ListTagResources', '--ResourceType', 'secret', '--NextToken', 'abc'], service('InvalidParameter')],
    ['ListTagResources ResourceId.0', ['ListTagResources', '--ResourceType', 'secret', '--ResourceId.0', 'db'], cli(2)],
    ['ListTagResources Tag.1 without field', ['ListTagResources', '--ResourceType', 'secret', '--Tag.1', 'k'], cli(2)],
    ['ListTagResources without ResourceType', ['ListTagResources'], cli(3)],
    ['GetSecretPolicy other PolicyName', ['GetSecretPolicy', '--SecretName', 'db', '--PolicyName', 'custom'], service('InvalidParameter')],
    ['GetSecretPolicy unknown secret', ['GetSecretPolicy', '--SecretName', 'nope'], service('Forbidden.ResourceNotFound')],
    ['SetSecretPolicy empty document', ['SetSecretPolicy', '--SecretName', 'db', '--Policy', '{}'], service('InvalidParameter')],
    ['SetSecretPolicy no Action', ['SetSecretPolicy', '--SecretName', 'db', '--Policy', '{"Version":"1","Statement":[{"Effect":"Allow"}]}'], service('InvalidParameter')],
    ['SetSecretPolicy not JSON', ['SetSecretPolicy', '--SecretName', 'db', '--Policy', 'allow all'], service('InvalidParameter')],
    ['SetSecretPolicy pending', ['SetSecretPolicy', '--SecretName', 'doomed', '--Policy', '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*"}]}'], service('Rejected.ResourceInDeleteWindow')],
    ['SetSecretPolicy without Policy', ['SetSecretPolicy', '--SecretName', 'db'], cli(3)],
    ['GetSecretValue pending', ['GetSecretValue', '--SecretName', 'doomed'], service('Rejected.ResourceInDeleteWindow')],
    ['PutSecretValue pending', ['PutSecretValue', '--SecretName', 'doomed', '--VersionId', 'v2', '--SecretData', 'y'], service('Rejected.ResourceInDeleteWindow')],
    ['CreateSecret of a pending name', ['CreateSecret', '--SecretName', 'doomed', '--VersionId', 'v1', '--SecretData', 'y'], service('Rejected.ResourceInDeleteWindow')],
  ];

  test.each(bad)('%s', (_case, args, expected) => {
    const store = join(home, 'store');
    const hash = hashTree(store);
    const result = kmsIn(home, T, ...args);
    const code = serviceError(result.stderr)?.code;
    expect({ exit: result.code, code }).toEqual(expected);
    expect(result.stderr).toMatch(/^ERROR: /);
    if (expected.exit === 1 && expected.code) expect(result.stdout).toBe('');
    expect(hashTree(store)).toBe(hash);
  });
});
