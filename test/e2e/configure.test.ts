/**
 * `kms-local configure` as `aliyun configure`, through bin/kms-local.js: profiles in
 * KMS_LOCAL_HOME/config.json (0600), secrets never printed in full, profile and region selection
 * for operations, and operations that never load conf.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, removeHome, runCli, type CliResult } from '../support/cli.js';

const AK_ID = 'LTAI5tAbCdEfGhIj';
const AK_SECRET = 'sEcReT-0123456789-xyz';

let home: string;

function cli(args: string[], env: Record<string, string | undefined> = {}, input?: string): CliResult {
  return runCli(args, { home, env, input });
}

function ok(result: CliResult): string {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return result.stdout;
}

/** The region an operation would use, from its dry run. */
function regionOf(args: string[] = [], env: Record<string, string | undefined> = {}): string {
  return JSON.parse(ok(cli(['kms', 'GetRandomPassword', '--dryrun', ...args], env)).split('------------------------------------\n')[1]!).RegionId;
}

beforeEach(() => {
  home = makeHome();
});
afterEach(() => removeHome(home));

describe('configure set / get / list / switch / delete', () => {
  test('set creates a profile, makes it current, and writes a 0600 file in the aliyun layout', () => {
    expect(ok(cli(['configure', 'set', '--profile', 'dev', '--region', 'cn-shanghai', '--access-key-id', AK_ID, '--access-key-secret', AK_SECRET]))).toBe('');
    const path = join(home, 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file).toEqual({
      current: 'dev',
      meta_path: '',
      profiles: [
        { name: 'dev', mode: 'AK', access_key_id: AK_ID, access_key_secret: AK_SECRET, region_id: 'cn-shanghai', output_format: 'json', language: 'en' },
      ],
    });
  });

  test('set refuses an AccessKeyId another profile holds (it names one caller), and changes nothing', () => {
    ok(cli(['configure', 'set', '--profile', 'dev', '--region', 'cn-shanghai', '--access-key-id', AK_ID, '--access-key-secret', AK_SECRET]));
    const before = readFileSync(join(home, 'config.json'), 'utf8');
    const taken = cli(['configure', 'set', '--profile', 'other', '--region', 'cn-shanghai', '--access-key-id', AK_ID, '--access-key-secret', 'another-secret']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe("ERROR: fail to set configuration: the AccessKeyId given is already profile dev's; an AccessKey names one caller.\n");
    expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(before);
  });

  test('set updates a profile in place and keeps the fields it is not given', () => {
    ok(cli(['configure', 'set', '--profile', 'dev', '--region', 'cn-shanghai', '--access-key-id', AK_ID, '--access-key-secret', AK_SECRET]));
    ok(cli(['configure', 'set', '--profile', 'prod', '--region', 'eu-central-1']));
    ok(cli(['configure', 'set', '--profile', 'dev', '--region', 'cn-beijing']));
    const file = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
    expect(file.current).toBe('dev');
    expect(file.profiles.map((p: { name: string; region_id: string }) => [p.name, p.region_id])).toEqual([
      ['dev', 'cn-beijing'],
      ['prod', 'eu-central-1'],
    ]);
    expect(file.profiles[0].access_key_secret).toBe(AK_SECRET);
  });

  test('set without a region for a new profile is refused and writes nothing', () => {
    const result = cli(['configure', 'set', '--profile', 'x']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: "ERROR: fail to set configuration: region can't be empty\n" });
    expect(() => statSync(join(home, 'config.json'))).toThrow();
  });

  test('list: the aliyun table, current profile starred, only the last 3 characters of the key id', () => {
    ok(cli(['configure', 'set', '--profile', 'dev', '--region', 'cn-shanghai', '--access-key-id', AK_ID, '--access-key-secret', AK_SECRET]));
    ok(cli(['configure', 'set', '--profile', 'prod', '--region', 'eu-central-1']));
    expect(ok(cli(['configure', 'list']))).toBe(
      'Profile   | Credential         | Valid   | Region           | Language\n' +
        '--------- | ------------------ | ------- | ---------------- | --------\n' +
        'dev       | AK:***hIj          | Valid   | cn-shanghai      | en\n' +
        'prod *    | AK:***             | Valid   | eu-central-1     | en\n',
    );
  });

  test('get: the profile with the secret masked; single keys as aliyun prints them', () => {
    ok(cli(['configure', 'set', '--profile', 'dev', '--region', 'cn-shanghai', '--access-key-id', AK_ID, '--access-key-secret', AK_SECRET]));
    expect(ok(cli(['configure', 'get']))).toBe(
      '{\n\t"name": "dev",\n\t"mode": "AK",\n\t"access_key_id": "LTAI5tAbCdEfGhIj",\n\t"access_key_secret": "******************xyz",\n' +
        '\t"region_id": "cn-shanghai",\n\t"output_format": "json",\n\t"language": "en"\n}\n\n',
    );
    expect(ok(cli(['configure', 'get', 'region']))).toBe('cn-shanghai\n');
    expect(ok(cli(['configure', 'get', '--profile', 'dev', 'profile', 'access-key-secret']))).toBe('profile=dev\naccess-key-secret=******************xyz\n\n');
    const missing = cli(['configure', 'get', '--profile', 'nope']);
    expect(missing).toMatchObject({ code: 1, stderr: 'ERROR: profile nope not found\n' });
  });

  test('no output of configure ever holds the access key secret', () => {
    const outputs = [
      cli(['configure', 'set', '--profile', 'dev', '--region', 'cn-shanghai', '--access-key-id', AK_ID, '--access-key-secret', AK_SECRET]),
      cli(['configure', 'get']),
      cli(['configure', 'get', 'access-key-secret']),
      cli(['configure', 'list']),
      cli(['configure'], {}, '\n\n\n'),
      cli(['configure', 'get', '--profile', 'dev']),
    ];
    for (const r of outputs) expect(r.stdout + r.stderr).not.toContain(AK_SECRET);
  });

  test('switch and delete', () => {
    ok(cli(['configure', 'set', '--profile', 'a', '--region', 'cn-shanghai']));
    ok(cli(['configure', 'set', '--profile', 'b', '--region', 'cn-beijing']));
    expect(ok(cli(['configure', 'switch', '--profile', 'a']))).toBe('The default profile is `a` now.\n');
    expect(regionOf()).toBe('cn-shanghai');
    expect(cli(['configure', 'switch', '--profile', 'zz'])).toMatchObject({ code: 1, stderr: 'ERROR: the profile `zz` is inexist\n' });
    expect(cli(['configure', 'switch'])).toMatchObject({ code: 1, stderr: 'ERROR: the --profile <profileName> is required\n' });
    expect(ok(cli(['configure', 'delete', '--profile', 'a']))).toBe('');
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).current).toBe('b');
    expect(cli(['configure', 'delete', '--profile', 'a'])).toMatchObject({ code: 1, stderr: 'ERROR: error: configuration profile `a` not found\n' });
    expect(cli(['configure', 'lst'])).toMatchObject({ code: 2, stderr: "ERROR: 'lst' is not a valid command\n" });
  });
});

describe('interactive configure', () => {
  test('prompts as aliyun configure does and saves the answers; empty answers keep the values', () => {
    expect(ok(cli(['configure', '--profile', 'work'], {}, `${AK_ID}\n${AK_SECRET}\nap-southeast-1\n`))).toBe(
      "Configuring profile 'work' in 'AK' authenticate mode...\n" +
        'Access Key Id []: Access Key Secret []: Default Region Id [cn-hangzhou]: ' +
        'Default Output Format [json]: json (Only support json)\n' +
        'Saving profile[work] ...Done.\n',
    );
    expect(ok(cli(['configure'], {}, '\n\n\n'))).toBe(
      "Configuring profile 'work' in 'AK' authenticate mode...\n" +
        'Access Key Id [*************hIj]: Access Key Secret [******************xyz]: Default Region Id [ap-southeast-1]: ' +
        'Default Output Format [json]: json (Only support json)\n' +
        'Saving profile[work] ...Done.\n',
    );
    const file = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
    expect(file.current).toBe('work');
    expect(file.profiles[0]).toMatchObject({ name: 'work', access_key_id: AK_ID, access_key_secret: AK_SECRET, region_id: 'ap-southeast-1' });
  });
});

describe('profile and region selection for operations', () => {
  beforeEach(() => {
    ok(cli(['configure', 'set', '--profile', 'sh', '--region', 'cn-shanghai']));
    ok(cli(['configure', 'set', '--profile', 'fra', '--region', 'eu-central-1']));
  });

  test('--region > ALIBABA_CLOUD_REGION_ID > profile region; --profile > ALIBABA_CLOUD_PROFILE > current', () => {
    expect(regionOf()).toBe('eu-central-1');
    expect(regionOf([], { ALIBABA_CLOUD_PROFILE: 'sh' })).toBe('cn-shanghai');
    expect(regionOf(['--profile', 'fra'], { ALIBABA_CLOUD_PROFILE: 'sh' })).toBe('eu-central-1');
    expect(regionOf([], { ALIBABA_CLOUD_REGION_ID: 'cn-beijing' })).toBe('cn-beijing');
    expect(regionOf(['--region', 'us-west-1'], { ALIBABA_CLOUD_REGION_ID: 'cn-beijing' })).toBe('us-west-1');
    expect(regionOf(['--RegionId', 'us-east-1', '--profile', 'sh'])).toBe('us-east-1');
  });

  test('no profile file: cn-hangzhou', () => {
    removeHome(home);
    home = makeHome();
    expect(regionOf()).toBe('cn-hangzhou');
  });

  test('secrets land in the profile region', () => {
    const created = JSON.parse(ok(cli(['kms', 'CreateSecret', '--SecretName', 'r', '--SecretData', 'x', '--VersionId', 'v1', '--profile', 'sh'])));
    expect(created.Arn).toMatch(/^acs:kms:cn-shanghai:/);
    expect(cli(['kms', 'GetSecretValue', '--SecretName', 'r']).code).toBe(1);
    expect(ok(cli(['kms', 'GetSecretValue', '--SecretName', 'r', '--cli-query', 'SecretData'], { ALIBABA_CLOUD_PROFILE: 'sh' }))).toBe('"x"\n');
  });

  test('an unknown profile: the aliyun error, exit 3 with the tip, nothing run', () => {
    for (const run of [
      cli(['kms', 'CreateSecret', '--SecretName', 'u', '--SecretData', 'x', '--VersionId', 'v1', '--profile', 'nope']),
      cli(['kms', 'GetRandomPassword', '--region', 'cn-hangzhou'], { ALIBABA_CLOUD_PROFILE: 'nope' }),
    ]) {
      expect(run).toMatchObject({
        code: 3,
        stdout: '',
        stderr: 'ERROR: unknown profile nope, run configure to check\n\nConfiguration failed, use `kms-local configure` to configure it\n',
      });
    }
    expect(cli(['kms', 'GetSecretValue', '--SecretName', 'u', '--profile', 'sh']).code).toBe(1);
  });

  test('a broken profile file is a configuration error, exit 3', () => {
    writeFileSync(join(home, 'config.json'), '{broken');
    const result = cli(['kms', 'GetRandomPassword']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ERROR: load configuration failed: .*config\.json is not valid JSON\n\nConfiguration failed/);
  });

  test('operations never load conf; configure does (the check can see it)', () => {
    const loaded = (r: CliResult): boolean => /node_modules\/conf\//.test(r.stderr);
    const op = cli(['kms', 'CreateSecret', '--SecretName', 'c', '--SecretData', 'x', '--VersionId', 'v1', '--profile', 'sh'], { NODE_DEBUG: 'esm' });
    expect(op.code).toBe(0);
    expect(loaded(op)).toBe(false);
    expect(loaded(cli(['kms', 'GetRandomPassword'], { NODE_DEBUG: 'esm' }))).toBe(false);
    expect(loaded(cli(['configure', 'set', '--profile', 'sh', '--region', 'cn-shanghai'], { NODE_DEBUG: 'esm' }))).toBe(true);
  });
});
