/**
 * A full disk (issue 10 point 1): KMS_LOCAL_HOME on a small tmpfs, filled to within a few KiB of
 * full, at every margin from 0 to 44 KiB in 4 KiB steps (tmpfs counts pages), while a
 * PutSecretValue writes a version of 10 000 bytes (a secret file of about 27 KB). Whatever the
 * margin: a write that exits 0 is there whole; one that fails is a service error saying the disk is
 * full, and the old file is byte for byte as it was; never a torn file (IntegrityCheckFailed), an
 * internal error or a temp file left behind. Once space is freed, everything works again.
 *
 * Mounting a tmpfs needs root (CAP_SYS_ADMIN): without it the suite is skipped, saying why.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, serviceError, withoutKeyNotice, type CliResult } from '../support/cli.js';
import { lockDebris } from '../support/workload.js';

const REGION = 'cn-hangzhou';
const mount = mkdtempSync(join(tmpdir(), 'kms-local-full-'));

function tryMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root';
  const done = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mount], { encoding: 'utf8' });
  return done.status === 0 ? undefined : `mount -t tmpfs failed: ${done.stderr.trim()}`;
}

const skipReason = tryMount();
if (skipReason) console.warn(`full-disk tests skipped: ${skipReason}`);
const suite = skipReason ? describe.skip : describe;

afterAll(() => {
  if (!skipReason) spawnSync('umount', [mount]);
  rmSync(mount, { recursive: true, force: true });
});

const home = join(mount, 'home');
const filler = join(mount, 'filler');
const secretFile = join(home, 'store', REGION, 'big.json');

function kms(...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

function ok(result: CliResult): any {
  expect({ code: result.code, stderr: withoutKeyNotice(result.stderr) }).toEqual({ code: 0, stderr: '' });
  return result.json;
}

const value = (tag: string) => `${tag}-`.padEnd(10_000, tag.slice(0, 1));
const current = (): string => ok(kms('GetSecretValue', '--SecretName', 'big')).SecretData;

/** Fills the file system until `marginBytes` are left. */
function fillTo(marginBytes: number): void {
  rmSync(filler, { force: true });
  const { bavail, bsize } = statfsSync(mount);
  const size = Math.max(0, bavail * bsize - marginBytes);
  try {
    writeFileSync(filler, Buffer.alloc(size, 7));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

suite('a PutSecretValue on a nearly full disk', () => {
  beforeAll(() => {
    ok(kms('CreateSecret', '--SecretName', 'big', '--VersionId', 'v0', '--SecretData', value('start')));
    ok(kms('ListSecrets'));
  });

  const margins = Array.from({ length: 12 }, (_, i) => i * 4096);
  test.each(margins)('%d bytes left: the new version whole with exit 0, or a service error and the old file untouched', (margin) => {
    const before = readFileSync(secretFile);
    const old = current();
    const next = value(`m${margin}`);
    fillTo(margin);
    const put = kms('PutSecretValue', '--SecretName', 'big', '--VersionId', `m${margin}`, '--SecretData', next);
    const after = readFileSync(secretFile);
    rmSync(filler, { force: true });

    expect(put.stderr).not.toMatch(/internal error|IntegrityCheckFailed/);
    if (put.code === 0) {
      expect(current()).toBe(next);
    } else if (put.stderr.includes('audit log could not be written')) {
      // The change is made, and said so: only its audit line did not fit.
      expect({ code: put.code, ran: put.stderr.includes('PutSecretValue ran') }).toEqual({ code: 1, ran: true });
      expect(current()).toBe(next);
    } else {
      const error = serviceError(put.stderr);
      expect({ code: put.code, error: error?.code }).toEqual({ code: 1, error: 'ServiceUnavailableTemporary' });
      expect(error!.message).toMatch(/the file system is full, ENOSPC/);
      expect(error!.message).not.toContain(next.slice(0, 20));
      expect(after.equals(before)).toBe(true);
      expect(current()).toBe(old);
    }
    expect(lockDebris(home)).toEqual([]);
    // With space again, the store takes writes and lists everything.
    ok(kms('UpdateSecret', '--SecretName', 'big', '--Description', `after margin ${margin}`));
    const filter = JSON.stringify([{ Key: 'Description', Values: [`after margin ${margin}`] }]);
    expect(ok(kms('ListSecrets', '--Filters', filter)).SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['big']);
  });

  test('at least one margin made the write fail (the test reaches a full disk)', () => {
    const audit = readFileSync(join(home, 'audit.log'), 'utf8').split('\n').filter((line) => line !== '');
    // Every line of the audit log is a whole record, even after appends on a full disk.
    for (const line of audit) expect(() => JSON.parse(line)).not.toThrow();
    expect(audit.some((line) => JSON.parse(line).errorCode === 'ServiceUnavailableTemporary')).toBe(true);
  });
});
