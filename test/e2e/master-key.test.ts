/**
 * Where the master key comes from, seen from the command line: a new key file is made only for a
 * home whose store holds nothing, and says so on stderr; a store whose key cannot be found is
 * refused with the key id and the places looked at, writing nothing; an empty variable is an error.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hashTree, listFiles, makeEmptyHome, removeHome, runCli, type CliResult } from '../support/cli.js';

const homes: string[] = [];
afterAll(() => homes.forEach(removeHome));
function emptyHome(): string {
  const home = makeEmptyHome();
  homes.push(home);
  return home;
}

const ENV_KEY = Buffer.alloc(32, 9).toString('base64');
const kms = (home: string, env: Record<string, string | undefined>, ...args: string[]): CliResult => runCli(['kms', ...args], { home, env });
const keyIdOf = (home: string, name: string): string =>
  JSON.parse(readFileSync(join(home, 'store', 'cn-hangzhou', `${name}.json`), 'utf8')).secret.versions[0].payload.keyId;

describe('a new master key is made only for an empty store, and says where it is', () => {
  test('the first run in an empty home makes master.key (0600) and prints one line naming it; later runs print nothing', () => {
    const home = emptyHome();
    const first = kms(home, {}, 'CreateSecret', '--SecretName', 'a', '--VersionId', 'v1', '--SecretData', 'x');
    expect(first.code).toBe(0);
    const keyFile = join(home, 'master.key');
    expect(first.stderr).toBe(`kms-local: made a new master key in ${keyFile}; back it up: without it nothing in this home can be read.\n`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = kms(home, {}, 'GetSecretValue', '--SecretName', 'a');
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test.each<[string, string[]]>([
    ['a read', ['GetSecretValue', '--SecretName', 'made-with-env']],
    ['a write of another secret', ['CreateSecret', '--SecretName', 'other', '--VersionId', 'v1', '--SecretData', 'y']],
    ['ListSecrets', ['ListSecrets']],
  ])('a store made with KMS_LOCAL_MASTER_KEY, run without it: %s is refused, naming the key id and where keys are looked for; nothing is written', (_case, args) => {
    const home = emptyHome();
    expect(kms(home, { KMS_LOCAL_MASTER_KEY: ENV_KEY }, 'CreateSecret', '--SecretName', 'made-with-env', '--VersionId', 'v1', '--SecretData', 'x').code).toBe(0);
    const keyId = keyIdOf(home, 'made-with-env');
    const before = hashTree(home);

    const refused = kms(home, {}, ...args);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^ERROR: /);
    for (const named of [keyId, 'KMS_LOCAL_MASTER_KEY', 'KMS_LOCAL_MASTER_KEY_FILE', join(home, 'master.key')]) expect(refused.stderr).toContain(named);
    expect(hashTree(home)).toBe(before);
    expect(existsSync(join(home, 'master.key'))).toBe(false);
    // With the key back, everything is as it was.
    expect(kms(home, { KMS_LOCAL_MASTER_KEY: ENV_KEY }, 'GetSecretValue', '--SecretName', 'made-with-env').json.SecretData).toBe('x');
  });

  test('the home key file removed after secrets were written: refused the same way, no new key file', () => {
    const home = emptyHome();
    kms(home, {}, 'CreateSecret', '--SecretName', 'a', '--VersionId', 'v1', '--SecretData', 'x');
    const keyId = keyIdOf(home, 'a');
    rmSync(join(home, 'master.key'));
    const before = hashTree(home);
    const refused = kms(home, {}, 'PutSecretValue', '--SecretName', 'a', '--VersionId', 'v2', '--SecretData', 'y');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(keyId);
    expect(hashTree(home)).toBe(before);
  });
});

describe('an empty key variable is an error, never a fall-back to a key file', () => {
  test.each(['KMS_LOCAL_MASTER_KEY', 'KMS_LOCAL_MASTER_KEY_FILE'])('%s= (empty): exit 1 naming the variable; the empty home stays empty', (variable) => {
    const home = emptyHome();
    for (const args of [['CreateSecret', '--SecretName', 'a', '--VersionId', 'v1', '--SecretData', 'x'], ['GetSecretValue', '--SecretName', 'a']]) {
      const refused = kms(home, { [variable]: '' }, ...args);
      expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
      expect(refused.stderr).toMatch(new RegExp(`^ERROR: ${variable} is set but empty`));
    }
    expect(listFiles(home)).toEqual([]);
  });
});
