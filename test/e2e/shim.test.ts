/**
 * `kms-local shim --dir DIR` (issue 9, item 8): an `aliyun` executable that runs kms-local, so that
 * a script written for the aliyun CLI runs unchanged with `PATH=DIR:$PATH ./script.sh`, in a
 * non-interactive shell (where an alias would not reach), with node itself not on PATH. A file
 * named aliyun that is not a shim is kept unless --force; a folder never is replaced.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cliEnvironment, hashTree, runCli } from '../support/cli.js';

const MASTER_KEY = Buffer.alloc(32, 5).toString('base64');
let work: string;
let home: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kms-local-shim-'));
  home = join(work, 'home');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (args: readonly string[]) => runCli(args, { home, env: { KMS_LOCAL_MASTER_KEY: MASTER_KEY } });

/** A rotation script as it would be written for the aliyun CLI: no alias, no function, no kms-local. */
const ROTATE_SH = `#!/bin/bash
set -euo pipefail
aliyun kms CreateSecret --SecretName app/db --SecretData first-password --VersionId v1 > /dev/null
aliyun kms PutSecretValue --SecretName app/db --SecretData "$(aliyun kms GetRandomPassword --PasswordLength 20 --cli-query RandomPassword | tr -d '"')" --VersionId v2 --quiet
previous=$(aliyun kms GetSecretValue --SecretName app/db --VersionStage ACSPrevious --cli-query SecretData)
current=$(aliyun kms GetSecretValue --SecretName app/db --cli-query VersionId)
echo "previous=$previous current=$current"
echo "which=$(command -v aliyun)"
`;

/** Runs `command` with bash -c, non-interactively, with PATH as given and nothing of the caller's kms-local. */
function shell(command: string, path: string): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const env = { ...cliEnvironment({ home, env: { KMS_LOCAL_MASTER_KEY: MASTER_KEY } }), PATH: path };
  return spawnSync('/bin/bash', ['-c', command], { cwd: work, env, encoding: 'utf8', timeout: 60_000 }) as never;
}

describe('an aliyun script runs unchanged with the shim first on PATH', () => {
  const dir = () => join(work, 'shim-bin');

  test('kms-local shim --dir DIR writes an executable DIR/aliyun and says how to use it', () => {
    const result = cli(['shim', '--dir', dir()]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Wrote ${join(dir(), 'aliyun')}`);
    expect(result.stdout).toContain(`PATH='${dir()}':"$PATH" ./script.sh`);
    const shim = join(dir(), 'aliyun');
    expect(statSync(shim).mode & 0o777).toBe(0o755);
    const text = readFileSync(shim, 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    // Node and kms-local by absolute path: the script's PATH need not hold either.
    expect(text).toContain(`exec '${process.execPath}' '${BIN}' "$@"`);
  });

  test('PATH=DIR:$PATH ./rotate.sh, in a non-interactive bash, with no node on PATH', () => {
    const script = join(work, 'rotate.sh');
    writeFileSync(script, ROTATE_SH);
    chmodSync(script, 0o755);
    // A PATH with the one tool the script uses besides aliyun: neither node nor kms-local is found by name.
    const tools = join(work, 'tools');
    mkdirSync(tools, { recursive: true });
    symlinkSync(shell('command -v tr', '/usr/bin:/bin').stdout.trim(), join(tools, 'tr'));
    const path = tools;
    expect(shell('command -v node || echo none', path).stdout).toBe('none\n');
    const result = shell(`PATH=${dir()}:$PATH ./rotate.sh`, path);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`previous="first-password" current="v2"\nwhich=${join(dir(), 'aliyun')}\n`);
    // The secret is in kms-local's store, read back by kms-local itself.
    expect(cli(['kms', 'GetSecretValue', '--SecretName', 'app/db', '--VersionId', 'v1'])).toMatchObject({ code: 0 });
  });

  test('an aliyun error keeps its exit code and its stderr through the shim', () => {
    const result = shell(`PATH=${dir()} aliyun kms GetSecretValue --SecretName app/none`, '/nonexistent');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: SDK\.ServerError\nErrorCode: Forbidden\.ResourceNotFound\n/);
  });
});

describe('what is already there', () => {
  test('a shim is rewritten; --quiet prints nothing', () => {
    const dir = join(work, 'again');
    expect(cli(['shim', '--dir', dir]).code).toBe(0);
    expect(cli(['shim', '--dir', dir, '--quiet'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(dir, 'aliyun'), 'utf8')).toContain('# kms-local shim:');
  });

  test('a file named aliyun that is not a shim (the real aliyun CLI) is kept, unless --force', () => {
    const dir = join(work, 'real');
    mkdirSync(dir);
    writeFileSync(join(dir, 'aliyun'), '#!/bin/sh\necho the real aliyun\n', { mode: 0o755 });
    const before = hashTree(dir);
    const refused = cli(['shim', '--dir', dir]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(`ERROR: ${join(dir, 'aliyun')} exists and is not a kms-local shim; it is left as it is. Add --force to replace it.\n`);
    expect(hashTree(dir)).toBe(before);
    expect(cli(['shim', '--dir', dir, '--force']).code).toBe(0);
    expect(readFileSync(join(dir, 'aliyun'), 'utf8')).toContain('# kms-local shim:');
  });

  test('a folder named aliyun is never replaced, even with --force', () => {
    const dir = join(work, 'folder');
    mkdirSync(join(dir, 'aliyun'), { recursive: true });
    writeFileSync(join(dir, 'aliyun', 'keep'), 'x');
    const before = hashTree(dir);
    expect(cli(['shim', '--dir', dir, '--force']).code).toBe(1);
    expect(hashTree(dir)).toBe(before);
  });

  test('--dir is needed', () => {
    const result = cli(['shim']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('shim needs --dir <dir>');
  });
});
