/** Dynamic secret types and the rotation policy: ExtendedConfig, SecretData shapes, intervals. */
import { describe, expect, test } from '@jest/globals';
import {
  checkAutoData,
  checkExtendedConfig,
  checkNameForType,
  parseCustomData,
  parseInitialData,
  type DynamicKind,
} from '../../src/core/dynamic.js';
import { applyPolicy, formatInterval, isDue, parseInterval } from '../../src/core/rotation-policy.js';
import type { SecretRecord } from '../../src/core/model.js';

const invalid = expect.objectContaining({ code: 'InvalidParameter' });

describe('RotationInterval', () => {
  test.each([
    ['30d', 2592000],
    ['12h', 43200],
    ['604800s', 604800],
    ['360m', 21600],
    ['21600', 21600],
    ['365d', 31536000],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseInterval(text)).toBe(seconds);
    expect(formatInterval(seconds)).toBe(`${seconds}s`);
  });
  test.each(['5h', '359m', '366d', '1w', '', '-1d', '1.5d'])('%s is refused', (text) => {
    expect(() => parseInterval(text)).toThrow(invalid);
  });
});

describe('rotation policy', () => {
  const secret = { createTime: '2026-01-01T00:00:00Z', rotation: undefined } as unknown as SecretRecord;
  test('enabling schedules the first rotation one interval after creation', () => {
    expect(applyPolicy(secret, { enable: true, interval: '7d' })).toEqual({
      automatic: true,
      intervalSeconds: 604800,
      nextRotationDate: '2026-01-08T00:00:00Z',
    });
  });
  test('or one interval after the last rotation', () => {
    const rotated = { ...secret, rotation: { automatic: false, lastRotationDate: '2026-03-01T00:00:00Z' } };
    expect(applyPolicy(rotated, { enable: true, interval: '1d' }).nextRotationDate).toBe('2026-03-02T00:00:00Z');
  });
  test('enabling needs an interval; disabling drops the due date', () => {
    expect(() => applyPolicy(secret, { enable: true })).toThrow(invalid);
    const on = { ...secret, rotation: applyPolicy(secret, { enable: true, interval: '7d' }) };
    expect(applyPolicy(on, { enable: false })).toEqual({ automatic: false, intervalSeconds: 604800 });
  });
  test('isDue compares NextRotationDate with now', () => {
    const on = { ...secret, rotation: applyPolicy(secret, { enable: true, interval: '7d' }) };
    expect(isDue(on, Date.parse('2026-01-07T23:59:59Z'))).toBe(false);
    expect(isDue(on, Date.parse('2026-01-08T00:00:00Z'))).toBe(true);
    expect(isDue({ ...on, plannedDeleteTime: '2026-02-01T00:00:00Z' }, Date.parse('2026-01-09T00:00:00Z'))).toBe(false);
  });
});

describe('names and ExtendedConfig', () => {
  test('ECS names start acs/ecs/; Rds names must not start acs/', () => {
    expect(() => checkNameForType('acs/ecs/web', 'ECS')).not.toThrow();
    expect(() => checkNameForType('web', 'ECS')).toThrow(invalid);
    expect(() => checkNameForType('acs/db', 'Rds')).toThrow(invalid);
  });
  test('ECS needs SecretSubType, RegionId and InstanceId; CustomData defaults to {}', () => {
    expect(checkExtendedConfig('ECS', { SecretSubType: 'SSHKey', RegionId: 'cn-hangzhou', InstanceId: 'i-1' })).toEqual({
      SecretSubType: 'SSHKey',
      RegionId: 'cn-hangzhou',
      InstanceId: 'i-1',
      CustomData: {},
    });
    expect(() => checkExtendedConfig('ECS', { SecretSubType: 'SSHKey', RegionId: 'cn-hangzhou' })).toThrow(invalid);
    expect(() => checkExtendedConfig('ECS', { SecretSubType: 'Token', RegionId: 'cn-hangzhou', InstanceId: 'i-1' })).toThrow(invalid);
    expect(() => checkExtendedConfig('ECS', undefined)).toThrow(invalid);
  });
  test('Rds needs SecretSubType and DBInstanceId', () => {
    expect(() => checkExtendedConfig('Rds', { SecretSubType: 'DoubleUsers', DBInstanceId: 'rm-1' })).not.toThrow();
    expect(() => checkExtendedConfig('Rds', { SecretSubType: 'DoubleUsers', InstanceId: 'rm-1' })).toThrow(invalid);
  });
});

describe('SecretData', () => {
  const single: DynamicKind = { type: 'Rds', subType: 'SingleUser', instanceId: 'rm-1' };
  const double: DynamicKind = { type: 'Rds', subType: 'DoubleUsers', instanceId: 'rm-1' };
  const password: DynamicKind = { type: 'ECS', subType: 'Password', instanceId: 'i-1' };
  const account = (n: string) => ({ AccountName: n, AccountPassword: `pw-${n}` });

  test('Rds takes {"Accounts":[...]}: one account for SingleUser, two for DoubleUsers', () => {
    expect(parseInitialData(single, JSON.stringify({ Accounts: [account('app')] }))).toEqual([account('app')]);
    expect(parseInitialData(double, JSON.stringify({ Accounts: [account('a'), account('b')] }))).toEqual([account('a'), account('b')]);
    expect(() => parseInitialData(double, JSON.stringify({ Accounts: [account('a')] }))).toThrow(invalid);
    expect(() => parseInitialData(double, JSON.stringify({ Accounts: [account('a'), account('a')] }))).toThrow(invalid);
    expect(() => parseInitialData(single, 'not json')).toThrow(invalid);
  });
  test('ECS Password takes {"UserName","Password"}; passwords have no control characters', () => {
    expect(parseInitialData(password, '{"UserName":"ecs-user","Password":"pw"}')).toEqual([{ UserName: 'ecs-user', Password: 'pw' }]);
    expect(() => parseInitialData(password, '{"UserName":"ecs-user","Password":"a\\nb"}')).toThrow(invalid);
    expect(() => parseInitialData(password, '{"UserName":"bad user","Password":"pw"}')).toThrow(invalid);
  });
  test('a custom rotation value may leave out the user, but may not name another', () => {
    expect(parseCustomData(password, '{"Password":"new"}', 'ecs-user')).toEqual({ UserName: 'ecs-user', Password: 'new' });
    expect(() => parseCustomData(password, '{"UserName":"root","Password":"new"}', 'ecs-user')).toThrow(invalid);
    expect(parseCustomData(single, '{"AccountPassword":"new"}', 'app')).toEqual({ AccountName: 'app', AccountPassword: 'new' });
  });
});

describe('Redis and PolarDB ExtendedConfig (the service\'s fields; kms-local creates <name> and <name>_clone)', () => {
  const redis = { SecretSubType: 'DoubleUsers', InstanceId: 'r-bp1zx', RegionId: 'cn-hangzhou', AccountName: 'app', CloneAccountName: 'app_clone', AccountPrivilege: 'RoleReadWrite' };
  const polardb = { SecretSubType: 'DoubleUsers', RegionId: 'cn-hangzhou', DBClusterId: 'pc-bp1s8', DBType: 'MySQL', AccountName: 'app' };

  test('a complete Redis config is accepted with CustomData defaulted', () => {
    expect(checkExtendedConfig('Redis', redis)).toEqual({ ...redis, CustomData: {} });
  });
  test('a PolarDB config gets CloneAccountName <AccountName>_clone when it is left out', () => {
    expect(checkExtendedConfig('PolarDB', polardb)).toEqual({ ...polardb, CloneAccountName: 'app_clone', CustomData: {} });
  });
  test.each([
    ['Redis', { ...redis, SecretSubType: 'SingleUser' }, /SecretSubType of a Redis secret must be DoubleUsers/],
    ['Redis', { ...redis, CloneAccountName: 'app_copy' }, /CloneAccountName must be 'app_clone'/],
    ['Redis', { ...redis, CloneAccountName: undefined }, /CloneAccountName must be 'app_clone'/],
    ['Redis', { ...redis, AccountPrivilege: 'RoleRepl' }, /RoleReadOnly or RoleReadWrite/],
    ['Redis', { ...redis, AccountName: 'App' }, /AccountName must be a lowercase letter/],
    ['Redis', { ...redis, DBInstanceId: 'rm-x' }, /not DBInstanceId/],
    ['PolarDB', { ...polardb, DBType: 'Oracle' }, /DBType of a PolarDB secret must be MySQL or PostgreSQL/],
    ['PolarDB', { ...polardb, AccountType: 'Super' }, /AccountType of a PolarDB secret can only be Normal/],
    ['PolarDB', { ...polardb, DBType: 'PostgreSQL', DBName: 'app' }, /for PolarDB MySQL secrets only/],
    ['PolarDB', { ...polardb, AccountPrivilege: 'ReadWrite' }, /DBName/],
    ['PolarDB', { ...polardb, AccountPrivilege: 'Owner', DBName: 'app' }, /ReadWrite, ReadOnly, DMLOnly, DDLOnly, ReadIndex/],
  ] as [('Redis' | 'PolarDB'), Record<string, unknown>, RegExp][])('%s: %j is refused', (type, config, message) => {
    const clean = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
    expect(() => checkExtendedConfig(type, clean)).toThrow(expect.objectContaining({ code: 'InvalidParameter', message: expect.stringMatching(message) }));
  });
  test('SecretData of Redis and PolarDB secrets is $Auto', () => {
    expect(() => checkAutoData('Redis', '$Auto')).not.toThrow();
    expect(() => checkAutoData('PolarDB', '{"Accounts":[]}')).toThrow(invalid);
  });
});
