/**
 * Inputs and homes that are not what kms-local expects (issue 10 points 10 and 16):
 *   - bytes that are not UTF-8 in a --X-FILE are refused with InvalidParameter, never stored as
 *     U+FFFD;
 *   - a read-only home gives service errors that say so, never internal errors, and changes nothing.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashTree, makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';

const homes: string[] = [];
afterAll(() => homes.forEach(removeHome));

function newHome(): string {
  const home = makeHome();
  homes.push(home);
  return home;
}

/** The first write to a new home says that it made a master key: that line is expected. */
function withoutKeyNotice(stderr: string): string {
  return stderr.replace(/^kms-local: made a new master key in .*\n/, '');
}

function ok(result: CliResult): any {
  expect({ code: result.code, stderr: withoutKeyNotice(result.stderr) }).toEqual({ code: 0, stderr: '' });
  return result.json;
}

describe('--X-FILE bytes that are not UTF-8', () => {
  const home = newHome();
  ok(runCli(['kms', 'CreateSecret', '--SecretName', 'app', '--VersionId', 'v1', '--SecretData', 'first'], { home }));

  const cases: [string, Buffer][] = [
    ['a lone continuation byte', Buffer.from([0x61, 0x80, 0x62])],
    ['Latin-1 text', Buffer.from('caf\xe9', 'latin1')],
    ['a truncated 3-byte character', Buffer.from([0x61, 0xe2, 0x82])],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
  ];

  test.each(cases)('%s: InvalidParameter naming the flag and file, nothing stored', (_what, bytes) => {
    const file = join(home, 'value.bin');
    writeFileSync(file, bytes);
    const before = hashTree(home);
    const put = runCli(['kms', 'PutSecretValue', '--SecretName', 'app', '--VersionId', 'v2', '--SecretData-FILE', file], { home });
    const error = serviceError(put.stderr);
    expect({ code: put.code, error: error?.code }).toEqual({ code: 1, error: 'InvalidParameter' });
    expect(error!.message).toContain(`--SecretData-FILE '${file}' is not UTF-8 text`);
    // The same bytes on stdin.
    const piped = runCli(['kms', 'PutSecretValue', '--SecretName', 'app', '--VersionId', 'v2', '--SecretData-FILE', '-'], { home, input: bytes });
    expect(serviceError(piped.stderr)?.code).toBe('InvalidParameter');
    expect(hashTree(home)).toBe(before);
    expect(ok(runCli(['kms', 'GetSecretValue', '--SecretName', 'app'], { home })).SecretData).toBe('first');
  });

  test('UTF-8 text (with a byte-order mark, and characters of every length) is taken as it is', () => {
    const file = join(home, 'value.txt');
    const text = '\ufeffa é € 𝄞';
    writeFileSync(file, text, 'utf8');
    ok(runCli(['kms', 'PutSecretValue', '--SecretName', 'app', '--VersionId', 'utf8', '--SecretData-FILE', file], { home }));
    expect(ok(runCli(['kms', 'GetSecretValue', '--SecretName', 'app'], { home })).SecretData).toBe(text);
  });
});

// ---------------------------------------------------------------- a read-only home

const mount = mkdtempSync(join(tmpdir(), 'kms-local-ro-'));
const roSkip = (() => {
  if (process.getuid?.() !== 0) return 'not root: a read-only mount needs root';
  const done = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mount], { encoding: 'utf8' });
  return done.status === 0 ? undefined : `mount failed: ${done.stderr.trim()}`;
})();
if (roSkip) console.warn(`read-only home tests skipped: ${roSkip}`);
afterAll(() => {
  if (!roSkip) spawnSync('umount', [mount]);
  rmSync(mount, { recursive: true, force: true });
});

(roSkip ? describe.skip : describe)('a read-only home (root cannot write there either)', () => {
  const home = join(mount, 'home');

  test('writes give ServiceUnavailableTemporary naming the read-only file system; reads work; nothing changes', () => {
    ok(runCli(['kms', 'CreateSecret', '--SecretName', 'app', '--VersionId', 'v1', '--SecretData', 'first'], { home }));
    ok(runCli(['kms', 'ListSecrets'], { home }));
    expect(spawnSync('mount', ['-o', 'remount,ro', mount]).status).toBe(0);
    try {
      const before = hashTree(home);
      const writes = [
        ['PutSecretValue', '--SecretName', 'app', '--VersionId', 'v2', '--SecretData', 'second'],
        ['CreateSecret', '--SecretName', 'other', '--VersionId', 'v1', '--SecretData', 'x'],
        ['TagResource', '--SecretName', 'app', '--Tags', '[{"TagKey":"k","TagValue":"v"}]'],
        ['DeleteSecret', '--SecretName', 'app', '--ForceDeleteWithoutRecovery', 'true'],
      ];
      for (const args of writes) {
        const result = runCli(['kms', ...args], { home });
        expect({ args, internal: /internal error/.test(result.stderr), code: result.code }).toEqual({ args, internal: false, code: 1 });
        const error = serviceError(result.stderr);
        // The change itself, or its audit line, is refused: either way the message names the cause.
        if (error) {
          expect({ args, code: error.code }).toEqual({ args, code: 'ServiceUnavailableTemporary' });
          expect(error.message).toMatch(/the file system is read-only, EROFS/);
        } else {
          expect(result.stderr).toMatch(/EROFS/);
        }
      }
      expect(ok(runCli(['kms', 'GetSecretValue', '--SecretName', 'app'], { home })).SecretData).toBe('first');
      expect(ok(runCli(['kms', 'ListSecrets'], { home })).TotalCount).toBe(1);
      expect(hashTree(home)).toBe(before);
      // A home that does not exist yet, on a read-only file system: the same service error.
      const fresh = runCli(['kms', 'CreateSecret', '--SecretName', 'x', '--VersionId', 'v1', '--SecretData', 'y'], { home: join(mount, 'new-home') });
      expect(serviceError(fresh.stderr)?.code).toBe('ServiceUnavailableTemporary');
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', mount]);
    }
  });
});
