/**
 * Inputs and homes that are not what kms-local expects (issue 10 points 10 and 16):
 *   - bytes that are not UTF-8 in a --X-FILE are refused with InvalidParameter, never stored as
 *     U+FFFD;
 *   - a read-only home gives service errors that say so, never internal errors, and changes nothing;
 *   - a home others could change (group- or world-writable home or store folder, a master key others
 *     may read, files of another user) or with a symbolic link where kms-local expects its own file
 *     (audit.log, config.json, master.key, a secret file) is refused before anything is written,
 *     with an error that says how to fix it.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashTree, homesRemovedAfterAll, runCli, serviceError, withoutKeyNotice, type CliResult } from '../support/cli.js';

const newHome = homesRemovedAfterAll();

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

// ---------------------------------------------------------------- a home others could change

describe('an unsafe home is refused before anything is written, with the fix', () => {
  /** A home with one secret and a profile, and a file outside it that a planted link points to. */
  function seeded(): { home: string; target: string } {
    const home = newHome();
    ok(runCli(['kms', 'CreateSecret', '--SecretName', 'app', '--VersionId', 'v1', '--SecretData', 'first'], { home }));
    ok(runCli(['configure', 'set', '--profile', 'dev', '--region', 'cn-shanghai', '--access-key-id', 'LTAI-id', '--access-key-secret', 'the-ak-secret'], { home }));
    const target = join(newHome(), 'victim.txt');
    writeFileSync(target, 'victim\n');
    return { home, target };
  }

  const put = ['kms', 'PutSecretValue', '--SecretName', 'app', '--VersionId', 'v2', '--SecretData', 'second'];
  const cases: { what: string; damage: (home: string, target: string) => void; args: string[]; fix: (home: string) => string }[] = [
    { what: 'a world-writable home', damage: (home) => chmodSync(home, 0o777), args: put, fix: (home) => `chmod 700 '${home}'` },
    { what: 'a group-writable store folder', damage: (home) => chmodSync(join(home, 'store'), 0o770), args: ['kms', 'ListSecrets'], fix: (home) => `chmod 700 '${join(home, 'store')}'` },
    { what: 'a master key others may read', damage: (home) => chmodSync(join(home, 'master.key'), 0o644), args: ['kms', 'GetSecretValue', '--SecretName', 'app'], fix: (home) => `chmod 600 '${join(home, 'master.key')}'` },
    {
      what: 'audit.log a symbolic link',
      damage: (home, target) => {
        rmSync(join(home, 'audit.log'));
        symlinkSync(target, join(home, 'audit.log'));
      },
      args: put,
      fix: (home) => `rm '${join(home, 'audit.log')}'`,
    },
    {
      what: 'config.json a symbolic link',
      damage: (home, target) => {
        rmSync(join(home, 'config.json'));
        symlinkSync(target, join(home, 'config.json'));
      },
      args: ['configure', 'set', '--profile', 'dev', '--access-key-id', 'LTAI-id', '--access-key-secret', 'the-ak-secret'],
      fix: (home) => `rm '${join(home, 'config.json')}'`,
    },
    {
      what: 'master.key a symbolic link',
      damage: (home, target) => {
        writeFileSync(target, readFileSync(join(home, 'master.key')));
        rmSync(join(home, 'master.key'));
        symlinkSync(target, join(home, 'master.key'));
      },
      args: put,
      fix: (home) => `rm '${join(home, 'master.key')}'`,
    },
    ...(process.getuid?.() === 0
      ? [{ what: 'an audit.log of another user', damage: (home: string) => chownSync(join(home, 'audit.log'), 65534, 65534), args: put, fix: (home: string) => `chown 0 '${join(home, 'audit.log')}'` }]
      : []),
  ];

  test.each(cases)('$what', ({ damage, args, fix }) => {
    const { home, target } = seeded();
    damage(home, target);
    const before = hashTree(home);
    const targetBefore = readFileSync(target);
    const result = runCli(args, { home });
    expect({ code: result.code, refused: result.stderr.startsWith('ERROR: refusing to use the kms-local home') }).toEqual({ code: 3, refused: true });
    expect(result.stderr).toContain(`fix it with: ${fix(home)}`);
    expect(result.stderr).not.toMatch(/the-ak-secret|second/);
    expect(hashTree(home)).toBe(before);
    expect(readFileSync(target).equals(targetBefore)).toBe(true);
  });

  test('a secret file replaced by a symbolic link (to another secret file) is not followed', () => {
    const home = newHome();
    for (const name of ['app', 'other']) ok(runCli(['kms', 'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretData', `${name}-value`], { home }));
    const file = join(home, 'store', 'cn-hangzhou', 'app.json');
    rmSync(file);
    symlinkSync(join(home, 'store', 'cn-hangzhou', 'other.json'), file);
    const got = runCli(['kms', 'GetSecretValue', '--SecretName', 'app'], { home });
    const error = serviceError(got.stderr);
    expect({ code: got.code, error: error?.code }).toEqual({ code: 1, error: 'Rejected.IntegrityCheckFailed' });
    expect(error!.message).toContain('symbolic link');
    expect(got.stderr).not.toContain('other-value');
  });
});
