/**
 * Every invalid input we could think of for the six operations of issue 2: each gets an
 * Aliyun-style error and a non-zero exit, prints no stack, and leaves the store byte-for-byte as it
 * was (the KMS_LOCAL_HOME/store tree is hashed before and after, lock and temp files included).
 *
 * Each case runs in its own copy of one prepared home, so the cases can run a few at a time and a
 * change is charged to the case that made it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashTree, makeHome, removeHome, runCli, runCliAsync, serviceError, type CliResult } from '../support/cli.js';

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  input?: string;
  /** The Aliyun ErrorCode of a service error (exit 1), or a CLI error: its exit code and stderr. */
  want: { errorCode: string } | { exit: number; stderr: RegExp };
}

const long = (n: number, ch = 'a'): string => ch.repeat(n);
const tags = (n: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })));
const INVALID = { errorCode: 'InvalidParameter' };
const NOT_FOUND = { errorCode: 'Forbidden.ResourceNotFound' };

/** `existing`: v1 ACSPrevious, v2 ACSCurrent (text ZXhpc3Rpbmc=), v3 MyPendingLabel. `full`: 8 stages in use. */
const create = ['CreateSecret', '--SecretName', 'new-secret', '--SecretData', 'new-value', '--VersionId', 'v1'];
const put = (...extra: string[]) => ['PutSecretValue', '--SecretName', 'existing', '--SecretData', 'new-value', '--VersionId', 'v9', ...extra];
const get = (...extra: string[]) => ['GetSecretValue', ...extra];
const update = (...extra: string[]) => ['UpdateSecretVersionStage', '--SecretName', 'existing', ...extra];
const list = (...extra: string[]) => ['ListSecretVersionIds', '--SecretName', 'existing', ...extra];
const password = (...extra: string[]) => ['GetRandomPassword', ...extra];
const withParam = (base: string[], name: string, value: string): string[] => {
  const i = base.indexOf(`--${name}`);
  return i < 0 ? [...base, `--${name}`, value] : [...base.slice(0, i + 1), value, ...base.slice(i + 2)];
};
const withFlag = (base: string[], flag: string): string[] => {
  const i = base.indexOf(`--${flag}`);
  return [...base.slice(0, i), `--${flag}=`, ...base.slice(i + 2)];
};

const cases: Case[] = [
  // CreateSecret
  { name: 'CreateSecret: SecretName of 193 characters', args: withParam(create, 'SecretName', long(193)), want: INVALID },
  { name: 'CreateSecret: SecretName with a space', args: withParam(create, 'SecretName', 'bad name'), want: INVALID },
  { name: 'CreateSecret: SecretName with *', args: withParam(create, 'SecretName', 'bad*name'), want: INVALID },
  { name: 'CreateSecret: SecretName with a colon', args: withParam(create, 'SecretName', 'bad:name'), want: INVALID },
  { name: 'CreateSecret: SecretName with non-ASCII letters', args: withParam(create, 'SecretName', 'mot-de-passé'), want: INVALID },
  { name: 'CreateSecret: empty SecretName', args: withFlag(create, 'SecretName'), want: INVALID },
  { name: 'CreateSecret: SecretName starting acs/', args: withParam(create, 'SecretName', 'acs/foo'), want: INVALID },
  { name: 'CreateSecret: a Generic SecretName starting acs/ecs/', args: withParam(create, 'SecretName', 'acs/ecs/foo'), want: INVALID },
  { name: 'CreateSecret: an ARN as the new SecretName', args: withParam(create, 'SecretName', 'acs:kms:cn-hangzhou:{account}:secret/x'), want: INVALID },
  { name: 'CreateSecret: a name that exists', args: withParam(create, 'SecretName', 'existing'), want: { errorCode: 'Rejected.ResourceExist' } },
  { name: 'CreateSecret: VersionId of 65 characters', args: withParam(create, 'VersionId', long(65)), want: INVALID },
  { name: 'CreateSecret: empty VersionId', args: withFlag(create, 'VersionId'), want: INVALID },
  { name: 'CreateSecret: empty SecretData', args: withFlag(create, 'SecretData'), want: INVALID },
  { name: 'CreateSecret: SecretData of 30721 bytes', args: withParam(create, 'SecretData', long(30721)), want: INVALID },
  { name: 'CreateSecret: SecretData of 10241 characters but 30723 bytes', args: withParam(create, 'SecretData', long(10241, '€')), want: INVALID },
  { name: 'CreateSecret: SecretData of 30721 bytes from stdin', args: [...create.slice(0, 3), '--SecretData-FILE', '-', '--VersionId', 'v1'], input: long(30721), want: INVALID },
  { name: 'CreateSecret: SecretDataType json', args: [...create, '--SecretDataType', 'json'], want: INVALID },
  { name: 'CreateSecret: SecretDataType Text (case)', args: [...create, '--SecretDataType', 'Text'], want: INVALID },
  { name: 'CreateSecret: binary SecretData that is not base64', args: [...create, '--SecretDataType', 'binary'], want: INVALID },
  { name: 'CreateSecret: binary SecretData with bad padding', args: withParam([...create, '--SecretDataType', 'binary'], 'SecretData', 'aGVsbG8'), want: INVALID },
  { name: 'CreateSecret: SecretType Nope', args: [...create, '--SecretType', 'Nope'], want: INVALID },
  { name: 'CreateSecret: Tags that are not JSON', args: [...create, '--Tags', '[{"TagKey":"a"'], want: INVALID },
  { name: 'CreateSecret: Tags that are an object', args: [...create, '--Tags', '{"TagKey":"a","TagValue":"b"}'], want: INVALID },
  { name: 'CreateSecret: a tag key starting aliyun', args: [...create, '--Tags', '[{"TagKey":"aliyun-x","TagValue":"b"}]'], want: INVALID },
  { name: 'CreateSecret: a tag key starting acs:', args: [...create, '--Tags', '[{"TagKey":"acs:x","TagValue":"b"}]'], want: INVALID },
  { name: 'CreateSecret: 21 tags', args: [...create, '--Tags', tags(21)], want: INVALID },
  { name: 'CreateSecret: a duplicated tag key', args: [...create, '--Tags', '[{"TagKey":"a","TagValue":"1"},{"TagKey":"a","TagValue":"2"}]'], want: INVALID },
  { name: 'CreateSecret: an empty tag value', args: [...create, '--Tags', '[{"TagKey":"a","TagValue":""}]'], want: INVALID },
  { name: 'CreateSecret: a tag without TagValue', args: [...create, '--Tags', '[{"TagKey":"a"}]'], want: INVALID },
  { name: 'CreateSecret: a tag key of 129 characters', args: [...create, '--Tags', JSON.stringify([{ TagKey: long(129), TagValue: 'v' }])], want: INVALID },
  { name: 'CreateSecret: a tag with an extra field', args: [...create, '--Tags', '[{"TagKey":"a","TagValue":"b","X":1}]'], want: INVALID },
  { name: 'CreateSecret: an EncryptionKeyId that is not the master key', args: [...create, '--EncryptionKeyId', 'alias/acs_secret'], want: NOT_FOUND },
  { name: 'CreateSecret: EnableAutomaticRotation yes', args: [...create, '--EnableAutomaticRotation', 'yes'], want: INVALID },
  { name: 'CreateSecret: Description of 1025 characters', args: [...create, '--Description', long(1025)], want: INVALID },
  { name: 'CreateSecret: ExtendedConfig that is an array', args: [...create, '--ExtendedConfig', '[1]'], want: INVALID },
  { name: 'CreateSecret: ExtendedConfig that is not JSON', args: [...create, '--ExtendedConfig', '{'], want: INVALID },
  { name: 'CreateSecret: Policy that is not JSON', args: [...create, '--Policy', '{"Version":'], want: INVALID },
  { name: 'CreateSecret: VersionId missing', args: create.slice(0, 5), want: { exit: 3, stderr: /^ERROR: required parameters not assigned: \n {2}--VersionId\n/ } },
  { name: 'CreateSecret: every required parameter missing', args: ['CreateSecret'], want: { exit: 3, stderr: /--SecretData\n {2}--SecretName\n {2}--VersionId\n\nuse `kms-local kms CreateSecret --help`/ } },
  { name: 'CreateSecret: an unknown parameter', args: [...create, '--SecretNme', 'x'], want: { exit: 2, stderr: /^ERROR: '--SecretNme' is not a valid parameter or flag/ } },
  { name: 'CreateSecret: a parameter in the wrong case', args: ['CreateSecret', '--secretname', 'x', '--SecretData', 'y', '--VersionId', 'v1'], want: { exit: 2, stderr: /'--secretname' is not a valid parameter/ } },

  // GetSecretValue
  { name: 'GetSecretValue: an unknown secret', args: get('--SecretName', 'nope'), want: NOT_FOUND },
  { name: 'GetSecretValue: SecretName with bad characters', args: get('--SecretName', 'bad name'), want: INVALID },
  { name: 'GetSecretValue: SecretName of 193 characters', args: get('--SecretName', long(193)), want: INVALID },
  { name: 'GetSecretValue: an unknown VersionStage', args: get('--SecretName', 'existing', '--VersionStage', 'Nope'), want: NOT_FOUND },
  { name: 'GetSecretValue: an unknown VersionId', args: get('--SecretName', 'existing', '--VersionId', 'v9'), want: NOT_FOUND },
  { name: 'GetSecretValue: VersionId and VersionStage naming different versions', args: get('--SecretName', 'existing', '--VersionId', 'v1', '--VersionStage', 'ACSCurrent'), want: INVALID },
  { name: 'GetSecretValue: VersionStage with a space', args: get('--SecretName', 'existing', '--VersionStage', 'bad stage'), want: INVALID },
  { name: 'GetSecretValue: VersionStage of 65 characters', args: get('--SecretName', 'existing', '--VersionStage', long(65)), want: INVALID },
  { name: 'GetSecretValue: VersionId of 65 characters', args: get('--SecretName', 'existing', '--VersionId', long(65)), want: INVALID },
  { name: 'GetSecretValue: DryRun yes', args: get('--SecretName', 'existing', '--DryRun', 'yes'), want: INVALID },
  { name: 'GetSecretValue: DryRun true', args: get('--SecretName', 'existing', '--DryRun', 'true'), want: { errorCode: 'DryRunOperationError' } },
  { name: 'GetSecretValue: FetchExtendedConfig 1', args: get('--SecretName', 'existing', '--FetchExtendedConfig', '1'), want: INVALID },
  { name: 'GetSecretValue: the ARN of another region', args: get('--SecretName', 'acs:kms:cn-shanghai:{account}:secret/existing'), want: NOT_FOUND },
  { name: 'GetSecretValue: the ARN of another account', args: get('--SecretName', 'acs:kms:cn-hangzhou:1234567890123456:secret/existing'), want: NOT_FOUND },
  { name: 'GetSecretValue: a malformed ARN', args: get('--SecretName', 'acs:kms:cn-hangzhou'), want: INVALID },
  { name: 'GetSecretValue: an ARN of a key, not a secret', args: get('--SecretName', 'acs:kms:cn-hangzhou:{account}:key/existing'), want: INVALID },
  { name: 'GetSecretValue: the secret asked in another region', args: get('--SecretName', 'existing', '--region', 'cn-shanghai'), want: NOT_FOUND },
  { name: 'GetSecretValue: a region id that is not one', args: get('--SecretName', 'existing', '--region', 'Bad_Region'), want: INVALID },
  { name: 'GetSecretValue: SecretName missing', args: get(), want: { exit: 3, stderr: /^ERROR: required parameters not assigned: \n {2}--SecretName\n/ } },
  { name: 'GetSecretValue: a stray word', args: get('--SecretName', 'existing', 'stray'), want: { exit: 1, stderr: /^ERROR: unexpected argument/ } },

  // PutSecretValue
  { name: 'PutSecretValue: an unknown secret', args: withParam(put(), 'SecretName', 'nope'), want: NOT_FOUND },
  { name: 'PutSecretValue: VersionStages that is not JSON', args: put('--VersionStages', '["MyPendingLabel"'), want: INVALID },
  { name: 'PutSecretValue: VersionStages with single quotes', args: put('--VersionStages', "['MyPendingLabel']"), want: INVALID },
  { name: 'PutSecretValue: VersionStages empty array', args: put('--VersionStages', '[]'), want: INVALID },
  { name: 'PutSecretValue: VersionStages a string', args: put('--VersionStages', '"ACSCurrent"'), want: INVALID },
  { name: 'PutSecretValue: VersionStages a bare word', args: put('--VersionStages', 'MyPendingLabel'), want: INVALID },
  { name: 'PutSecretValue: VersionStages holding a number', args: put('--VersionStages', '[123]'), want: INVALID },
  { name: 'PutSecretValue: VersionStages holding an empty name', args: put('--VersionStages', '[""]'), want: INVALID },
  { name: 'PutSecretValue: VersionStages with a bad stage name', args: put('--VersionStages', '["bad stage"]'), want: INVALID },
  { name: 'PutSecretValue: VersionStages with 9 stages', args: put('--VersionStages', JSON.stringify(Array.from({ length: 9 }, (_, i) => `S${i}`))), want: INVALID },
  { name: 'PutSecretValue: VersionStages an object', args: put('--VersionStages', '{"a":1}'), want: INVALID },
  { name: 'PutSecretValue: VersionStages nested 40 deep', args: put('--VersionStages', `${'['.repeat(40)}${']'.repeat(40)}`), want: INVALID },
  { name: 'PutSecretValue: VersionStages null', args: put('--VersionStages', 'null'), want: INVALID },
  { name: 'PutSecretValue: an existing VersionId with different data', args: withParam(put(), 'VersionId', 'v2'), want: { errorCode: 'Rejected.ResourceExist' } },
  { name: 'PutSecretValue: an existing VersionId, same data, another SecretDataType', args: [...withParam(withParam(put(), 'VersionId', 'v2'), 'SecretData', 'ZXhpc3Rpbmc='), '--SecretDataType', 'binary'], want: { errorCode: 'Rejected.ResourceExist' } },
  { name: 'PutSecretValue: VersionId of 65 characters', args: withParam(put(), 'VersionId', long(65)), want: INVALID },
  { name: 'PutSecretValue: empty VersionId', args: withFlag(put(), 'VersionId'), want: INVALID },
  { name: 'PutSecretValue: empty SecretData', args: withFlag(put(), 'SecretData'), want: INVALID },
  { name: 'PutSecretValue: SecretData of 30721 bytes', args: withParam(put(), 'SecretData', long(30721)), want: INVALID },
  { name: 'PutSecretValue: SecretDataType BINARY', args: put('--SecretDataType', 'BINARY'), want: INVALID },
  { name: 'PutSecretValue: binary SecretData that is not base64', args: put('--SecretDataType', 'binary'), want: INVALID },
  { name: 'PutSecretValue: a 9th stage on a secret with 8', args: withParam(put('--VersionStages', '["S7"]'), 'SecretName', 'full'), want: { errorCode: 'Rejected.LimitExceeded' } },
  { name: 'PutSecretValue: a malformed ARN', args: withParam(put(), 'SecretName', 'acs:kms:x'), want: INVALID },
  { name: 'PutSecretValue: SecretData missing', args: ['PutSecretValue', '--SecretName', 'existing', '--VersionId', 'v9'], want: { exit: 3, stderr: /^ERROR: required parameters not assigned: \n {2}--SecretData\n\n/ } },
  { name: 'PutSecretValue: SecretData given twice', args: put('--SecretData', 'again'), want: { exit: 1, stderr: /^ERROR: parse failed flag duplicated --SecretData\n$/ } },
  { name: 'PutSecretValue: SecretData and SecretData-FILE', args: put('--SecretData-FILE', '/dev/null'), want: { exit: 1, stderr: /^ERROR: parse failed flag duplicated --SecretData\n$/ } },
  { name: 'PutSecretValue: SecretData-FILE that does not exist', args: ['PutSecretValue', '--SecretName', 'existing', '--VersionId', 'v9', '--SecretData-FILE', '/nonexistent/x'], want: { exit: 1, stderr: /^ERROR: failed to read --SecretData-FILE/ } },
  { name: 'PutSecretValue: SecretData-FILE that is a folder', args: ['PutSecretValue', '--SecretName', 'existing', '--VersionId', 'v9', '--SecretData-FILE', '/'], want: { exit: 1, stderr: /^ERROR: failed to read --SecretData-FILE/ } },
  { name: 'PutSecretValue: a bare --', args: put('--'), want: { exit: 1, stderr: /^ERROR: not support '--' in command line\n$/ } },
  { name: 'PutSecretValue: a value starting with - given with a space', args: ['PutSecretValue', '--SecretName', 'existing', '--VersionId', 'v9', '--SecretData', '-x'], want: { exit: 1, stderr: /^ERROR: --SecretData must be assigned with value\n$/ } },
  { name: 'PutSecretValue: a bad KMS_LOCAL_NOW', args: put(), env: { KMS_LOCAL_NOW: 'yesterday' }, want: { exit: 1, stderr: /^ERROR: KMS_LOCAL_NOW must be/ } },
  { name: 'PutSecretValue: a wrong master key', args: put(), env: { KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') }, want: { errorCode: 'Rejected.IntegrityCheckFailed' } },
  { name: 'PutSecretValue: a malformed master key', args: put(), env: { KMS_LOCAL_MASTER_KEY: 'short' }, want: { exit: 1, stderr: /^ERROR: KMS_LOCAL_MASTER_KEY must hold a base64-encoded 32-byte key/ } },

  // UpdateSecretVersionStage
  { name: 'UpdateSecretVersionStage: an unknown secret', args: ['UpdateSecretVersionStage', '--SecretName', 'nope', '--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v1'], want: NOT_FOUND },
  { name: 'UpdateSecretVersionStage: an unknown MoveToVersion', args: update('--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v9'), want: NOT_FOUND },
  { name: 'UpdateSecretVersionStage: an unknown RemoveFromVersion', args: update('--VersionStage', 'MyPendingLabel', '--RemoveFromVersion', 'v9'), want: NOT_FOUND },
  { name: 'UpdateSecretVersionStage: neither MoveToVersion nor RemoveFromVersion', args: update('--VersionStage', 'MyPendingLabel'), want: INVALID },
  { name: 'UpdateSecretVersionStage: removing ACSCurrent', args: update('--VersionStage', 'ACSCurrent', '--RemoveFromVersion', 'v2'), want: INVALID },
  { name: 'UpdateSecretVersionStage: removing ACSPrevious', args: update('--VersionStage', 'ACSPrevious', '--RemoveFromVersion', 'v1'), want: INVALID },
  { name: 'UpdateSecretVersionStage: removing a stage the version does not hold', args: update('--VersionStage', 'MyPendingLabel', '--RemoveFromVersion', 'v1'), want: INVALID },
  { name: 'UpdateSecretVersionStage: removing a stage nobody holds', args: update('--VersionStage', 'Nope', '--RemoveFromVersion', 'v1'), want: INVALID },
  { name: 'UpdateSecretVersionStage: both, RemoveFromVersion not the holder', args: update('--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v3', '--RemoveFromVersion', 'v1'), want: INVALID },
  { name: 'UpdateSecretVersionStage: VersionStage with a space', args: update('--VersionStage', 'bad stage', '--MoveToVersion', 'v1'), want: INVALID },
  { name: 'UpdateSecretVersionStage: empty VersionStage', args: update('--VersionStage=', '--MoveToVersion', 'v1'), want: INVALID },
  { name: 'UpdateSecretVersionStage: MoveToVersion of 65 characters', args: update('--VersionStage', 'ACSCurrent', '--MoveToVersion', long(65)), want: INVALID },
  { name: 'UpdateSecretVersionStage: a 9th stage on a secret with 8', args: ['UpdateSecretVersionStage', '--SecretName', 'full', '--VersionStage', 'S7', '--MoveToVersion', 'v1'], want: { errorCode: 'Rejected.LimitExceeded' } },
  { name: 'UpdateSecretVersionStage: VersionStage missing', args: update('--MoveToVersion', 'v1'), want: { exit: 3, stderr: /^ERROR: required parameters not assigned: \n {2}--VersionStage\n/ } },
  { name: 'UpdateSecretVersionStage: an unknown parameter', args: update('--VersionStage', 'ACSCurrent', '--MoveToVersionId', 'v1'), want: { exit: 2, stderr: /'--MoveToVersionId' is not a valid parameter/ } },

  // ListSecretVersionIds
  { name: 'ListSecretVersionIds: an unknown secret', args: ['ListSecretVersionIds', '--SecretName', 'nope'], want: NOT_FOUND },
  ...['0', '2147483648', 'abc', '-1', '1.5', '', '1e2', ' 5'].map((size) => ({ name: `ListSecretVersionIds: PageSize ${JSON.stringify(size)}`, args: list(`--PageSize=${size}`), want: INVALID })),
  ...['0', '-1', 'abc', '2147483648'].map((page) => ({ name: `ListSecretVersionIds: PageNumber ${JSON.stringify(page)}`, args: list(`--PageNumber=${page}`), want: INVALID })),
  ...['yes', 'truee', 'Tru', '1', ''].map((flag) => ({ name: `ListSecretVersionIds: IncludeDeprecated ${JSON.stringify(flag)}`, args: list(`--IncludeDeprecated=${flag}`), want: INVALID })),

  // GetRandomPassword
  ...['7', '129', 'abc', '', '8.5', '-8', '0x20'].map((length) => ({ name: `GetRandomPassword: PasswordLength ${JSON.stringify(length)}`, args: password(`--PasswordLength=${length}`), want: INVALID })),
  {
    name: 'GetRandomPassword: every class excluded',
    args: password('--ExcludeLowercase', 'true', '--ExcludeUppercase', 'true', '--ExcludeNumbers', 'true', '--ExcludePunctuation', 'true'),
    want: INVALID,
  },
  {
    name: 'GetRandomPassword: every character excluded by ExcludeCharacters',
    args: password('--ExcludePunctuation', 'true', '--ExcludeUppercase', 'true', '--ExcludeLowercase', 'true', '--ExcludeCharacters', '0123456789'),
    want: INVALID,
  },
  { name: 'GetRandomPassword: ExcludeCharacters of 257 characters', args: password('--ExcludeCharacters', long(257, 'x')), want: INVALID },
  ...['ExcludeLowercase', 'ExcludeUppercase', 'ExcludeNumbers', 'ExcludePunctuation', 'RequireEachIncludedType'].flatMap((flag) =>
    ['yes', 'TRUE1', '1'].map((value) => ({ name: `GetRandomPassword: ${flag} ${value}`, args: password(`--${flag}`, value), want: INVALID })),
  ),
  { name: 'GetRandomPassword: an unknown parameter', args: password('--Length', '10'), want: { exit: 2, stderr: /'--Length' is not a valid parameter/ } },
  { name: 'GetRandomPassword: PasswordLength given twice', args: password('--PasswordLength', '10', '--PasswordLength=12'), want: { exit: 1, stderr: /^ERROR: parse failed flag duplicated --PasswordLength\n$/ } },

  // Operations and flags
  { name: 'an unknown operation', args: ['GetSecretValues', '--SecretName', 'existing'], want: { exit: 2, stderr: /^ERROR: 'GetSecretValues' is not a valid api/ } },
  { name: 'an operation in the wrong case', args: ['getsecretvalue', '--SecretName', 'existing'], want: { exit: 2, stderr: /^ERROR: 'getsecretvalue' is not a valid command/ } },
  { name: 'a flag without value', args: get('--SecretName'), want: { exit: 1, stderr: /^ERROR: --SecretName must be assigned with value\n$/ } },
  { name: 'an unknown single-dash flag', args: get('--SecretName', 'existing', '-x'), want: { exit: 2, stderr: /^ERROR: '-x' is not a valid flag/ } },
];

let template: string;
let account: string;
const results = new Map<string, { result: CliResult; before: string; after: string }>();
const homes: string[] = [];

function setup(args: string[]): void {
  const result = runCli(['kms', ...args], { home: template });
  expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
}

beforeAll(async () => {
  template = makeHome();
  homes.push(template);
  setup(['CreateSecret', '--SecretName', 'existing', '--SecretData', 'existing-v1', '--VersionId', 'v1']);
  // v2 holds text that is also valid base64, so that only its SecretDataType can differ.
  setup(['PutSecretValue', '--SecretName', 'existing', '--SecretData', 'ZXhpc3Rpbmc=', '--VersionId', 'v2']);
  setup(['PutSecretValue', '--SecretName', 'existing', '--SecretData', 'existing-v3', '--VersionId', 'v3', '--VersionStages', '["MyPendingLabel"]']);
  setup(['CreateSecret', '--SecretName', 'full', '--SecretData', 'full-v1', '--VersionId', 'v1']);
  setup(['PutSecretValue', '--SecretName', 'full', '--SecretData', 'full-v2', '--VersionId', 'v2', '--VersionStages', '["S1","S2","S3"]']);
  setup(['PutSecretValue', '--SecretName', 'full', '--SecretData', 'full-v3', '--VersionId', 'v3', '--VersionStages', '["S4","S5","S6"]']);
  setup(['PutSecretValue', '--SecretName', 'full', '--SecretData', 'full-v4', '--VersionId', 'v4']);
  account = readFileSync(join(template, 'account-id'), 'utf8').trim();

  const queue = [...cases];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const home = makeHome();
      homes.push(home);
      cpSync(template, home, { recursive: true });
      const before = hashTree(join(home, 'store'));
      const args = ['kms', ...c.args.map((a) => a.replace('{account}', account))];
      const result = await runCliAsync(args, { home, env: c.env, input: c.input });
      results.set(c.name, { result, before, after: hashTree(join(home, 'store')) });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}, 120_000);

afterAll(() => {
  for (const home of homes) removeHome(home);
});

describe('the prepared secrets', () => {
  test('existing: v1 ACSPrevious, v2 ACSCurrent, v3 MyPendingLabel; full: 8 stages', () => {
    const view = (name: string) =>
      runCli(['kms', 'ListSecretVersionIds', '--SecretName', name], { home: template }).json.VersionIds.VersionId.map((v: any) => [
        v.VersionId,
        [...v.VersionStages.VersionStage].sort(),
      ]);
    expect(view('existing')).toEqual([
      ['v3', ['MyPendingLabel']],
      ['v2', ['ACSCurrent']],
      ['v1', ['ACSPrevious']],
    ]);
    expect(new Set(view('full').flatMap(([, stages]: [string, string[]]) => stages)).size).toBe(8);
  });

  test('control: the store hash does see a change (a valid PutSecretValue), and a retry of v2 changes nothing', async () => {
    const home = makeHome();
    homes.push(home);
    cpSync(template, home, { recursive: true });
    const before = hashTree(join(home, 'store'));
    const retry = await runCliAsync(['kms', 'PutSecretValue', '--SecretName', 'existing', '--SecretData', 'ZXhpc3Rpbmc=', '--VersionId', 'v2'], { home });
    expect(retry.code).toBe(0);
    expect(hashTree(join(home, 'store'))).toBe(before);
    const valid = await runCliAsync(['kms', ...put()], { home });
    expect(valid.code).toBe(0);
    expect(hashTree(join(home, 'store'))).not.toBe(before);
  });

  test('every case name is unique', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });
});

describe('invalid inputs: an Aliyun-style error, a non-zero exit, no stack, and not one byte of the store changed', () => {
  test.each(cases)('$name', (c) => {
    const run = results.get(c.name);
    expect(run).toBeDefined();
    const { result, before, after } = run!;
    if ('errorCode' in c.want) {
      const err = serviceError(result.stderr);
      expect({ code: result.code, error: err?.code, stderr: result.stderr }).toEqual({ code: 1, error: c.want.errorCode, stderr: result.stderr });
      expect(result.stdout).toBe('');
    } else {
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: c.want.exit, stderr: expect.stringMatching(c.want.stderr) });
      expect(result.stderr).toMatch(/^ERROR: /);
    }
    expect(result.code).not.toBe(0);
    expect(result.stderr).not.toMatch(/\n\s+at |node:internal|internal error/);
    expect(after).toBe(before);
  });
});
