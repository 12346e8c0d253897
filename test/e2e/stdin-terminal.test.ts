/**
 * `--<Param>-FILE -` at a terminal: a blocking read until end of input (Ctrl-D), a line on stderr
 * saying what it waits for, the bytes taken as typed (the newline kept). The terminal is a real
 * pseudo-terminal made by script(1); it is made non-blocking first, as an earlier program on the
 * same terminal can leave it, which is what made `readFileSync(0)` fail with EAGAIN. The input is
 * typed a second after start, while kms-local already waits. Piped stdin says nothing on stderr.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { BIN, makeHome, removeHome, runCli } from '../support/cli.js';

const homes: string[] = [];
afterAll(() => homes.forEach(removeHome));

const NON_BLOCKING = `python3 -c 'import fcntl, os; fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK)'`;

/** Runs kms-local with its stdin on a (non-blocking) terminal; `typed` arrives a second later. */
function onTerminal(home: string, args: string[], typed: string): { output: string; code: number | null } {
  const command = `${NON_BLOCKING}; "${process.execPath}" "${BIN}" ${args.map((a) => `'${a}'`).join(' ')}; echo "exit=$?"`;
  const run = spawnSync('bash', ['-c', `(sleep 1; printf '%s' "$TYPED") | script -qfec "$COMMAND" /dev/null`], {
    env: { PATH: process.env.PATH, KMS_LOCAL_HOME: home, TERM: 'dumb', TYPED: typed, COMMAND: command },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { output: run.stdout.replace(/\r\n/g, '\n'), code: run.status };
}

describe('--SecretData-FILE - at a terminal', () => {
  test('waits (blocking, also on a non-blocking terminal) until Ctrl-D, says so on stderr, keeps the trailing newline', () => {
    const home = makeHome();
    homes.push(home);
    const run = onTerminal(home, ['kms', 'CreateSecret', '--SecretName', 'typed', '--SecretData-FILE', '-', '--VersionId', 'v1', '--quiet'], 'typed-value\n\x04');
    expect(run.output).toContain('Reading --SecretData-FILE from the terminal: type the value, then Ctrl-D on a new line');
    expect(run.output).not.toContain('EAGAIN');
    expect(run.output).toContain('exit=0');
    const read = runCli(['kms', 'GetSecretValue', '--SecretName', 'typed'], { home });
    expect(read.json.SecretData).toBe('typed-value\n');
  });

  test('piped stdin: taken byte for byte, nothing said on stderr', () => {
    const home = makeHome();
    homes.push(home);
    const put = runCli(['kms', 'CreateSecret', '--SecretName', 'piped', '--SecretData-FILE', '-', '--VersionId', 'v1'], { home, input: 'piped-value' });
    expect({ code: put.code, stderr: put.stderr }).toEqual({ code: 0, stderr: '' });
    expect(runCli(['kms', 'GetSecretValue', '--SecretName', 'piped'], { home }).json.SecretData).toBe('piped-value');
  });
});
