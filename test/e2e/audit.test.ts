/**
 * The audit trail through bin/kms-local.js: one JSON line per call of a mutating operation that
 * got past validation (success or error), none for reads, dry runs or rejected command lines;
 * never a secret value; `kms-local audit` filters it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { UUID_V4, makeHome, removeHome, runCli, runCliAsync, type CliResult } from '../support/cli.js';

const VALUES = ['first-value-7d1c9a', 'second-value-88e2f0', 'conflicting-value-1b7c', 'never-stored-4f4f'];

let home: string;

function kms(args: string[], env: Record<string, string> = {}): CliResult {
  return runCli(['kms', ...args], { home, env });
}

function lines(): Record<string, unknown>[] {
  return readFileSync(join(home, 'audit.log'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

beforeAll(() => {
  home = makeHome();
});
afterAll(() => removeHome(home));

describe('what is recorded', () => {
  test('successes and service errors of mutating operations, one line each, in order', () => {
    const at = { KMS_LOCAL_NOW: '2026-03-01T10:00:00Z' };
    expect(kms(['CreateSecret', '--SecretName', 'app', '--SecretData', VALUES[0]!, '--VersionId', 'v1'], at).code).toBe(0);
    expect(kms(['PutSecretValue', '--SecretName', 'app', '--SecretData', VALUES[1]!, '--VersionId', 'v2']).code).toBe(0);
    expect(kms(['PutSecretValue', '--SecretName', 'app', '--SecretData', VALUES[2]!, '--VersionId', 'v2']).code).toBe(1);
    expect(kms(['PutSecretValue', '--SecretName', 'ghost', '--SecretData', VALUES[3]!, '--VersionId', 'v1']).code).toBe(1);
    const records = lines();
    expect(records.map((r) => [r.operation, r.secretName, r.versionId, r.outcome, r.errorCode])).toEqual([
      ['CreateSecret', 'app', 'v1', 'success', null],
      ['PutSecretValue', 'app', 'v2', 'success', null],
      ['PutSecretValue', 'app', 'v2', 'error', 'Rejected.ResourceExist'],
      ['PutSecretValue', 'ghost', 'v1', 'error', 'Forbidden.ResourceNotFound'],
    ]);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(['time', 'operation', 'secretName', 'versionId', 'requestId', 'outcome', 'errorCode']);
      expect(r.requestId).toMatch(UUID_V4);
    }
    expect(records[0]!.time).toBe('2026-03-01T10:00:00Z');
  });

  test('the request id of a line is the one the caller saw', () => {
    const result = kms(['UpdateSecretVersionStage', '--SecretName', 'app', '--VersionStage', 'Mine', '--MoveToVersion', 'v1']);
    expect(result.code).toBe(0);
    const last = lines().pop()!;
    expect(last).toMatchObject({ operation: 'UpdateSecretVersionStage', secretName: 'app', versionId: 'v1', outcome: 'success' });
    expect(last.requestId).toBe(JSON.parse(result.stdout).RequestId);
  });

  test('reads, dry runs and command lines rejected before the call leave no line', () => {
    const count = lines().length;
    expect(kms(['GetSecretValue', '--SecretName', 'app']).code).toBe(0);
    expect(kms(['ListSecretVersionIds', '--SecretName', 'app']).code).toBe(0);
    expect(kms(['PutSecretValue', '--SecretName', 'app', '--SecretData', 'x', '--VersionId', 'v3', '--dryrun']).code).toBe(0);
    expect(kms(['PutSecretValue', '--SecretName', 'app', '--SecretData', 'x']).code).toBe(3);
    expect(kms(['PutSecretValue', '--SecretName', 'app', '--SecretData', 'x', '--VersionId', 'v3', '--cli-query', 'a[']).code).toBe(1);
    expect(lines()).toHaveLength(count);
  });

  test('the log is 0600 and holds no secret value', () => {
    expect(statSync(join(home, 'audit.log')).mode & 0o777).toBe(0o600);
    const text = readFileSync(join(home, 'audit.log'), 'utf8');
    for (const value of VALUES) expect(text).not.toContain(value);
    expect(text).not.toContain('SecretData');
  });

  test('concurrent writers never tear or lose a line', async () => {
    const count = lines().length;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        runCliAsync(['kms', 'CreateSecret', '--SecretName', `parallel-${i}`, '--SecretData', `v-${i}`, '--VersionId', 'v1'], { home }),
      ),
    );
    const records = lines();
    expect(records).toHaveLength(count + 12);
    expect(records.slice(count).map((r) => r.secretName).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `parallel-${i}`).sort());
  });
});

describe('when the log cannot be written', () => {
  test('a folder in place of the log: refused before the change, which is not made', () => {
    const other = makeHome();
    try {
      expect(runCli(['kms', 'CreateSecret', '--SecretName', 'a', '--SecretData', 'b', '--VersionId', 'v1'], { home: other }).code).toBe(0);
      rmSync(join(other, 'audit.log'));
      mkdirSync(join(other, 'audit.log'));
      const refused = runCli(['kms', 'PutSecretValue', '--SecretName', 'a', '--SecretData', 'c', '--VersionId', 'v2'], { home: other });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^ERROR: refusing to use the kms-local home: '.*audit\.log' is not a regular file/);
      rmSync(join(other, 'audit.log'), { recursive: true });
      expect(runCli(['kms', 'GetSecretValue', '--SecretName', 'a'], { home: other }).json.SecretData).toBe('b');
    } finally {
      removeHome(other);
    }
  });

  test('a change is reported as an error naming its request; a failed call keeps its own error', () => {
    const other = makeHome();
    const log = join(other, 'audit.log');
    try {
      expect(runCli(['kms', 'CreateSecret', '--SecretName', 'a', '--SecretData', 'b', '--VersionId', 'v1'], { home: other }).code).toBe(0);
      // A file of this user that cannot be appended to: immutable (even root gets EPERM).
      if (process.getuid?.() !== 0 || spawnSync('chattr', ['+i', log]).status !== 0) {
        console.warn('audit write-failure test skipped: chattr +i needs root and a file system that supports it');
        return;
      }
      const changed = runCli(['kms', 'PutSecretValue', '--SecretName', 'a', '--SecretData', 'c', '--VersionId', 'v2'], { home: other });
      expect(changed.code).toBe(1);
      expect(changed.stderr).toMatch(/^ERROR: PutSecretValue ran \(RequestId [0-9a-f-]{36}\) but the audit log could not be written: EPERM\n$/);
      const failed = runCli(['kms', 'PutSecretValue', '--SecretName', 'zz', '--SecretData', 'c', '--VersionId', 'v2'], { home: other });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^ERROR: SDK\.ServerError\nErrorCode: Forbidden\.ResourceNotFound\n/);
    } finally {
      spawnSync('chattr', ['-i', log]);
      removeHome(other);
    }
  });
});

describe('kms-local audit', () => {
  test('prints the log as JSON lines, as stored', () => {
    const result = runCli(['audit'], { home });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(readFileSync(join(home, 'audit.log'), 'utf8'));
  });

  test('--SecretName (a name or an ARN) and --since filter it', () => {
    const byName = runCli(['audit', '--SecretName', 'ghost'], { home });
    expect(byName.stdout.trim().split('\n').map((l) => JSON.parse(l).errorCode)).toEqual(['Forbidden.ResourceNotFound']);
    const arn = JSON.parse(kms(['DescribeSecret', '--SecretName', 'app']).stdout).Arn as string;
    expect(runCli(['audit', '--SecretName', arn], { home }).stdout).toBe(runCli(['audit', '--SecretName', 'app'], { home }).stdout);
    const since = runCli(['audit', '--SecretName', 'app', '--since', '2026-03-01T11:00:00Z'], { home, env: { KMS_LOCAL_NOW: '2026-03-01T12:00:00Z' } });
    expect(since.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).operation)).not.toContain('CreateSecret');
    // A duration counts back from now (KMS_LOCAL_NOW when set).
    expect(runCli(['audit', '--since', '1h'], { home, env: { KMS_LOCAL_NOW: '2099-01-01T00:00:00Z' } }).stdout).toBe('');
    expect(runCli(['audit', '--since', '36500d'], { home, env: { KMS_LOCAL_NOW: '2099-01-01T00:00:00Z' } }).stdout).toBe(
      readFileSync(join(home, 'audit.log'), 'utf8'),
    );
  });

  test('an empty home prints nothing; bad flags are refused', () => {
    const empty = makeHome();
    try {
      expect(runCli(['audit'], { home: empty })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    } finally {
      removeHome(empty);
    }
    expect(runCli(['audit', '--since', 'soon'], { home }).code).toBe(1);
    expect(runCli(['audit', '--SecretNam', 'x'], { home })).toMatchObject({ code: 2 });
  });
});
