/**
 * The key-management operations through bin/kms-local.js: every operation's success and its
 * refusals. A refused call gives an Aliyun-style error, exit 1, and leaves the home byte-for-byte
 * as it was.
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { hashTree, homesRemovedAfterAll, runCli, SERVICE_TIME, UUID_V4, type CliResult } from '../support/cli.js';
import { expectOk as ok, expectServiceError as fails } from '../support/expect-cli.js';

const newHome = homesRemovedAfterAll();

function kmsIn(home: string, ...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

/** `args` is refused with `code`, and the store is unchanged by it (the audit log records the call). */
function refused(home: string, code: string, ...args: string[]): void {
  const before = hashTree(join(home, 'store'));
  fails(kmsIn(home, ...args), code);
  expect(hashTree(join(home, 'store'))).toBe(before);
}

const KEY_ID = /^key-[a-z0-9]{24}$/;

describe('CreateKey and DescribeKey', () => {
  const home = newHome();

  test('CreateKey without parameters makes an Enabled Aliyun_AES_256 ENCRYPT/DECRYPT key with a first version', () => {
    const { KeyMetadata: meta } = ok(kmsIn(home, 'CreateKey', '--Description', 'app data'));
    const account = ok(kmsIn(home, 'DescribeKey', '--KeyId', meta.KeyId)).KeyMetadata.Creator;
    expect(meta).toEqual({
      Arn: `acs:kms:cn-hangzhou:${account}:key/${meta.KeyId}`,
      AutomaticRotation: 'Disabled',
      CreationDate: expect.stringMatching(SERVICE_TIME),
      Creator: account,
      Description: 'app data',
      KeyId: expect.stringMatching(KEY_ID),
      KeySpec: 'Aliyun_AES_256',
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT/DECRYPT',
      LastRotationDate: meta.CreationDate,
      MaterialExpireTime: '',
      Origin: 'Aliyun_KMS',
      PrimaryKeyVersion: expect.stringMatching(UUID_V4),
      ProtectionLevel: 'SOFTWARE',
    });
  });

  test.each<[string[], string, string]>([
    [['--KeySpec', 'Aliyun_AES_128'], 'Aliyun_AES_128', 'ENCRYPT/DECRYPT'],
    [['--KeySpec', 'RSA_2048'], 'RSA_2048', 'SIGN/VERIFY'],
    [['--KeySpec', 'RSA_3072', '--KeyUsage', 'ENCRYPT/DECRYPT'], 'RSA_3072', 'ENCRYPT/DECRYPT'],
    [['--KeySpec', 'EC_P256'], 'EC_P256', 'SIGN/VERIFY'],
    [['--KeySpec', 'EC_P256K', '--KeyUsage', 'SIGN/VERIFY'], 'EC_P256K', 'SIGN/VERIFY'],
  ])('CreateKey makes every KeySpec kms-local has: %j', (args, spec, usage) => {
    const { KeyMetadata: meta } = ok(kmsIn(home, 'CreateKey', ...args));
    expect({ spec: meta.KeySpec, usage: meta.KeyUsage, state: meta.KeyState }).toEqual({ spec, usage, state: 'Enabled' });
  });

  test('CreateKey with automatic rotation shows the interval in seconds and the next rotation one interval later', () => {
    const { KeyMetadata: meta } = ok(kmsIn(home, 'CreateKey', '--EnableAutomaticRotation', 'true', '--RotationInterval', '30d'));
    expect(meta.AutomaticRotation).toBe('Enabled');
    expect(meta.RotationInterval).toBe('2592000s');
    expect(Date.parse(meta.NextRotationDate) - Date.parse(meta.CreationDate)).toBe(30 * 86_400_000);
  });

  test.each<[string, string[]]>([
    ['InvalidParameter', ['--KeySpec', 'Aliyun_SM4']],
    ['InvalidParameter', ['--KeySpec', 'Aliyun_AES_256', '--KeyUsage', 'SIGN/VERIFY']],
    ['InvalidParameter', ['--KeySpec', 'EC_P256', '--KeyUsage', 'ENCRYPT/DECRYPT']],
    ['InvalidParameter', ['--KeyUsage', 'ENCRYPT']],
    ['InvalidParameter', ['--EnableAutomaticRotation', 'true']],
    ['InvalidParameter', ['--EnableAutomaticRotation', 'true', '--RotationInterval', '6d']],
    ['InvalidParameter', ['--EnableAutomaticRotation', 'true', '--RotationInterval', '366d']],
    ['InvalidParameter', ['--Tags', '[{"TagKey":"acs:x","TagValue":"v"}]']],
    ['InvalidParameter', ['--Policy', '{"Version":"1"}']],
    ['InvalidParameter', ['--Description', 'x'.repeat(8193)]],
    ['UnsupportedOperation', ['--Origin', 'EXTERNAL']],
    ['UnsupportedOperation', ['--ProtectionLevel', 'HSM']],
    ['UnsupportedOperation', ['--KeySpec', 'RSA_2048', '--EnableAutomaticRotation', 'true', '--RotationInterval', '30d']],
  ])('CreateKey refuses a bad input with %s and makes no key: %#', (code, args) => {
    refused(home, code, 'CreateKey', ...args);
  });

  test('DescribeKey takes the key id, its ARN, and refuses keys it does not have', () => {
    const { KeyMetadata: meta } = ok(kmsIn(home, 'CreateKey', '--KeySpec', 'EC_P256'));
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', meta.KeyId)).KeyMetadata).toEqual({ ...meta, DeletionProtection: 'Disabled' });
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', meta.Arn)).KeyMetadata.KeyId).toBe(meta.KeyId);
    refused(home, 'Forbidden.KeyNotFound', 'DescribeKey', '--KeyId', 'key-000000000000000000000000');
    refused(home, 'Forbidden.KeyNotFound', 'DescribeKey', '--KeyId', '../../master.key');
    refused(home, 'Forbidden.KeyNotFound', 'DescribeKey', '--KeyId', meta.Arn.replace('cn-hangzhou', 'cn-shanghai'));
    refused(home, 'Forbidden.AliasNotFound', 'DescribeKey', '--KeyId', 'alias/none');
    fails(runCli(['kms', 'DescribeKey', '--KeyId', meta.KeyId, '--region', 'cn-shanghai'], { home }), 'Forbidden.KeyNotFound');
  });
});

/** A fresh key of `spec`; returns its metadata. */
function newKey(home: string, ...args: string[]): any {
  return ok(kmsIn(home, 'CreateKey', ...args)).KeyMetadata;
}

const state = (home: string, keyId: string): string => ok(kmsIn(home, 'DescribeKey', '--KeyId', keyId)).KeyMetadata.KeyState;

describe('key states: EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, SetDeletionProtection, UpdateKeyDescription', () => {
  const home = newHome();

  test('DisableKey and EnableKey move a key between Disabled and Enabled, by id or alias', () => {
    const { KeyId } = newKey(home);
    ok(kmsIn(home, 'CreateAlias', '--AliasName', 'alias/states', '--KeyId', KeyId));
    ok(kmsIn(home, 'DisableKey', '--KeyId', 'alias/states'));
    expect(state(home, KeyId)).toBe('Disabled');
    ok(kmsIn(home, 'DisableKey', '--KeyId', KeyId));
    expect(state(home, KeyId)).toBe('Disabled');
    ok(kmsIn(home, 'EnableKey', '--KeyId', KeyId));
    expect(state(home, KeyId)).toBe('Enabled');
    refused(home, 'Forbidden.KeyNotFound', 'EnableKey', '--KeyId', 'key-000000000000000000000000');
    refused(home, 'Forbidden.AliasNotFound', 'DisableKey', '--KeyId', 'alias/none');
  });

  test('ScheduleKeyDeletion makes a key PendingDeletion with DeleteDate = now + window; CancelKeyDeletion makes it Enabled', () => {
    const { KeyId } = newKey(home);
    ok(kmsIn(home, 'DisableKey', '--KeyId', KeyId));
    ok(runCli(['kms', 'ScheduleKeyDeletion', '--KeyId', KeyId, '--PendingWindowInDays', '7'], { home, env: { KMS_LOCAL_NOW: '2027-03-01T00:00:00Z' } }));
    const meta = ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata;
    expect({ state: meta.KeyState, deleteDate: meta.DeleteDate }).toEqual({ state: 'PendingDeletion', deleteDate: '2027-03-08T00:00:00Z' });
    refused(home, 'Rejected.StateModifiedFailed', 'EnableKey', '--KeyId', KeyId);
    refused(home, 'Rejected.StateModifiedFailed', 'DisableKey', '--KeyId', KeyId);
    refused(home, 'Rejected.StateModifiedFailed', 'ScheduleKeyDeletion', '--KeyId', KeyId, '--PendingWindowInDays', '30');
    refused(home, 'Rejected.StateModifiedFailed', 'CreateAlias', '--AliasName', 'alias/late', '--KeyId', KeyId);
    refused(home, 'Rejected.PendingDeletion', 'CreateKeyVersion', '--KeyId', KeyId);
    refused(home, 'Rejected.PendingDeletion', 'SetKeyPolicy', '--KeyId', KeyId, '--Policy', '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*"}]}');
    ok(kmsIn(home, 'CancelKeyDeletion', '--KeyId', KeyId));
    const back = ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata;
    expect({ state: back.KeyState, deleteDate: back.DeleteDate }).toEqual({ state: 'Enabled', deleteDate: undefined });
    refused(home, 'Rejected.StateModifiedFailed', 'CancelKeyDeletion', '--KeyId', KeyId);
  });

  test.each(['6', '367', '0', 'x'])('ScheduleKeyDeletion refuses a window outside 7 to 366 days: %s', (days) => {
    const { KeyId } = newKey(home);
    refused(home, 'InvalidParameter', 'ScheduleKeyDeletion', '--KeyId', KeyId, '--PendingWindowInDays', days);
  });

  test('a key past its DeleteDate is gone; a rehearsal clock shows it gone but leaves it, the real clock keeps it', () => {
    const { KeyId } = newKey(home);
    ok(kmsIn(home, 'CreateAlias', '--AliasName', 'alias/doomed', '--KeyId', KeyId));
    ok(kmsIn(home, 'ScheduleKeyDeletion', '--KeyId', KeyId, '--PendingWindowInDays', '7'));
    const later = new Date(Date.now() + 8 * 86_400_000).toISOString();
    const before = hashTree(join(home, 'store'));
    fails(runCli(['kms', 'DescribeKey', '--KeyId', KeyId], { home, env: { KMS_LOCAL_NOW: later } }), 'Forbidden.KeyNotFound');
    fails(runCli(['kms', 'DescribeKey', '--KeyId', 'alias/doomed'], { home, env: { KMS_LOCAL_NOW: later } }), 'Forbidden.KeyNotFound');
    const listed = ok(runCli(['kms', 'ListKeys', '--PageSize', '100'], { home, env: { KMS_LOCAL_NOW: later } }));
    expect(listed.Keys.Key.map((k: any) => k.KeyId)).not.toContain(KeyId);
    expect(hashTree(join(home, 'store'))).toBe(before);
    expect(state(home, KeyId)).toBe('PendingDeletion');
  });

  test('SetDeletionProtection by ARN or KeyId; a protected key cannot be scheduled for deletion', () => {
    const { KeyId, Arn } = newKey(home);
    ok(kmsIn(home, 'SetDeletionProtection', '--ProtectedResourceArn', Arn, '--EnableDeletionProtection', 'true', '--DeletionProtectionDescription', 'used by billing'));
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata).toMatchObject({ DeletionProtection: 'Enabled', DeletionProtectionDescription: 'used by billing' });
    refused(home, 'UnsupportedOperation', 'ScheduleKeyDeletion', '--KeyId', KeyId, '--PendingWindowInDays', '7');
    ok(kmsIn(home, 'SetDeletionProtection', '--KeyId', KeyId, '--EnableDeletionProtection', 'false'));
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata.DeletionProtection).toBe('Disabled');
    ok(kmsIn(home, 'ScheduleKeyDeletion', '--KeyId', KeyId, '--PendingWindowInDays', '7'));
    refused(home, 'Rejected.PendingDeletion', 'SetDeletionProtection', '--KeyId', KeyId, '--EnableDeletionProtection', 'true');
    refused(home, 'InvalidParameter', 'SetDeletionProtection', '--EnableDeletionProtection', 'true');
    const missing = kmsIn(home, 'SetDeletionProtection', '--KeyId', KeyId);
    expect({ exit: missing.code, says: missing.stderr.includes('EnableDeletionProtection') }).toEqual({ exit: 3, says: true });
  });

  test('UpdateKeyDescription replaces the description, in any state', () => {
    const { KeyId } = newKey(home, '--Description', 'old');
    ok(kmsIn(home, 'DisableKey', '--KeyId', KeyId));
    ok(kmsIn(home, 'UpdateKeyDescription', '--KeyId', KeyId, '--Description', 'new'));
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata.Description).toBe('new');
    refused(home, 'InvalidParameter', 'UpdateKeyDescription', '--KeyId', KeyId, '--Description', 'x'.repeat(8193));
    refused(home, 'Forbidden.KeyNotFound', 'UpdateKeyDescription', '--KeyId', 'key-000000000000000000000000', '--Description', 'x');
  });
});

describe('ListKeys', () => {
  const home = newHome();
  const made: Record<string, string> = {};

  test('lists every key sorted by KeyId, paged, with Filters AND-ed across keys and OR-ed within', () => {
    made.aes = newKey(home).KeyId;
    made.rsa = newKey(home, '--KeySpec', 'RSA_2048').KeyId;
    made.ec = newKey(home, '--KeySpec', 'EC_P256', '--Tags', '[{"TagKey":"team","TagValue":"pay"}]').KeyId;
    ok(kmsIn(home, 'DisableKey', '--KeyId', made.rsa));
    const all = ok(kmsIn(home, 'ListKeys'));
    const ids = Object.values(made).sort();
    expect(all.Keys.Key).toEqual(ids.map((id) => ({ KeyArn: expect.stringMatching(new RegExp(`^acs:kms:cn-hangzhou:\\d{16}:key/${id}$`)), KeyId: id })));
    expect({ n: all.TotalCount, page: all.PageNumber, size: all.PageSize }).toEqual({ n: 3, page: 1, size: 10 });
    const page2 = ok(kmsIn(home, 'ListKeys', '--PageSize', '2', '--PageNumber', '2'));
    expect(page2.Keys.Key.map((k: any) => k.KeyId)).toEqual([ids[2]]);
    const ids_ = (filters: unknown): string[] => ok(kmsIn(home, 'ListKeys', '--Filters', JSON.stringify(filters))).Keys.Key.map((k: any) => k.KeyId);
    expect(ids_([{ Key: 'KeyState', Values: ['Disabled'] }])).toEqual([made.rsa]);
    expect(ids_([{ Key: 'KeySpec', Values: ['Aliyun_AES_256', 'EC_P256'] }])).toEqual([made.aes, made.ec].sort());
    expect(ids_([{ Key: 'KeyUsage', Values: ['SIGN/VERIFY'] }, { Key: 'KeyState', Values: ['Enabled'] }])).toEqual([made.ec]);
    expect(ids_([{ Key: 'TagKey', Values: ['team'] }])).toEqual([made.ec]);
    expect(ids_([{ Key: 'keyId', Values: [made.aes] }])).toEqual([made.aes]);
    expect(ids_([{ Key: 'KeyState', Values: [] }])).toEqual(ids);
  });

  test.each([
    ['not JSON', '[{'],
    ['not an array', '{"Key":"KeyState"}'],
    ['an unknown Key', '[{"Key":"Color","Values":["red"]}]'],
    ['11 values', JSON.stringify([{ Key: 'KeyState', Values: Array.from({ length: 11 }, () => 'Enabled') }])],
  ])('ListKeys refuses bad Filters with InvalidParameter: %s', (_case, filters) => {
    fails(kmsIn(home, 'ListKeys', '--Filters', filters), 'InvalidParameter');
  });
});

describe('key versions and rotation', () => {
  const home = newHome();

  test('CreateKeyVersion makes a new primary version; DescribeKeyVersion and ListKeyVersions show them', () => {
    const meta = newKey(home);
    const { KeyVersion: v2 } = ok(kmsIn(home, 'CreateKeyVersion', '--KeyId', meta.KeyId));
    expect(v2).toEqual({ CreationDate: expect.stringMatching(SERVICE_TIME), KeyId: meta.KeyId, KeyVersionId: expect.stringMatching(UUID_V4) });
    const after = ok(kmsIn(home, 'DescribeKey', '--KeyId', meta.KeyId)).KeyMetadata;
    expect({ primary: after.PrimaryKeyVersion, last: after.LastRotationDate }).toEqual({ primary: v2.KeyVersionId, last: v2.CreationDate });
    expect(ok(kmsIn(home, 'DescribeKeyVersion', '--KeyId', meta.KeyId, '--KeyVersionId', meta.PrimaryKeyVersion)).KeyVersion).toEqual({
      CreationDate: meta.CreationDate,
      KeyId: meta.KeyId,
      KeyVersionId: meta.PrimaryKeyVersion,
    });
    const listed = ok(kmsIn(home, 'ListKeyVersions', '--KeyId', meta.KeyId));
    expect(listed.KeyVersions.KeyVersion.map((v: any) => v.KeyVersionId)).toEqual([meta.PrimaryKeyVersion, v2.KeyVersionId]);
    expect(listed.TotalCount).toBe(2);
    refused(home, 'Forbidden.KeyVersionNotFound', 'DescribeKeyVersion', '--KeyId', meta.KeyId, '--KeyVersionId', '00000000-0000-4000-8000-000000000000');
    refused(home, 'UnsupportedOperation', 'CreateKeyVersion', '--KeyId', newKey(home, '--KeySpec', 'EC_P256').KeyId);
  });

  test('UpdateRotationPolicy turns automatic rotation on and off; rotate-due makes a new version of a key that is due', () => {
    const { KeyId } = newKey(home);
    ok(kmsIn(home, 'UpdateRotationPolicy', '--KeyId', KeyId, '--EnableAutomaticRotation', 'true', '--RotationInterval', '7d'));
    const meta = ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata;
    expect({ rotation: meta.AutomaticRotation, interval: meta.RotationInterval }).toEqual({ rotation: 'Enabled', interval: '604800s' });
    const due = new Date(Date.parse(meta.NextRotationDate) + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const dry = runCli(['rotate-due', '--dry-run'], { home, env: { KMS_LOCAL_NOW: due } });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).Due).toContainEqual({ Region: 'cn-hangzhou', KeyId, NextRotationDate: meta.NextRotationDate });
    expect(ok(kmsIn(home, 'ListKeyVersions', '--KeyId', KeyId)).TotalCount).toBe(1);
    const run = runCli(['rotate-due'], { home, env: { KMS_LOCAL_NOW: due } });
    expect(run.code).toBe(0);
    const rotated = JSON.parse(run.stdout).Rotated.find((e: any) => e.KeyId === KeyId);
    expect(rotated.KeyVersionId).toMatch(UUID_V4);
    const after = ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata;
    expect({ primary: after.PrimaryKeyVersion, last: after.LastRotationDate }).toEqual({ primary: rotated.KeyVersionId, last: due });
    expect(Date.parse(after.NextRotationDate) - Date.parse(due)).toBe(7 * 86_400_000);
    ok(kmsIn(home, 'UpdateRotationPolicy', '--KeyId', KeyId, '--EnableAutomaticRotation', 'false'));
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', KeyId)).KeyMetadata).toMatchObject({ AutomaticRotation: 'Disabled' });
    refused(home, 'InvalidParameter', 'UpdateRotationPolicy', '--KeyId', KeyId, '--EnableAutomaticRotation', 'true');
    refused(home, 'InvalidParameter', 'UpdateRotationPolicy', '--KeyId', KeyId, '--EnableAutomaticRotation', 'true', '--RotationInterval', '1d');
    refused(home, 'UnsupportedOperation', 'UpdateRotationPolicy', '--KeyId', newKey(home, '--KeySpec', 'RSA_2048').KeyId, '--EnableAutomaticRotation', 'true', '--RotationInterval', '30d');
  });
});

describe('aliases', () => {
  const home = newHome();

  test('CreateAlias, UpdateAlias, DeleteAlias, ListAliases and ListAliasesByKeyId', () => {
    const a = newKey(home).KeyId;
    const b = newKey(home).KeyId;
    ok(kmsIn(home, 'CreateAlias', '--AliasName', 'alias/one', '--KeyId', a));
    ok(kmsIn(home, 'CreateAlias', '--AliasName', 'alias/two', '--KeyId', a));
    refused(home, 'AliasAlreadyExists', 'CreateAlias', '--AliasName', 'alias/one', '--KeyId', b);
    refused(home, 'InvalidParameter', 'CreateAlias', '--AliasName', 'one', '--KeyId', b);
    refused(home, 'InvalidParameter', 'CreateAlias', '--AliasName', 'alias/acs/x', '--KeyId', b);
    refused(home, 'Forbidden.KeyNotFound', 'CreateAlias', '--AliasName', 'alias/three', '--KeyId', 'key-000000000000000000000000');
    const listed = ok(kmsIn(home, 'ListAliases'));
    expect(listed.Aliases.Alias).toEqual([
      { AliasArn: expect.stringMatching(/^acs:kms:cn-hangzhou:\d{16}:alias\/one$/), AliasName: 'alias/one', KeyId: a },
      { AliasArn: expect.stringMatching(/^acs:kms:cn-hangzhou:\d{16}:alias\/two$/), AliasName: 'alias/two', KeyId: a },
    ]);
    ok(kmsIn(home, 'UpdateAlias', '--AliasName', 'alias/two', '--KeyId', b));
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', 'alias/two')).KeyMetadata.KeyId).toBe(b);
    expect(ok(kmsIn(home, 'ListAliasesByKeyId', '--KeyId', a)).Aliases.Alias.map((x: any) => x.AliasName)).toEqual(['alias/one']);
    refused(home, 'Forbidden.AliasNotFound', 'UpdateAlias', '--AliasName', 'alias/none', '--KeyId', b);
    ok(kmsIn(home, 'DeleteAlias', '--AliasName', 'alias/one'));
    refused(home, 'Forbidden.AliasNotFound', 'DeleteAlias', '--AliasName', 'alias/one');
    expect(ok(kmsIn(home, 'DescribeKey', '--KeyId', a)).KeyMetadata.KeyState).toBe('Enabled');
    expect(ok(kmsIn(home, 'ListAliases')).TotalCount).toBe(1);
    ok(kmsIn(home, 'ScheduleKeyDeletion', '--KeyId', a, '--PendingWindowInDays', '7'));
    refused(home, 'Rejected.PendingDeletion', 'UpdateAlias', '--AliasName', 'alias/two', '--KeyId', a);
  });
});

describe('key tags and key policies', () => {
  const home = newHome();

  test('TagResource, UntagResource and ListTagResources take keys', () => {
    const a = newKey(home).KeyId;
    const b = newKey(home, '--Tags', '[{"TagKey":"env","TagValue":"prod"}]').KeyId;
    ok(kmsIn(home, 'CreateAlias', '--AliasName', 'alias/tagged', '--KeyId', a));
    ok(kmsIn(home, 'TagResource', '--KeyId', 'alias/tagged', '--Tags', '[{"TagKey":"env","TagValue":"dev"},{"TagKey":"team","TagValue":"pay"}]'));
    const rows = ok(kmsIn(home, 'ListTagResources', '--ResourceType', 'key')).TagResources.TagResource;
    expect(rows).toEqual(
      [
        { ResourceId: a, ResourceType: 'key', TagKey: 'env', TagValue: 'dev' },
        { ResourceId: a, ResourceType: 'key', TagKey: 'team', TagValue: 'pay' },
        { ResourceId: b, ResourceType: 'key', TagKey: 'env', TagValue: 'prod' },
      ].sort((x, y) => (x.ResourceId < y.ResourceId ? -1 : x.ResourceId > y.ResourceId ? 1 : x.TagKey < y.TagKey ? -1 : 1)),
    );
    ok(kmsIn(home, 'UntagResource', '--KeyId', a, '--TagKeys', '["team","nope"]'));
    expect(ok(kmsIn(home, 'ListTagResources', '--ResourceType', 'key', '--ResourceId.1', a)).TagResources.TagResource).toEqual([
      { ResourceId: a, ResourceType: 'key', TagKey: 'env', TagValue: 'dev' },
    ]);
    refused(home, 'Rejected.LimitExceeded', 'TagResource', '--KeyId', a, '--Tags', JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }))));
    refused(home, 'Forbidden.KeyNotFound', 'TagResource', '--KeyId', 'key-000000000000000000000000', '--Tags', '[{"TagKey":"a","TagValue":"b"}]');
    refused(home, 'InvalidParameter', 'TagResource', '--KeyId', a, '--SecretName', 's', '--Tags', '[{"TagKey":"a","TagValue":"b"}]');
    fails(kmsIn(home, 'ListTagResources', '--ResourceType', 'key', '--ResourceId.1', 'alias/none'), 'Forbidden.AliasNotFound');
  });

  test('GetKeyPolicy shows the default policy until SetKeyPolicy replaces it', () => {
    const { KeyId, Creator } = newKey(home);
    expect(JSON.parse(ok(kmsIn(home, 'GetKeyPolicy', '--KeyId', KeyId)).Policy)).toEqual({
      Statement: [{ Action: ['kms:*'], Effect: 'Allow', Principal: { RAM: [`acs:ram::${Creator}:*`] }, Resource: ['*'], Sid: 'kms default key policy' }],
      Version: '1',
    });
    const policy = '{"Version":"1","Statement":[{"Effect":"Deny","Action":["kms:Decrypt"],"Principal":"*"}]}';
    ok(kmsIn(home, 'SetKeyPolicy', '--KeyId', KeyId, '--Policy', policy));
    expect(ok(kmsIn(home, 'GetKeyPolicy', '--KeyId', KeyId, '--PolicyName', 'default')).Policy).toBe(policy);
    refused(home, 'InvalidParameter', 'SetKeyPolicy', '--KeyId', KeyId, '--Policy', '{"Version":"1","Statement":[]}');
    refused(home, 'InvalidParameter', 'GetKeyPolicy', '--KeyId', KeyId, '--PolicyName', 'other');
    const withPolicy = newKey(home, '--Policy', policy).KeyId;
    expect(ok(kmsIn(home, 'GetKeyPolicy', '--KeyId', withPolicy)).Policy).toBe(policy);
  });
});

describe('secrets sealed by their key (CreateSecret --EncryptionKeyId)', () => {
  const home = newHome();

  test('a secret sealed by a key is readable while the key is Enabled, refused while it is Disabled, readable again after EnableKey', () => {
    const { KeyId, Arn } = newKey(home);
    ok(kmsIn(home, 'CreateAlias', '--AliasName', 'alias/secrets', '--KeyId', KeyId));
    for (const [name, ref] of [['by_id', KeyId], ['by_arn', Arn], ['by_alias', 'alias/secrets']] as const) {
      ok(kmsIn(home, 'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretData', `value of ${name}`, '--EncryptionKeyId', ref));
      expect(ok(kmsIn(home, 'DescribeSecret', '--SecretName', name)).EncryptionKeyId).toBe(KeyId);
      expect(ok(kmsIn(home, 'GetSecretValue', '--SecretName', name)).SecretData).toBe(`value of ${name}`);
    }
    ok(kmsIn(home, 'PutSecretValue', '--SecretName', 'by_id', '--VersionId', 'v2', '--SecretData', 'second'));
    ok(kmsIn(home, 'DisableKey', '--KeyId', KeyId));
    fails(kmsIn(home, 'GetSecretValue', '--SecretName', 'by_id'), 'Rejected.Disabled');
    fails(kmsIn(home, 'GetSecretValue', '--SecretName', 'by_id', '--VersionId', 'v1'), 'Rejected.Disabled');
    refused(home, 'Rejected.Disabled', 'PutSecretValue', '--SecretName', 'by_id', '--VersionId', 'v3', '--SecretData', 'third');
    refused(home, 'Rejected.Disabled', 'CreateSecret', '--SecretName', 'late', '--VersionId', 'v1', '--SecretData', 'x', '--EncryptionKeyId', KeyId);
    expect(ok(kmsIn(home, 'DescribeSecret', '--SecretName', 'by_id')).EncryptionKeyId).toBe(KeyId);
    ok(kmsIn(home, 'EnableKey', '--KeyId', KeyId));
    expect(ok(kmsIn(home, 'GetSecretValue', '--SecretName', 'by_id')).SecretData).toBe('second');
    expect(ok(kmsIn(home, 'GetSecretValue', '--SecretName', 'by_id', '--VersionId', 'v1')).SecretData).toBe('value of by_id');
  });

  test('after the key rotates, versions sealed by the old key version stay readable and new versions are written and read', () => {
    const { KeyId } = newKey(home);
    ok(kmsIn(home, 'CreateSecret', '--SecretName', 'rotating', '--VersionId', 'v1', '--SecretData', 'before', '--EncryptionKeyId', KeyId));
    ok(kmsIn(home, 'CreateKeyVersion', '--KeyId', KeyId));
    ok(kmsIn(home, 'PutSecretValue', '--SecretName', 'rotating', '--VersionId', 'v2', '--SecretData', 'after'));
    expect(ok(kmsIn(home, 'GetSecretValue', '--SecretName', 'rotating', '--VersionId', 'v1')).SecretData).toBe('before');
    expect(ok(kmsIn(home, 'GetSecretValue', '--SecretName', 'rotating')).SecretData).toBe('after');
  });

  test('a key pending deletion refuses its secrets; a key that is gone leaves them unreadable', () => {
    const { KeyId } = newKey(home);
    ok(kmsIn(home, 'CreateSecret', '--SecretName', 'doomed', '--VersionId', 'v1', '--SecretData', 'x', '--EncryptionKeyId', KeyId));
    ok(kmsIn(home, 'ScheduleKeyDeletion', '--KeyId', KeyId, '--PendingWindowInDays', '7'));
    fails(kmsIn(home, 'GetSecretValue', '--SecretName', 'doomed'), 'Rejected.PendingDeletion');
    const later = new Date(Date.now() + 8 * 86_400_000).toISOString();
    fails(runCli(['kms', 'GetSecretValue', '--SecretName', 'doomed'], { home, env: { KMS_LOCAL_NOW: later } }), 'Forbidden.KeyNotFound');
    ok(kmsIn(home, 'CancelKeyDeletion', '--KeyId', KeyId));
    expect(ok(kmsIn(home, 'GetSecretValue', '--SecretName', 'doomed')).SecretData).toBe('x');
  });

  test('CreateSecret refuses an unknown key, an asymmetric key and a signing key; no EncryptionKeyId keeps the master key', () => {
    refused(home, 'Forbidden.ResourceNotFound', 'CreateSecret', '--SecretName', 'a', '--VersionId', 'v1', '--SecretData', 'x', '--EncryptionKeyId', 'key-000000000000000000000000');
    refused(home, 'Forbidden.ResourceNotFound', 'CreateSecret', '--SecretName', 'a', '--VersionId', 'v1', '--SecretData', 'x', '--EncryptionKeyId', 'alias/none');
    const rsa = newKey(home, '--KeySpec', 'RSA_2048', '--KeyUsage', 'ENCRYPT/DECRYPT').KeyId;
    refused(home, 'InvalidParameter', 'CreateSecret', '--SecretName', 'a', '--VersionId', 'v1', '--SecretData', 'x', '--EncryptionKeyId', rsa);
    ok(kmsIn(home, 'CreateSecret', '--SecretName', 'plain', '--VersionId', 'v1', '--SecretData', 'x'));
    expect(ok(kmsIn(home, 'DescribeSecret', '--SecretName', 'plain')).EncryptionKeyId).toMatch(/^key-local-/);
  });
});

describe('the audit trail of key operations', () => {
  test('every key operation that changes something leaves a record naming the key (and alias or version), and nothing else', () => {
    const home = newHome();
    const { KeyId } = newKey(home);
    ok(kmsIn(home, 'CreateAlias', '--AliasName', 'alias/audited', '--KeyId', KeyId));
    const { KeyVersion } = ok(kmsIn(home, 'CreateKeyVersion', '--KeyId', 'alias/audited'));
    ok(kmsIn(home, 'DisableKey', '--KeyId', KeyId));
    fails(kmsIn(home, 'ScheduleKeyDeletion', '--KeyId', 'key-000000000000000000000000', '--PendingWindowInDays', '7'), 'Forbidden.KeyNotFound');
    const audit = runCli(['audit', '--KeyId', KeyId], { home });
    expect(audit.code).toBe(0);
    const records = audit.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(records.map((r: any) => [r.operation, r.keyId, r.aliasName, r.keyVersionId, r.outcome, r.secretName])).toEqual([
      ['CreateKey', KeyId, undefined, undefined, 'success', null],
      ['CreateAlias', KeyId, 'alias/audited', undefined, 'success', null],
      ['CreateKeyVersion', KeyId, undefined, KeyVersion.KeyVersionId, 'success', null],
      ['DisableKey', KeyId, undefined, undefined, 'success', null],
    ]);
    const all = readFileSync(join(home, 'audit.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(all.at(-1)).toMatchObject({ operation: 'ScheduleKeyDeletion', keyId: 'key-000000000000000000000000', outcome: 'error', errorCode: 'Forbidden.KeyNotFound' });
    const fields = ['time', 'operation', 'secretName', 'versionId', 'requestId', 'outcome', 'errorCode', 'caller', 'keyId', 'aliasName', 'keyVersionId'];
    for (const record of all) expect(Object.keys(record).filter((k) => !fields.includes(k))).toEqual([]);
  });
});
