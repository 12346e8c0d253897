/**
 * `kms-local run`: the child gets the values in its environment; kms-local itself never prints one;
 * the child's exit code comes back; signals reach the child.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT, makeHome, removeHome, runCli, runCliAsync, serviceError, type CliResult } from '../support/cli.js';
import { serveEnv } from '../support/serve.js';

const DB_VALUE = '{"uname": "alice", "pwd": "Pw-run-test-6b1f c"}';
const API_VALUE = 'api-token-run-test-93ad';
let home: string;
const outputs: CliResult[] = [];

/** A node one-liner for the child: writes the listed variables as JSON to `file`. */
function dumpEnv(file: string, ...names: string[]): string[] {
  const script = `require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, process.env[n]]))))`;
  return [process.execPath, '-e', script];
}

async function run(...args: string[]): Promise<CliResult> {
  const result = await runCliAsync(['run', ...args], { home });
  outputs.push(result);
  return result;
}

beforeAll(() => {
  home = makeHome();
  for (const [name, value] of [['app/db-password', DB_VALUE], ['api_token', API_VALUE]]) {
    expect(runCli(['kms', 'CreateSecret', '--SecretName', name!, '--VersionId', 'v1', '--SecretData', value!], { home }).code).toBe(0);
  }
});

afterAll(() => removeHome(home));

describe('kms-local run', () => {
  test('each secret in a variable named after it, or as --Env names it', async () => {
    const file = join(home, 'env1.json');
    const result = await run('--SecretName', 'app/db-password', '--Env', 'TOKEN=api_token', '--', ...dumpEnv(file, 'APP_DB_PASSWORD', 'TOKEN', 'API_TOKEN'));
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ APP_DB_PASSWORD: DB_VALUE, TOKEN: API_VALUE });
  });

  test('the value a rotation just wrote is the one the next run gets', async () => {
    expect(runCli(['kms', 'PutSecretValue', '--SecretName', 'api_token', '--VersionId', 'v2', '--SecretData', `${API_VALUE}-v2`], { home }).code).toBe(0);
    const file = join(home, 'env2.json');
    expect((await run('--SecretName', 'api_token', '--', ...dumpEnv(file, 'API_TOKEN'))).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ API_TOKEN: `${API_VALUE}-v2` });
  });

  test('--Spread true: one variable per key of a JSON secret', async () => {
    const file = join(home, 'env3.json');
    const result = await run('--Env', 'DB=app/db-password', '--Spread', 'true', '--', ...dumpEnv(file, 'DB_UNAME', 'DB_PWD', 'DB'));
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ DB_UNAME: 'alice', DB_PWD: 'Pw-run-test-6b1f c' });
  });

  test('--Spread true on a secret that is not a JSON object fails without running the command or printing the value', async () => {
    const file = join(home, 'never.json');
    const result = await run('--SecretName', 'api_token', '--Spread', 'true', '--', ...dumpEnv(file, 'X'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("secret 'api_token' is not a JSON object");
    expect(existsSync(file)).toBe(false);
  });

  test('the exit code of the command comes back; a signal as 128 + its number', async () => {
    expect((await run('--SecretName', 'api_token', '--', process.execPath, '-e', 'process.exit(42)')).code).toBe(42);
    expect((await run('--SecretName', 'api_token', '--', 'sh', '-c', 'kill -TERM $$')).code).toBe(143);
  });

  test("the command's own output passes through; kms-local adds nothing", async () => {
    const result = await run('--SecretName', 'api_token', '--', 'sh', '-c', 'echo out; echo err >&2; test -n "$API_TOKEN"');
    expect(result).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  test('an unknown secret: the service error, and the command does not run', async () => {
    const file = join(home, 'never2.json');
    const result = await run('--SecretName', 'no-such', '--', ...dumpEnv(file, 'X'));
    expect(result.code).toBe(1);
    expect(serviceError(result.stderr)?.code).toBe('Forbidden.ResourceNotFound');
    expect(existsSync(file)).toBe(false);
  });

  test('a command that does not exist: 127', async () => {
    const result = await run('--SecretName', 'api_token', '--', 'no-such-command-kms-local-test');
    expect(result.code).toBe(127);
    expect(result.stderr).toContain("cannot run 'no-such-command-kms-local-test': ENOENT");
  });

  test('no command, or a bare -- elsewhere, is refused', async () => {
    expect((await run('--SecretName', 'api_token')).code).toBe(3);
    const bare = runCli(['kms', 'GetSecretValue', '--SecretName', 'x', '--', 'y'], { home });
    expect(bare.stderr).toContain("not support '--' in command line");
  });

  test('SIGTERM to kms-local reaches the command, whose exit code comes back', async () => {
    const ready = join(home, 'ready');
    const got = join(home, 'got');
    const script = `const fs = require('fs'); process.on('SIGTERM', () => { fs.writeFileSync(${JSON.stringify(got)}, 'SIGTERM'); process.exit(5); }); fs.writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, [BIN, 'run', '--SecretName', 'api_token', '--', process.execPath, '-e', script], { cwd: REPO_ROOT, env: serveEnv(home), stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 200 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    expect(await exited).toBe(5);
    expect(readFileSync(got, 'utf8')).toBe('SIGTERM');
  });

  test('no value ever appears in what kms-local printed', () => {
    const printed = outputs.map((o) => o.stdout + o.stderr).join('\n');
    for (const value of [DB_VALUE, API_VALUE, 'Pw-run-test-6b1f']) expect(printed).not.toContain(value);
  });
});
