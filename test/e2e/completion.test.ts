/**
 * `kms-local completion bash|zsh`: the script completes operations and each operation's
 * parameters from the operation table. The bash script is loaded into a real bash and asked.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, removeHome, runCli } from '../support/cli.js';

let home: string;
let script: string;

beforeAll(() => {
  home = makeHome();
  const result = runCli(['completion', 'bash'], { home });
  expect(result).toMatchObject({ code: 0, stderr: '' });
  script = join(home, 'kms-local.bash');
  writeFileSync(script, result.stdout);
});
afterAll(() => removeHome(home));

/** What bash offers for the words typed so far (the last one is being completed). */
function complete(...words: string[]): string[] {
  const body = `source ${JSON.stringify(script)}
COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')})
COMP_CWORD=${words.length - 1}
_kms_local_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync('bash', ['--norc', '--noprofile', '-c', body], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter(Boolean);
}

describe('bash', () => {
  test('operations, with or without the kms word', () => {
    expect(complete('kms-local', 'GetSec')).toEqual(['GetSecretValue', 'GetSecretPolicy']);
    expect(complete('kms-local', 'kms', 'ListSecretV')).toEqual(['ListSecretVersionIds']);
    expect(complete('kms-local', 'conf')).toEqual(['configure']);
  });

  test("an operation's parameters, after global flags and values too", () => {
    expect(complete('kms-local', 'PutSecretValue', '--Ver')).toEqual(['--VersionId', '--VersionStages']);
    expect(complete('kms-local', '--region', 'cn-hangzhou', 'GetSecretValue', '--SecretName', 'x', '--Fetch')).toEqual(['--FetchExtendedConfig']);
    expect(complete('kms-local', 'GetSecretValue', '--cli')).toEqual(['--cli-query']);
    expect(complete('kms-local', 'ListTagResources', '--ResourceI')).toEqual(['--ResourceId.1']);
  });

  test('the value of a flag is left to the shell', () => {
    expect(complete('kms-local', 'GetSecretValue', '--SecretName', '')).toEqual([]);
  });

  test('built-in commands and their words', () => {
    expect(complete('kms-local', 'completion', '')).toEqual(['bash', 'zsh', '--help']);
    expect(complete('kms-local', 'configure', 'sw')).toEqual(['switch']);
    expect(complete('kms-local', 'audit', '--S')).toEqual(['--SecretName']);
    expect(complete('kms-local', 'help', 'kms', 'CreateS')).toEqual(['CreateSecret']);
  });

  test("a sub-command's own flags, from the built-ins' table", () => {
    expect(complete('kms-local', 'configure', 'set', '--access-key-')).toEqual(['--access-key-id', '--access-key-secret']);
    expect(complete('kms-local', 'configure', 'get', 'access-key-')).toEqual(['access-key-id', 'access-key-secret']);
    expect(complete('kms-local', 'target', 'add', '--HostK')).toEqual(['--HostKeyFingerprint']);
    expect(complete('kms-local', 'target', 'remove', '--')).toEqual(['--InstanceId', '--DBInstanceId', '--quiet', '--cli-query', '--output', '--help']);
    expect(complete('kms-local', 'rotate-due', '--d')).toEqual(['--dry-run']);
    expect(complete('kms-local', 'shim', '--')).toEqual(['--dir', '--force', '--quiet', '--help']);
  });

  test('the value of a flag is not taken for a sub-command', () => {
    expect(complete('kms-local', 'configure', '--profile', 'dev', 's')).toEqual(['set', 'switch']);
    expect(complete('kms-local', 'rotate-due', '--dry-run', '--r')).toEqual(['--region']);
  });

  test('aliyun (the kms-local shim) is completed the same way', () => {
    const body = `source ${JSON.stringify(script)}
complete -p aliyun
COMP_WORDS=(aliyun kms GetSecretV)
COMP_CWORD=2
_kms_local_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', body], { encoding: 'utf8' });
    expect(run.stdout).toBe('complete -o default -F _kms_local_complete aliyun\nGetSecretValue\n');
  });
});

describe('zsh', () => {
  test('a compdef script with every operation of the table', () => {
    const result = runCli(['completion', 'zsh'], { home });
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('#compdef kms-local aliyun\n')).toBe(true);
    const ops = runCli(['help'], { home }).stdout.match(/^ {2}([A-Z]\w+)/gm)!.map((s) => s.trim());
    expect(ops.length).toBeGreaterThan(10);
    for (const op of ops) expect(result.stdout).toContain(`    ${op}) candidates=(`);
    expect(result.stdout).toContain('compdef _kms_local kms-local');
  });
});

test('no shell is an error; an unknown one is refused from the table with "Did you mean"', () => {
  expect(runCli(['completion'], { home }).code).toBe(1);
  expect(runCli(['completion', 'fish'], { home })).toMatchObject({ code: 2, stdout: '\nDid you mean:\n  bash\n  zsh\n' });
});
