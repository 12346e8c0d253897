/**
 * Region ids: one that is not Alibaba Cloud's (nor a profile's private region) is refused before
 * anything runs, with "Did you mean" the nearest; a read in a region that has no folder creates none.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hashTree, homesRemovedAfterAll, runCli } from '../support/cli.js';

const newHome = homesRemovedAfterAll();

describe('a region id that is not an Alibaba Cloud region', () => {
  test.each<[string, string[], Record<string, string>]>([
    ['a read, --region', ['kms', 'GetSecretValue', '--SecretName', 'x', '--region', 'cn-hangzou'], {}],
    ['ListSecrets, --RegionId', ['kms', 'ListSecrets', '--RegionId', 'cn-hangzou'], {}],
    ['a write, ALIBABA_CLOUD_REGION_ID', ['kms', 'CreateSecret', '--SecretName', 'x', '--SecretData', 'v', '--VersionId', 'v1'], { ALIBABA_CLOUD_REGION_ID: 'cn-hangzou' }],
  ])('is refused before anything runs, with Did you mean: %s', (_case, args, env) => {
    const home = newHome();
    const before = hashTree(home);
    const result = runCli(args, { home, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("ERROR: 'cn-hangzou' is not an Alibaba Cloud region id. A private region is added with `kms-local configure set --extra-regions cn-hangzou`.\n");
    expect(result.stdout).toBe('\nDid you mean:\n  cn-hangzhou\n');
    expect(hashTree(home)).toBe(before);
  });

  test('a private region added to a profile (configure set --extra-regions) is accepted', () => {
    const home = newHome();
    expect(runCli(['configure', 'set', '--profile', 'p', '--region', 'cn-hangzhou', '--extra-regions', 'private-1,private-2'], { home }).code).toBe(0);
    const created = runCli(['kms', 'CreateSecret', '--SecretName', 'x', '--SecretData', 'v', '--VersionId', 'v1', '--region', 'private-2'], { home });
    expect(created.code).toBe(0);
    expect(runCli(['kms', 'GetSecretValue', '--SecretName', 'x', '--region', 'private-2'], { home }).json.SecretData).toBe('v');
    expect(runCli(['configure', 'set', '--profile', 'p', '--extra-regions', 'Not A Region'], { home }).code).toBe(1);
  });
});

describe('no read creates a folder', () => {
  test.each<[string, string[]]>([
    ['ListSecrets', ['ListSecrets']],
    ['GetSecretValue', ['GetSecretValue', '--SecretName', 'x']],
    ['DescribeSecret', ['DescribeSecret', '--SecretName', 'x']],
    ['ListSecretVersionIds', ['ListSecretVersionIds', '--SecretName', 'x']],
  ])('%s in a region without secrets leaves no store/<region>/', (_case, args) => {
    const home = newHome();
    runCli(['kms', ...args, '--region', 'cn-shanghai'], { home });
    expect(existsSync(join(home, 'store', 'cn-shanghai'))).toBe(false);
  });
});
