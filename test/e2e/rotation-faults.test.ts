/**
 * The rotation fault suite, shared by every adapter (PostgreSQL, MySQL/MariaDB, Redis): the same
 * faults against each real server (test/support/rotation-targets.ts), through bin/kms-local.js.
 *   - the target is down: the rotation fails at login, nothing changes; once it is back, it succeeds;
 *   - the verification fails (fresh logins refused for a real reason): SingleUser rolls the
 *     password back through its open session; DoubleUsers leaves the ACSCurrent account alone;
 *   - the process is killed mid-rotation: a second rotation meanwhile is refused; the next one
 *     takes over the stale marker and adopts the version that had reached the server.
 * Every claim that a credential works is checked with the server's own client.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { BIN, makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';
import { ROTATION_TARGETS, type Account } from '../support/rotation-targets.js';

const targets = ROTATION_TARGETS.map((make) => make());
for (const t of targets) {
  const why = t.unavailable();
  if (why) console.warn(`\n!!! SKIPPED the ${t.name} part of test/e2e/rotation-faults.test.ts: ${why}.\n`);
}

describe.each(targets.map((t) => [t.name, t] as const))('rotation faults on a real %s server', (_name, target) => {
  const run = target.unavailable() ? describe.skip : describe;
  let home: string;

  const kms = (...args: string[]): CliResult => runCli(['kms', ...args], { home });
  const ok = (result: CliResult): any => {
    if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
    return result.json;
  };
  const read = (name: string, stage = 'ACSCurrent'): Account => JSON.parse(ok(kms('GetSecretValue', '--SecretName', name, '--VersionStage', stage)).SecretData);
  /** The account a rotation of this subtype resets. */
  const rotated = (name: string): Account => read(name, target.subType === 'DoubleUsers' ? 'ACSPrevious' : 'ACSCurrent');
  /** Both credentials readable now still log in (DoubleUsers: both accounts; SingleUser: the one). */
  const readableLogIn = (name: string): void => {
    const current = read(name);
    expect(target.canLogin(current.AccountName, current.AccountPassword)).toBe(true);
    if (target.subType === 'DoubleUsers') {
      const previous = read(name, 'ACSPrevious');
      expect(target.canLogin(previous.AccountName, previous.AccountPassword)).toBe(true);
    }
  };

  run(`${target.subType}`, () => {
    beforeAll(async () => {
      await target.setup();
      home = makeHome();
      target.addTarget(home, 'inst-main');
    }, 120_000);

    afterAll(() => {
      target.teardown();
      if (home) removeHome(home);
    });

    test('target down: fails at login, ACSCurrent and the server are unchanged; once it is back the next rotation succeeds', () => {
      target.createSecret(home, 'down', 'inst-main');
      const before = read('down');
      target.stop();
      let failed: CliResult;
      try {
        failed = kms('RotateSecret', '--SecretName', 'down', '--VersionId', 'v2');
      } finally {
        target.start();
      }
      expect(failed.code).toBe(1);
      const error = serviceError(failed.stderr);
      expect(error?.code).toBe('Rejected.RotationFailed');
      expect(error?.message).toMatch(/failed at step login/);
      expect(error?.message).toMatch(/ACSCurrent is unchanged/);
      expect(failed.stderr).not.toContain(before.AccountPassword);
      expect(read('down')).toEqual(before);
      readableLogIn('down');
      expect(ok(kms('DescribeSecret', '--SecretName', 'down')).RotationStatus.LastError).toMatchObject({ Step: 'login', VersionId: 'v2' });

      const reset = rotated('down');
      ok(kms('RotateSecret', '--SecretName', 'down', '--VersionId', 'v3'));
      const after = read('down');
      expect(after.AccountName).toBe(reset.AccountName);
      expect(after.AccountPassword).not.toBe(reset.AccountPassword);
      expect(target.canLogin(after.AccountName, after.AccountPassword)).toBe(true);
      expect(target.canLogin(reset.AccountName, reset.AccountPassword)).toBe(false);
      if (target.subType === 'DoubleUsers') expect(read('down', 'ACSPrevious')).toEqual(before);
      expect(ok(kms('DescribeSecret', '--SecretName', 'down')).RotationStatus).toBeUndefined();
    });

    test('verification fails: the working credential is kept, the error names step verify; the next rotation succeeds', () => {
      target.createSecret(home, 'verify', 'inst-main');
      const before = read('verify');
      const reset = rotated('verify');
      target.breakFreshLogins(reset.AccountName);
      let failed: CliResult;
      try {
        failed = kms('RotateSecret', '--SecretName', 'verify', '--VersionId', 'v2');
      } finally {
        target.mendFreshLogins(reset.AccountName);
      }
      const error = serviceError(failed.stderr);
      expect(error?.code).toBe('Rejected.RotationFailed');
      expect(error?.message).toMatch(/failed at step verify/);
      expect(read('verify')).toEqual(before);
      if (target.subType === 'SingleUser') {
        // Rolled back through the session still logged in: the old password works again.
        expect(error?.message).toMatch(/previous credential was restored/);
        expect(target.canLogin(before.AccountName, before.AccountPassword)).toBe(true);
      } else {
        // The account read as ACSCurrent was never touched.
        expect(target.canLogin(before.AccountName, before.AccountPassword)).toBe(true);
      }

      ok(kms('RotateSecret', '--SecretName', 'verify', '--VersionId', 'v3'));
      readableLogIn('verify');
      expect(read('verify').AccountName).toBe(reset.AccountName);
    });

    test('killed mid-rotation: a second rotation is refused meanwhile; the next one takes over and adopts what reached the server', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      target.addTarget(home, 'inst-busy');
      target.createSecret(home, 'busy', 'inst-busy');
      target.addTarget(home, 'inst-busy', { host: '127.0.0.1', port: (silent.address() as { port: number }).port });
      const before = read('busy');
      const reset = rotated('busy');
      const pending = 'Pending-busy-Pw2';
      const first = spawn(process.execPath, [BIN, 'kms', 'RotateSecret', '--SecretName', 'busy', '--VersionId', 'v2', '--SecretData', JSON.stringify({ AccountPassword: pending })], {
        env: { ...process.env, KMS_LOCAL_HOME: home, NODE_OPTIONS: '' },
        stdio: 'ignore',
      });
      try {
        for (let i = 0; i < 100 && !ok(kms('DescribeSecret', '--SecretName', 'busy')).RotationStatus?.InProgress; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(ok(kms('DescribeSecret', '--SecretName', 'busy')).RotationStatus.InProgress.VersionId).toBe('v2');
        const second = serviceError(kms('RotateSecret', '--SecretName', 'busy', '--VersionId', 'v3').stderr);
        expect(second?.code).toBe('Rejected.RotationInProgress');
        expect(read('busy')).toEqual(before);
      } finally {
        // (If it already ended, something failed early: the assertions above say what.)
        if (first.exitCode === null && first.signalCode === null) {
          const exited = new Promise((r) => first.once('exit', r));
          first.kill('SIGKILL');
          await exited;
        }
        sockets.forEach((s) => s.destroy());
        silent.close();
      }
      // Suppose the killed rotation had reached the server: the account now has the pending password.
      target.setPassword(reset.AccountName, pending);
      expect(target.canLogin(reset.AccountName, reset.AccountPassword)).toBe(false);

      target.addTarget(home, 'inst-busy');
      ok(kms('RotateSecret', '--SecretName', 'busy', '--VersionId', 'v4'));
      const now = read('busy');
      expect(now.AccountName).toBe(reset.AccountName);
      expect(now.AccountPassword).not.toBe(pending);
      expect(target.canLogin(now.AccountName, now.AccountPassword)).toBe(true);
      expect(target.canLogin(now.AccountName, pending)).toBe(false);
      if (target.subType === 'SingleUser') {
        // The interrupted version was adopted as ACSCurrent first, so it is ACSPrevious now.
        expect(read('busy', 'ACSPrevious').AccountPassword).toBe(pending);
      } else {
        // The account read as ACSCurrent before kept working throughout and is ACSPrevious now.
        expect(read('busy', 'ACSPrevious')).toEqual(before);
        expect(target.canLogin(before.AccountName, before.AccountPassword)).toBe(true);
      }
      expect(ok(kms('DescribeSecret', '--SecretName', 'busy')).RotationStatus).toBeUndefined();
    });
  });
});
