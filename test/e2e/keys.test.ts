/**
 * The key-management operations through bin/kms-local.js: every operation's success and its
 * refusals. A refused call gives an Aliyun-style error, exit 1, and leaves the home byte-for-byte
 * as it was.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { SERVICE_TIME, UUID_V4, aliyunJson, hashTree, makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';

const homes: string[] = [];
function newHome(): string {
  const home = makeHome();
  homes.push(home);
  return home;
}
afterAll(() => homes.forEach(removeHome));

function kmsIn(home: string, ...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

/** A successful response: exit 0, nothing on stderr, the aliyun rendering, a fresh RequestId. */
function ok(result: CliResult): any {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout).toBe(aliyunJson(result.json));
  expect(result.json.RequestId).toMatch(UUID_V4);
  return result.json;
}

/** A service error: exit 1, nothing on stdout, the SDK.ServerError block with this code. */
function fails(result: CliResult, code: string): void {
  expect({ exit: result.code, stdout: result.stdout, code: serviceError(result.stderr)?.code }).toEqual({ exit: 1, stdout: '', code });
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
