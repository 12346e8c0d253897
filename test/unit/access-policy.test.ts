/** RAM-style decisions (src/core/access-policy.ts): one rule a test, table-driven. */
import { describe, expect, test } from '@jest/globals';
import {
  checkIdentityPolicy,
  decideAccess,
  principalArn,
  SYSTEM_POLICIES,
  wildcardMatch,
  type AccessRequest,
  type PolicyDocument,
} from '../../src/core/access-policy.js';
import { ServiceError } from '../../src/errors/errors.js';
import type { Tag } from '../../src/core/model.js';

const ACCOUNT = '1234567890123456';
const READER = principalArn(ACCOUNT, 'reader');
const secretArn = (name: string) => `acs:kms:cn-hangzhou:${ACCOUNT}:secret/${name}`;
const doc = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '1', Statement });

function request(over: Partial<AccessRequest>): AccessRequest {
  return { principalArn: READER, action: 'kms:GetSecretValue', resourceArn: secretArn('app/x'), resourceTags: [], identityPolicies: [], ...over };
}

const appReader = doc({ Effect: 'Allow', Action: ['kms:GetSecretValue', 'kms:DescribeSecret'], Resource: 'acs:kms:*:*:secret/app/*' });

describe('wildcardMatch', () => {
  test.each([
    ['*', 'anything', true],
    ['acs:kms:*:*:secret/app/*', secretArn('app/x'), true],
    ['acs:kms:*:*:secret/app/*', secretArn('other/x'), false],
    ['kms:Get*', 'kms:GetSecretValue', true],
    ['kms:Get*', 'kms:PutSecretValue', false],
    ['v?', 'v1', true],
    ['v?', 'v10', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['', '', true],
  ])('%s against %s: %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });

  test('actions compare without regard to case when asked, resources never', () => {
    expect(wildcardMatch('kms:getsecretvalue', 'kms:GetSecretValue', true)).toBe(true);
    expect(wildcardMatch('acs:kms:*:*:secret/App/*', secretArn('app/x'))).toBe(false);
  });
});

describe('decideAccess', () => {
  test('a caller with no policy attached is unrestricted', () => {
    expect(decideAccess(request({ identityPolicies: undefined, action: 'kms:DeleteSecret' }))).toBe('Allow');
  });

  test('an explicit Deny in a resource policy binds even an unrestricted caller', () => {
    const resourcePolicy = doc({ Effect: 'Deny', Action: 'kms:*', Principal: { RAM: [READER] }, Resource: '*' });
    expect(decideAccess(request({ identityPolicies: undefined, resourcePolicy }))).toBe('ExplicitDeny');
  });

  test('an identity Allow grants the actions and resources it names', () => {
    expect(decideAccess(request({ identityPolicies: [appReader] }))).toBe('Allow');
  });

  test('what no statement allows is denied implicitly', () => {
    expect(decideAccess(request({ identityPolicies: [appReader], resourceArn: secretArn('other/y') }))).toBe('ImplicitDeny');
    expect(decideAccess(request({ identityPolicies: [appReader], action: 'kms:PutSecretValue' }))).toBe('ImplicitDeny');
  });

  test('an explicit Deny wins over any Allow', () => {
    const deny = doc({ Effect: 'Deny', Action: 'kms:GetSecretValue', Resource: secretArn('app/x') });
    expect(decideAccess(request({ identityPolicies: [appReader, deny] }))).toBe('ExplicitDeny');
  });

  test('a resource policy Allow for the principal grants what the identity policies do not', () => {
    const resourcePolicy = doc({ Effect: 'Allow', Action: 'kms:GetSecretValue', Principal: { RAM: [READER] }, Resource: '*' });
    expect(decideAccess(request({ identityPolicies: [appReader], resourceArn: secretArn('other/y'), resourcePolicy }))).toBe('Allow');
  });

  test('a resource policy Allow for another principal grants nothing', () => {
    const resourcePolicy = doc({ Effect: 'Allow', Action: 'kms:*', Principal: { RAM: [principalArn(ACCOUNT, 'admin')] }, Resource: '*' });
    expect(decideAccess(request({ identityPolicies: [appReader], resourceArn: secretArn('other/y'), resourcePolicy }))).toBe('ImplicitDeny');
  });

  test('a resource policy principal may be a wildcard over the account', () => {
    const resourcePolicy = doc({ Effect: 'Allow', Action: 'kms:*', Principal: { RAM: [`acs:ram::${ACCOUNT}:*`] }, Resource: '*' });
    expect(decideAccess(request({ identityPolicies: [appReader], resourceArn: secretArn('other/y'), resourcePolicy }))).toBe('Allow');
  });

  const conditionCases: [string, Record<string, Record<string, string | string[]>>, Tag[], string][] = [
    ['StringEquals on the tag value', { StringEquals: { 'kms:tag/team': 'payments' } }, [{ TagKey: 'team', TagValue: 'payments' }], 'Allow'],
    ['StringEquals on another value', { StringEquals: { 'kms:tag/team': 'payments' } }, [{ TagKey: 'team', TagValue: 'web' }], 'ImplicitDeny'],
    ['StringEquals on a missing tag', { StringEquals: { 'kms:tag/team': 'payments' } }, [], 'ImplicitDeny'],
    ['StringNotEquals on a missing tag', { StringNotEquals: { 'kms:tag/team': 'payments' } }, [], 'Allow'],
    ['StringLike with a wildcard', { StringLike: { 'kms:tag/team': 'pay*' } }, [{ TagKey: 'team', TagValue: 'payments' }], 'Allow'],
    ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'kms:tag/team': 'PAYMENTS' } }, [{ TagKey: 'team', TagValue: 'payments' }], 'Allow'],
    ['a list of values (any one)', { StringEquals: { 'kms:tag/team': ['web', 'payments'] } }, [{ TagKey: 'team', TagValue: 'payments' }], 'Allow'],
    ['a condition key kms-local does not know', { StringEquals: { 'acs:SourceIp': '10.0.0.1' } }, [], 'ImplicitDeny'],
  ];
  test.each(conditionCases)('Condition %s: %j', (_what, Condition, tags, expected) => {
    const policy = doc({ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: '*', Condition });
    expect(decideAccess(request({ identityPolicies: [policy], resourceTags: tags }))).toBe(expected);
  });
});

describe('system policies', () => {
  const allowed = (name: string, action: string, resourceArn: string) => decideAccess(request({ identityPolicies: [SYSTEM_POLICIES[name]!], action, resourceArn }));
  const key = `acs:kms:cn-hangzhou:${ACCOUNT}:key/key-abc`;
  test.each([
    ['AliyunKMSFullAccess', 'kms:DeleteSecret', secretArn('x'), 'Allow'],
    ['AliyunKMSReadOnlyAccess', 'kms:ListSecrets', `acs:kms:cn-hangzhou:${ACCOUNT}:secret`, 'Allow'],
    ['AliyunKMSReadOnlyAccess', 'kms:GetSecretValue', secretArn('x'), 'ImplicitDeny'],
    ['AliyunKMSSecretUserAccess', 'kms:GetSecretValue', secretArn('x'), 'Allow'],
    ['AliyunKMSSecretUserAccess', 'kms:PutSecretValue', secretArn('x'), 'ImplicitDeny'],
    ['AliyunKMSSecretAdminAccess', 'kms:PutSecretValue', secretArn('x'), 'Allow'],
    ['AliyunKMSSecretAdminAccess', 'kms:DisableKey', key, 'ImplicitDeny'],
    ['AliyunKMSSecretAdminAccess', 'kms:GetRandomPassword', '*', 'Allow'],
    ['AliyunKMSCryptoAdminAccess', 'kms:DisableKey', key, 'Allow'],
    ['AliyunKMSCryptoAdminAccess', 'kms:GetSecretValue', secretArn('x'), 'ImplicitDeny'],
    ['AliyunKMSCryptoUserAccess', 'kms:Encrypt', key, 'Allow'],
    ['AliyunKMSCryptoUserAccess', 'kms:DisableKey', key, 'ImplicitDeny'],
  ])('%s: %s on %s is %s', (name, action, arn, expected) => {
    expect(allowed(name, action, arn)).toBe(expected);
  });
});

describe('checkIdentityPolicy', () => {
  const refusal = (value: unknown) => {
    try {
      checkIdentityPolicy(value);
      return 'accepted';
    } catch (err) {
      return err instanceof ServiceError ? err.code : String(err);
    }
  };
  test('a well-formed document is accepted as it is', () => {
    expect(checkIdentityPolicy(appReader)).toEqual(appReader);
  });
  test.each([
    ['not a document', 'text'],
    ['no statement', { Version: '1', Statement: [] }],
    ['another version', { Version: '2', Statement: appReader.Statement }],
    ['a Principal (identity policies have none)', doc({ ...appReader.Statement[0]!, Principal: '*' })],
    ['an action of another service', doc({ Effect: 'Allow', Action: 'ecs:DescribeInstances', Resource: '*' })],
    ['no Resource', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*' }] }],
    ['an unsupported condition operator', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': '1.2.3.4' } } })],
    ['an unsupported condition key', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'acs:SourceIp': '1.2.3.4' } } })],
    ['an Effect that is neither', doc({ Effect: 'Maybe' as never, Action: 'kms:*', Resource: '*' })],
  ])('refused: %s', (_what, value) => {
    expect(refusal(value)).toBe('InvalidParameter');
  });
});
