/** Principals (src/core/principals.ts) and serve's AccessKey source over them (src/server/access-keys.ts). */
import { describe, expect, test } from '@jest/globals';
import { accessKeyHolder, applyPrincipalChange, changesPrincipal, emptyPrincipal, identityPolicies, type Principal } from '../../src/core/principals.js';
import { accessKeySource, type KeyHolder } from '../../src/server/access-keys.js';
import { CliError, ServiceError } from '../../src/errors/errors.js';
import { SYSTEM_POLICIES } from '../../src/core/access-policy.js';

const DOC = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: 'acs:kms:*:*:secret/app/*' }] });
const alice: Principal = { profile: 'alice', accessKeyId: 'LTAIalice', accessKeySecret: 's-alice', policies: ['AliyunKMSReadOnlyAccess'], policyDocuments: [DOC] };

describe('applyPrincipalChange', () => {
  test('an absent field is left as it is', () => {
    expect(applyPrincipalChange(alice, {})).toEqual(alice);
  });
  test('the AccessKey halves are replaced one at a time', () => {
    expect(applyPrincipalChange(alice, { accessKeySecret: 'new' })).toEqual({ ...alice, accessKeySecret: 'new' });
    expect(applyPrincipalChange(alice, { accessKeyId: 'LTAInew' })).toEqual({ ...alice, accessKeyId: 'LTAInew' });
  });
  test('policies are added beside those attached, none twice', () => {
    const next = applyPrincipalChange(alice, { policies: ['AliyunKMSReadOnlyAccess', 'AliyunKMSSecretUserAccess'], policyDocuments: [DOC] });
    expect(next.policies).toEqual(['AliyunKMSReadOnlyAccess', 'AliyunKMSSecretUserAccess']);
    expect(next.policyDocuments).toEqual([DOC]);
  });
  test('--policy none detaches every policy before adding the given ones', () => {
    expect(applyPrincipalChange(alice, { detachAll: true })).toEqual({ ...alice, policies: [], policyDocuments: [] });
    expect(applyPrincipalChange(alice, { detachAll: true, policyDocuments: [DOC] })).toEqual({ ...alice, policies: [], policyDocuments: [DOC] });
  });
  test('the profile name is never changed', () => {
    expect(applyPrincipalChange(emptyPrincipal('bob'), { accessKeyId: 'x' }).profile).toBe('bob');
  });
});

describe('changesPrincipal', () => {
  test.each([
    [{}, false],
    [{ policies: [], policyDocuments: [] }, false],
    [{ accessKeyId: '' }, true],
    [{ accessKeySecret: 'x' }, true],
    [{ detachAll: true }, true],
    [{ policies: ['AliyunKMSFullAccess'] }, true],
    [{ policyDocuments: [DOC] }, true],
  ])('%p changes the principal: %p', (change, expected) => {
    expect(changesPrincipal(change)).toBe(expected);
  });
});

describe('accessKeyHolder: an AccessKey names one caller', () => {
  const others = [alice, { ...emptyPrincipal('bob'), accessKeyId: 'LTAIbob' }];
  test('another profile holding the id is named', () => {
    expect(accessKeyHolder(others, 'carol', 'LTAIalice')).toBe('alice');
  });
  test('the profile itself keeping its id is no conflict', () => {
    expect(accessKeyHolder(others, 'alice', 'LTAIalice')).toBeUndefined();
  });
  test('no AccessKey never conflicts', () => {
    expect(accessKeyHolder([emptyPrincipal('a'), emptyPrincipal('b')], 'c', '')).toBeUndefined();
  });
});

describe('identityPolicies', () => {
  test('no policy attached: an unrestricted caller (undefined)', () => {
    expect(identityPolicies([], [])).toBeUndefined();
  });
  test('system policies by name, documents parsed', () => {
    expect(identityPolicies(['AliyunKMSFullAccess'], [DOC])).toEqual([SYSTEM_POLICIES.AliyunKMSFullAccess, JSON.parse(DOC)]);
  });
  test('an unknown name or a broken document grants nothing but keeps the caller restricted', () => {
    expect(identityPolicies(['NoSuchPolicy'], ['{not json'])).toEqual([
      { Version: '1', Statement: [] },
      { Version: '1', Statement: [] },
    ]);
  });
});

describe('accessKeySource over the store principals', () => {
  const holder = (secret: string, profile: string): KeyHolder => ({ secret, caller: { profile, accessKeyId: `id-${profile}`, policies: undefined } });

  test('reads the principals at most once a second, one read shared by concurrent requests', async () => {
    let now = 0;
    let reads = 0;
    const source = accessKeySource({}, async () => {
      reads += 1;
      return new Map([['id-a', holder(`secret-${reads}`, 'a')]]);
    }, () => now);
    await Promise.all([source.refresh(), source.refresh(), source.refresh()]);
    expect(reads).toBe(1);
    expect(source.lookup('id-a')).toBe('secret-1');
    now = 1000;
    await source.refresh();
    expect(reads).toBe(1);
    now = 1001;
    await source.refresh();
    expect(reads).toBe(2);
    expect(source.lookup('id-a')).toBe('secret-2');
  });

  test('a store that cannot be read keeps the last known principals', async () => {
    let now = 0;
    let fail: Error | undefined;
    const source = accessKeySource({}, async () => {
      if (fail) throw fail;
      return new Map([['id-a', holder('s', 'a')]]);
    }, () => now);
    await source.refresh();
    for (const err of [new ServiceError('ServiceUnavailableTemporary', 'database away'), new CliError('profile file broken')]) {
      fail = err;
      now += 2000;
      await source.refresh();
      expect(source.lookup('id-a')).toBe('s');
      expect(source.callerOf('id-a')?.profile).toBe('a');
    }
  });

  test('a bug (not a store error) is not swallowed', async () => {
    const source = accessKeySource({}, async () => {
      throw new TypeError('bug');
    });
    await expect(source.refresh()).rejects.toThrow('bug');
  });

  test("the environment's pairs are known without a read and win over a principal's", async () => {
    const source = accessKeySource({ KMS_LOCAL_SERVE_ACCESS_KEYS: 'id-a:env-secret,id-e:e' }, async () => new Map([['id-a', holder('store', 'a')], ['id-b', holder('b', 'b')]]));
    expect(source.lookup('id-e')).toBe('e');
    await source.refresh();
    expect(source.lookup('id-a')).toBe('env-secret');
    expect(source.callerOf('id-a')).toBeUndefined();
    expect(source.lookup('id-b')).toBe('b');
    expect(source.count()).toBe(3);
  });
});
