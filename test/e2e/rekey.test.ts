/**
 * `kms-local rekey`: every secret moves under a new master key; an interrupted rekey (the process
 * killed between two secrets, or between temp write and rename) leaves every secret readable and
 * writable, and a rerun finishes the job.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, hashTree, listFiles, makeHome, removeHome, runCli } from '../support/cli.js';

let home: string;
beforeEach(() => {
  home = makeHome();
});
afterEach(() => removeHome(home));

const cli = (args: string[], env?: Record<string, string | undefined>) => runCli(args, { home, env });

function seed(env?: Record<string, string | undefined>): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 1; i <= 5; i++) {
    const value = `rekey-value-${i}-${randomBytes(4).toString('hex')}`;
    expect(cli(['kms', 'CreateSecret', '--SecretName', `app/s${i}`, '--SecretData', value, '--VersionId', 'v1'], env).code).toBe(0);
    values[`app/s${i}`] = value;
  }
  return values;
}

function readAll(values: Record<string, string>, env?: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    const got = cli(['kms', 'GetSecretValue', '--SecretName', name], env);
    expect(got.code).toBe(0);
    expect(got.json.SecretData).toBe(value);
  }
}

describe('rekey with the key file the home manages', () => {
  test('moves every secret under a new key and replaces the key file', () => {
    const values = seed();
    const oldKey = readFileSync(join(home, 'master.key'), 'utf8');
    const result = cli(['rekey', '--yes']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ Total: 5, Rekeyed: 5, AlreadyRekeyed: 0, Failed: [] });
    expect(result.json.ToKeyId).not.toBe(result.json.FromKeyId);
    expect(readFileSync(join(home, 'master.key'), 'utf8')).not.toBe(oldKey);
    expect(existsSync(join(home, 'master.key.next'))).toBe(false);
    readAll(values);
    // The old key no longer opens anything.
    const withOld = cli(['kms', 'GetSecretValue', '--SecretName', 'app/s1'], { KMS_LOCAL_MASTER_KEY: oldKey.trim() });
    expect(withOld.code).toBe(1);
    expect(withOld.stderr).toContain('Rejected.IntegrityCheckFailed');
    expect(withOld.stderr).not.toContain(values['app/s1']);
  });

  test.each(['after-rename:3', 'after-temp-write:2'])('killed at %s: every secret stays readable and writable, and a rerun finishes', (point) => {
    const values = seed();
    const killed = cli(['rekey', '--yes'], { KMS_LOCAL_TEST_CRASH_AT: point });
    expect(killed.code).not.toBe(0);
    expect(existsSync(join(home, 'master.key.next'))).toBe(true);
    readAll(values);
    // A write in between lands under the current key; the rerun moves it too.
    expect(cli(['kms', 'PutSecretValue', '--SecretName', 'app/s1', '--SecretData', 'between-runs', '--VersionId', 'v2']).code).toBe(0);
    values['app/s1'] = 'between-runs';
    const rerun = cli(['rekey', '--yes']);
    expect(rerun.code).toBe(0);
    expect(rerun.json.Failed).toEqual([]);
    expect(rerun.json.Rekeyed + rerun.json.AlreadyRekeyed).toBe(5);
    expect(existsSync(join(home, 'master.key.next'))).toBe(false);
    readAll(values);
    expect(listFiles(home).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});

describe('a secret that cannot be moved', () => {
  test('is reported by name, exit 1, the others move, and the current key stays until a rerun succeeds', () => {
    const values = seed();
    const file = join(home, 'store', 'cn-hangzhou', 'app%2Fs3.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('"description": ""', '"description": "x"'));
    const oldKey = readFileSync(join(home, 'master.key'), 'utf8');
    const result = cli(['rekey', '--yes']);
    expect(result.code).toBe(1);
    expect(result.json.Failed).toEqual([expect.objectContaining({ Region: 'cn-hangzhou', SecretName: 'app/s3', ErrorCode: 'Rejected.IntegrityCheckFailed' })]);
    expect(result.json.Rekeyed).toBe(4);
    expect(result.json.KeyLocation).toContain('unchanged');
    expect(readFileSync(join(home, 'master.key'), 'utf8')).toBe(oldKey);
    expect(result.stdout + result.stderr).not.toContain(values['app/s3']);
    // Moved secrets are still readable while the old key is the current one.
    expect(cli(['kms', 'GetSecretValue', '--SecretName', 'app/s1']).json.SecretData).toBe(values['app/s1']);
    writeFileSync(file, original);
    const rerun = cli(['rekey', '--yes']);
    expect(rerun.json).toMatchObject({ Rekeyed: 1, AlreadyRekeyed: 4, Failed: [] });
    readAll(values);
  });
});

describe('stale copies of key material', () => {
  test('a temp file left by a creator killed mid-way (here: of a master key) is removed by rekey', () => {
    seed();
    const stale = join(home, '.master.key.99999999.0123456789ab.tmp');
    writeFileSync(stale, 'an old master key\n', { mode: 0o600 });
    expect(cli(['rekey', '--yes']).code).toBe(0);
    expect(existsSync(stale)).toBe(false);
  });

  test('and by the next process that creates a file of the home', () => {
    const stale = join(home, '.account-id.99999999.0123456789ab.tmp');
    writeFileSync(stale, '1234\n', { mode: 0o600 });
    expect(cli(['kms', 'CreateSecret', '--SecretName', 'x', '--SecretData', 'y', '--VersionId', 'v1']).code).toBe(0);
    expect(existsSync(stale)).toBe(false);
  });
});

describe('rekey with the master key in the environment', () => {
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');

  test('refuses without a new key, with a tip', () => {
    seed({ KMS_LOCAL_MASTER_KEY: oldKey });
    const result = cli(['rekey', '--yes'], { KMS_LOCAL_MASTER_KEY: oldKey });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('KMS_LOCAL_NEW_MASTER_KEY');
  });

  test('with KMS_LOCAL_NEW_MASTER_KEY: interrupted, readable with either key setting, finished by a rerun', () => {
    const values = seed({ KMS_LOCAL_MASTER_KEY: oldKey });
    const both = { KMS_LOCAL_MASTER_KEY: oldKey, KMS_LOCAL_NEW_MASTER_KEY: newKey };
    expect(cli(['rekey', '--yes'], { ...both, KMS_LOCAL_TEST_CRASH_AT: 'after-rename:2' }).code).not.toBe(0);
    readAll(values, both);
    const rerun = cli(['rekey', '--yes'], both);
    expect(rerun.code).toBe(0);
    expect(rerun.json.KeyLocation).toContain('KMS_LOCAL_MASTER_KEY');
    readAll(values, { KMS_LOCAL_MASTER_KEY: newKey });
  });

  test('with --NewMasterKeyFile', () => {
    const values = seed({ KMS_LOCAL_MASTER_KEY: oldKey });
    const keyFile = join(home, 'new.key');
    writeFileSync(keyFile, `${newKey}\n`, { mode: 0o600 });
    const result = cli(['rekey', '--yes', '--NewMasterKeyFile', keyFile], { KMS_LOCAL_MASTER_KEY: oldKey });
    expect(result.code).toBe(0);
    expect(result.json.Rekeyed).toBe(5);
    readAll(values, { KMS_LOCAL_MASTER_KEY_FILE: keyFile });
  });

  test('an unknown flag is refused with a suggestion', () => {
    const result = cli(['rekey', '--NewMasterKey', 'x'], { KMS_LOCAL_MASTER_KEY: oldKey });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('--NewMasterKeyFile');
  });
});

describe('rekey moves keys too', () => {
  test('key material, aliases and secrets sealed by a key move under the new master key; a killed rekey leaves them usable', () => {
    const created = cli(['kms', 'CreateKey', '--KeySpec', 'Aliyun_AES_256']);
    expect(created.code).toBe(0);
    const keyId: string = created.json.KeyMetadata.KeyId;
    const signing = cli(['kms', 'CreateKey', '--KeySpec', 'EC_P256']).json.KeyMetadata.KeyId as string;
    expect(cli(['kms', 'CreateAlias', '--AliasName', 'alias/rekeyed', '--KeyId', keyId]).code).toBe(0);
    expect(cli(['kms', 'CreateSecret', '--SecretName', 'sealed', '--SecretData', 'under-a-key', '--VersionId', 'v1', '--EncryptionKeyId', 'alias/rekeyed']).code).toBe(0);
    const values = { ...seed(), sealed: 'under-a-key' };
    const oldKey = readFileSync(join(home, 'master.key'), 'utf8').trim();
    const killed = cli(['rekey', '--yes'], { KMS_LOCAL_TEST_CRASH_AT: 'after-rename:7' });
    expect(killed.code).not.toBe(0);
    readAll(values);
    expect(cli(['kms', 'DescribeKey', '--KeyId', 'alias/rekeyed']).json.KeyMetadata.KeyId).toBe(keyId);
    const result = cli(['rekey', '--yes']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ Total: 8, Failed: [] });
    expect(result.json.Rekeyed + result.json.AlreadyRekeyed).toBe(8);
    readAll(values);
    expect(cli(['kms', 'DescribeKey', '--KeyId', 'alias/rekeyed']).json.KeyMetadata.KeyId).toBe(keyId);
    expect(cli(['kms', 'CreateKeyVersion', '--KeyId', keyId]).code).toBe(0);
    expect(cli(['kms', 'PutSecretValue', '--SecretName', 'sealed', '--SecretData', 'after', '--VersionId', 'v2']).code).toBe(0);
    expect(cli(['kms', 'GetSecretValue', '--SecretName', 'sealed', '--VersionId', 'v1']).json.SecretData).toBe('under-a-key');
    // The old master key opens no key file and no alias table any more.
    for (const args of [['DescribeKey', '--KeyId', keyId], ['DescribeKey', '--KeyId', signing], ['ListAliases']]) {
      const withOld = cli(['kms', ...args], { KMS_LOCAL_MASTER_KEY: oldKey });
      expect({ args, code: withOld.code, integrity: withOld.stderr.includes('Rejected.IntegrityCheckFailed') }).toEqual({ args, code: 1, integrity: true });
    }
    expect(listFiles(home).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});

describe('rekey asks first, keeps the key it replaces, and says how to go back', () => {
  const keyFileOf = (keyId: string): string => join(home, `master.key.${keyId}`);

  test('without --yes and without a terminal: refused, exit 1, naming --yes; nothing changes', () => {
    seed();
    const before = hashTree(home);
    const refused = cli(['rekey']);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^ERROR: rekey .*--yes/);
    expect(hashTree(home)).toBe(before);
  });

  test('--yes: the old key stays as master.key.<old key id> (0600, same bytes), named in the summary with the way back', () => {
    const values = seed();
    const oldKey = readFileSync(join(home, 'master.key'), 'utf8');
    const result = cli(['rekey', '--yes']);
    expect(result.code).toBe(0);
    const kept = keyFileOf(result.json.FromKeyId);
    expect(result.json.OldKeyLocation).toBe(kept);
    expect(readFileSync(kept, 'utf8')).toBe(oldKey);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(result.json.GoBack).toBe(`kms-local rekey --yes --NewMasterKeyFile ${kept}`);

    // Going back as the summary says: every secret under the old key again, the newer key kept too.
    const newKey = readFileSync(join(home, 'master.key'), 'utf8');
    const back = cli(['rekey', '--yes', '--NewMasterKeyFile', kept]);
    expect(back.json).toMatchObject({ Failed: [], FromKeyId: result.json.ToKeyId, ToKeyId: result.json.FromKeyId });
    expect(readFileSync(join(home, 'master.key'), 'utf8')).toBe(oldKey);
    expect(readFileSync(keyFileOf(result.json.ToKeyId), 'utf8')).toBe(newKey);
    readAll(values);
    readAll(values, { KMS_LOCAL_MASTER_KEY: oldKey.trim() });
  });

  test('with the home key file lost, a kept copy of the needed key is named in the error; nothing is written', () => {
    seed();
    const first = cli(['rekey', '--yes']).json;
    // Back under the first key: master.key.<first key id> is still beside master.key.
    expect(cli(['rekey', '--yes', '--NewMasterKeyFile', first.OldKeyLocation]).code).toBe(0);
    rmSync(join(home, 'master.key'));
    const before = hashTree(home);
    const refused = cli(['kms', 'GetSecretValue', '--SecretName', 'app/s1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(first.FromKeyId);
    expect(refused.stderr).toContain(`${keyFileOf(first.FromKeyId)} (kept by rekey) holds that key`);
    expect(hashTree(home)).toBe(before);
  });

  // A real terminal: stdin is a pseudo-terminal made by script(1), the answer typed on it.
  const onTerminal = (answer: string): { code: number | null; output: string } => {
    const command = `${process.execPath} ${join(REPO_ROOT, 'bin', 'kms-local.js')} rekey`;
    const run = spawnSync('script', ['-qfec', command, '/dev/null'], {
      input: `${answer}\n`,
      env: { PATH: process.env.PATH, KMS_LOCAL_HOME: home, TERM: 'dumb' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: run.status, output: run.stdout };
  };

  test('on a terminal it asks; anything but y/yes cancels and changes nothing', () => {
    seed();
    const before = hashTree(home);
    const no = onTerminal('n');
    expect(no.output).toContain('[y/N]');
    expect(no.output).toContain('rekey cancelled; nothing was changed.');
    expect(no.code).toBe(1);
    expect(hashTree(home)).toBe(before);
  });

  test('on a terminal, answering y runs it', () => {
    const values = seed();
    const yes = onTerminal('y');
    expect(yes.code).toBe(0);
    expect(yes.output).toContain('"OldKeyLocation"');
    expect(listFiles(home).filter((f) => /^master\.key\.key-/.test(f))).toHaveLength(1);
    readAll(values);
  });
});
