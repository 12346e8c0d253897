/**
 * The store's locks across PID namespaces and stalls (issue 10 points 2 and 3), see src/store/lock.ts:
 *   - two "containers" (`unshare --pid --fork --mount-proc`) writing tags to the same secrets of one
 *     home at once: no lock is judged dead because its holder's pid is not visible from the other
 *     namespace, no temp file of the other namespace is swept; every acknowledged write is kept;
 *   - a writer stopped (SIGSTOP) past the lock's lease, whose lock another writer then broke, fails
 *     when continued with a clear error instead of renaming its stale file over the newer version;
 *   - a holder whose lock is moved while its lease is still valid wrote nothing, and runs again.
 */
import { describe, expect, jest, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { pidScope, writeFileAtomic } from '../../src/store/fs-safe.js';
import { LockLost, acquireLock, tryAcquireLock, withLock } from '../../src/store/lock.js';
import { BIN, cliEnvironment, homesRemovedAfterAll, runCli, runCliAsync, serviceError, withoutKeyNotice, type CliResult } from '../support/cli.js';
import { isStopped, lockDebris, sleep, spawnCli, waitUntil } from '../support/workload.js';

const REGION = 'cn-hangzhou';
const newHome = homesRemovedAfterAll();

function ok(result: CliResult, what: unknown = ''): any {
  expect({ what, code: result.code, stderr: withoutKeyNotice(result.stderr) }).toEqual({ what, code: 0, stderr: '' });
  return result.json;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------- PID namespaces

const unshareMissing = (() => {
  if (process.getuid?.() !== 0) return 'not root: unshare --pid needs root';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `unshare --pid failed: ${(probe.stderr || String(probe.error)).trim()}`;
})();
if (unshareMissing) console.warn(`PID namespace test skipped: ${unshareMissing}`);

const SECRETS = 6;
/** Tags each namespace adds to each secret: 2 x 9 = 18 of the 20 a secret may carry. */
const TAGS_EACH = 9;

(unshareMissing ? describe.skip : describe)('two PID namespaces sharing one home', () => {
  /** One container: its writers all started at once; prints `<secret> <tag> <exit code>` per writer. */
  function container(home: string, ns: string, burnPids: number): Promise<string> {
    const jobs: string[] = [];
    for (let i = 0; i < TAGS_EACH; i++) {
      for (let s = 0; s < SECRETS; s++) {
        const tag = `${ns}-${i}`;
        const args = ['kms', 'TagResource', '--SecretName', `s${s}`, '--Tags', JSON.stringify([{ TagKey: tag, TagValue: `value-${tag}` }])];
        jobs.push(`( ${[process.execPath, BIN, ...args].map(quote).join(' ')} >/dev/null 2>"$ERR/${tag}-s${s}"; echo "s${s} ${tag} $?" ) &`);
      }
    }
    // Pids of this namespace pushed up, so that they are dead in the other one (and its pids in this one).
    const script = `ERR=${quote(join(home, '..', `${ns}-errors`))}; mkdir -p "$ERR"\nfor i in $(seq ${burnPids}); do /bin/true; done\n${jobs.join('\n')}\nwait\n`;
    return new Promise((resolve, reject) => {
      const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'bash', '-c', script], { env: cliEnvironment({ home }) });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`container ${ns} exited ${code}`))));
    });
  }

  test(`2 x ${SECRETS * TAGS_EACH} TagResource writers at once: every acknowledged tag is kept, none fails but by a timeout`, async () => {
    const root = newHome();
    const home = join(root, 'home');
    mkdirSync(home);
    for (let s = 0; s < SECRETS; s++) ok(runCli(['kms', 'CreateSecret', '--SecretName', `s${s}`, '--VersionId', 'v1', '--SecretData', `value-${s}`], { home }));
    ok(runCli(['kms', 'ListSecrets'], { home }));
    const outputs = await Promise.all([container(home, 'a', 400), container(home, 'b', 0)]);
    const runs = outputs.join('').trim().split('\n').map((line) => {
      const [secret, tag, code] = line.split(' ');
      return { secret: secret!, tag: tag!, code: Number(code) };
    });
    expect(runs.length).toBe(2 * SECRETS * TAGS_EACH);
    const failures = runs
      .filter((r) => r.code !== 0)
      .map((r) => ({ ...r, stderr: readFileSync(join(root, `${r.tag.split('-')[0]}-errors`, `${r.tag}-${r.secret}`), 'utf8') }));
    // A writer may give up waiting (ServiceUnavailableTemporary); none may die (ENOENT, internal error).
    for (const failure of failures) expect({ failure, code: serviceError(failure.stderr)?.code }).toEqual({ failure, code: 'ServiceUnavailableTemporary' });
    expect(failures.length).toBeLessThan(runs.length / 4);

    const store = new SecretStore(new Home({ KMS_LOCAL_HOME: home }), REGION, () => Date.now());
    const lost: string[] = [];
    for (const run of runs.filter((r) => r.code === 0)) {
      const tags = store.get(run.secret)!.tags;
      if (!tags.some((t) => t.TagKey === run.tag && t.TagValue === `value-${run.tag}`)) lost.push(`${run.secret} ${run.tag}`);
    }
    expect(lost).toEqual([]);
    // The index agrees with the files.
    const listed = ok(runCli(['kms', 'ListSecrets', '--FetchTags', 'true', '--PageSize', '100'], { home }));
    for (const secret of listed.SecretList.Secret) expect({ name: secret.SecretName, tags: secret.Tags.Tag }).toEqual({ name: secret.SecretName, tags: store.get(secret.SecretName)!.tags });
    expect(lockDebris(home)).toEqual([]);
  }, 180_000);

  /** The host pid of a stopped process whose command line contains `marker`. */
  function stoppedProcess(marker: string): number | undefined {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker) && isStopped(Number(entry))) return Number(entry);
      } catch {
        /* gone meanwhile */
      }
    }
    return undefined;
  }

  test('a holder of the other namespace, stopped holding the lock, is waited for (its pid is not visible here), and both writes are kept', async () => {
    const home = newHome();
    ok(runCli(['kms', 'CreateSecret', '--SecretName', 'shared', '--VersionId', 'v1', '--SecretData', 'value'], { home }));
    const marker = `held-${process.pid}-${Date.now()}`;
    const tags = (key: string) => JSON.stringify([{ TagKey: key, TagValue: 'v' }]);
    const holderCommand = [process.execPath, BIN, 'kms', 'TagResource', '--SecretName', 'shared', '--Tags', tags(marker)].map(quote).join(' ');
    // Its pid is high in its namespace (and not 1), so it names no process of this one.
    const holder = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'bash', '-c', `for i in $(seq 300); do /bin/true; done; ${holderCommand}; exit $?`], {
      env: cliEnvironment({ home, env: { KMS_LOCAL_TEST_CRASH_AT: 'after-temp-write:SIGSTOP' } }),
      stdio: 'ignore',
    });
    const holderDone = new Promise<number | null>((resolve) => holder.on('close', resolve));
    let pid: number | undefined;
    await waitUntil('the holder stops holding the lock', () => (pid = stoppedProcess(marker)) !== undefined, 20_000);
    const waiter = runCliAsync(['kms', 'TagResource', '--SecretName', 'shared', '--Tags', tags('waiter')], { home });
    let waiterDone = false;
    void waiter.then(() => (waiterDone = true));
    await sleep(2_000);
    // Taking the lock now would lose the holder's write when it continues.
    expect(waiterDone).toBe(false);
    process.kill(pid!, 'SIGCONT');
    expect(await holderDone).toBe(0);
    ok(await waiter);
    const store = new SecretStore(new Home({ KMS_LOCAL_HOME: home }), REGION, () => Date.now());
    expect(store.get('shared')!.tags.map((t) => t.TagKey).sort()).toEqual([marker, 'waiter'].sort());
  }, 60_000);
});

// ---------------------------------------------------------------- a writer stopped past its lease

describe('a writer stopped past the lock lease, its lock broken meanwhile', () => {
  const LEASE_MS = 1_500;

  test('fails with a clear error when continued; the newer acknowledged version stays', async () => {
    const home = newHome();
    ok(runCli(['kms', 'CreateSecret', '--SecretName', 'target', '--VersionId', 'v1', '--SecretData', 'first-value'], { home }));
    const env = { KMS_LOCAL_TEST_LOCK_MAX_HOLD_MS: String(LEASE_MS) };
    const stale = spawnCli(['kms', 'PutSecretValue', '--SecretName', 'target', '--VersionId', 'stale', '--SecretData', 'stale-value'], {
      home,
      env: { ...env, KMS_LOCAL_TEST_CRASH_AT: 'after-temp-write:SIGSTOP' },
    });
    await waitUntil('the stale writer stops with its temp file written, holding the lock', () => isStopped(stale.child.pid!));
    await sleep(LEASE_MS + 500);
    // Its lease has run out: the next writer breaks the lock and is acknowledged.
    const newer = await runCliAsync(['kms', 'PutSecretValue', '--SecretName', 'target', '--VersionId', 'newer', '--SecretData', 'newer-value'], { home, env });
    ok(newer);
    stale.child.kill('SIGCONT');
    const resumed = await stale.done;
    const error = serviceError(resumed.stderr);
    expect({ code: resumed.code, error: error?.code }).toEqual({ code: 1, error: 'ServiceUnavailableTemporary' });
    expect(error!.message).toMatch(/longer than its lease of 1\.5 seconds .*nothing was written/);
    expect(resumed.stderr).not.toContain('stale-value');

    const got = ok(runCli(['kms', 'GetSecretValue', '--SecretName', 'target'], { home }));
    expect({ id: got.VersionId, data: got.SecretData }).toEqual({ id: 'newer', data: 'newer-value' });
    const versions = ok(runCli(['kms', 'ListSecretVersionIds', '--SecretName', 'target', '--IncludeDeprecated', 'true'], { home }));
    expect(versions.VersionIds.VersionId.map((v: any) => v.VersionId).sort()).toEqual(['newer', 'v1']);
    // Nothing of it is left behind, and the secret takes writes at once.
    expect(lockDebris(home)).toEqual([]);
    ok(runCli(['kms', 'PutSecretValue', '--SecretName', 'target', '--VersionId', 'after', '--SecretData', 'after-value'], { home }));
  }, 60_000);
});

// ---------------------------------------------------------------- the fence, in process

describe('the fence of a lock', () => {
  test('a write through the fence of a lock that was moved away fails, and leaves the file as it was', () => {
    const dir = newHome();
    const file = join(dir, 'file.json');
    writeFileAtomic(file, 'old\n');
    const lock = acquireLock(join(dir, 'file.json.lock'), "secret 'file'");
    renameSync(join(dir, 'file.json.lock'), join(dir, 'moved-away'));
    let thrown: unknown;
    try {
      writeFileAtomic(file, 'stale\n', lock.fence);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LockLost);
    expect((thrown as LockLost).retriable).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    lock.release();
    expect(existsSync(join(dir, 'moved-away'))).toBe(true);
  });

  test('a released lock leaves nothing behind, also when a failed write left a temp file in it', () => {
    const dir = newHome();
    const clean = acquireLock(join(dir, 'a.lock'), "secret 'a'");
    clean.release();
    const littered = acquireLock(join(dir, 'b.lock'), "secret 'b'");
    writeFileSync(join(littered.fence.tempDir, 'left-by-a-failed-write.tmp'), 'partial');
    littered.release();
    expect(readdirSync(dir).filter((entry) => entry.includes('lock') || entry.startsWith('.'))).toEqual([]);
  });

  test('a change whose lock was moved while its lease was valid runs again, and commits once', () => {
    const dir = newHome();
    const file = join(dir, 'file.json');
    const lockPath = join(dir, 'file.json.lock');
    let runs = 0;
    withLock(lockPath, "secret 'file'", (lock) => {
      runs++;
      if (runs === 1) renameSync(lockPath, join(dir, `moved-${runs}`));
      writeFileAtomic(file, `run ${runs}\n`, lock.fence);
    });
    expect(runs).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('run 2\n');
    expect(existsSync(lockPath)).toBe(false);
  });
});

describe('the lock format', () => {
  /** The pid of a process that has ended. */
  const endedPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const FOREIGN_SCOPE = 'ffffffff';

  /** A lock as another process left it: a v3 fence folder, or a v2 owner file beside a token folder. */
  function plantLock(lockPath: string, format: 'v2' | 'v3', scope: string, pid: number, expires: number): void {
    const token = '0123456789abcdef';
    if (format === 'v3') {
      mkdirSync(join(lockPath, `v3.${token}.${scope}.${pid}.${expires}`), { recursive: true });
    } else {
      mkdirSync(join(lockPath, token), { recursive: true });
      writeFileSync(join(lockPath, 'owner'), `v2 ${token} ${scope} ${pid} ${expires}\n`);
    }
  }

  test('a held lock is a folder holding only its fence folder, named by token, scope, pid and expiry: no file', () => {
    const lockPath = join(newHome(), 'file.json.lock');
    const lock = acquireLock(lockPath, "secret 'file'");
    const entries = readdirSync(lockPath, { withFileTypes: true });
    expect(entries.map((e) => ({ name: e.name, folder: e.isDirectory() }))).toEqual([{ name: expect.stringMatching(new RegExp(`^v3\\.[0-9a-f]{16}\\.${pidScope()}\\.${process.pid}\\.\\d{13}$`)), folder: true }]);
    expect(lock.fence.tempDir).toBe(join(lockPath, entries[0]!.name));
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  test.each(['v2', 'v3'] as const)('a %s lock of a live holder is not taken; of a dead holder in this namespace it is, at once', (format) => {
    const live = join(newHome(), 'live.lock');
    plantLock(live, format, pidScope(), process.pid, Date.now() + 60_000);
    expect(tryAcquireLock(live, 'live')).toBeUndefined();
    const dead = join(newHome(), 'dead.lock');
    plantLock(dead, format, pidScope(), endedPid(), Date.now() + 60_000);
    const taken = tryAcquireLock(dead, 'dead');
    expect(taken?.recovered).toBe(true);
    taken!.release();
  });

  test.each(['v2', 'v3'] as const)('a %s lock of another PID namespace is kept until its lease has run out, whatever its pid', (format) => {
    const held = join(newHome(), 'held.lock');
    plantLock(held, format, FOREIGN_SCOPE, endedPid(), Date.now() + 60_000);
    expect(tryAcquireLock(held, 'held')).toBeUndefined();
    const expired = join(newHome(), 'expired.lock');
    plantLock(expired, format, FOREIGN_SCOPE, endedPid(), Date.now() - 1);
    const taken = tryAcquireLock(expired, 'expired');
    expect(taken?.recovered).toBe(true);
    taken!.release();
  });
});

describe('debris of lock builders killed before they wrote an owner', () => {
  /** The pid of a process that has ended. */
  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(child.stdout);
  }

  test('a lock being built by a dead process, owner file empty, is cleared by the next holder; a live builder\'s is kept', () => {
    const dir = join(newHome(), 'locks');
    mkdirSync(dir, { recursive: true });
    const dead = join(dir, `.acquire-${pidScope()}-${deadPid().toString(16)}-00aa11bb22cc33dd`);
    const live = join(dir, `.acquire-${pidScope()}-${process.pid.toString(16)}-44ee55ff66aa77bb`);
    for (const staging of [dead, live]) {
      mkdirSync(staging);
      writeFileSync(join(staging, 'owner'), '');
    }
    withLock(join(dir, 'file.json.lock'), "secret 'file'", () => undefined);
    expect({ dead: existsSync(dead), live: existsSync(live) }).toEqual({ dead: false, live: true });
  });

  test('a folder of locks is swept once per 10 s, not at every lock: debris left meanwhile goes at the next sweep', () => {
    const dir = join(newHome(), 'locks');
    mkdirSync(dir, { recursive: true });
    withLock(join(dir, 'a.json.lock'), "secret 'a'", () => undefined);
    const released = join(dir, '.released-00aa11bb22cc33dd');
    mkdirSync(join(released, 'v3.00aa11bb22cc33dd.0.1.2'), { recursive: true });
    withLock(join(dir, 'b.json.lock'), "secret 'b'", () => undefined);
    expect(existsSync(released)).toBe(true);
    const later = Date.now() + 10_001;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      withLock(join(dir, 'b.json.lock'), "secret 'b'", () => undefined);
    } finally {
      clock.mockRestore();
    }
    expect(existsSync(released)).toBe(false);
  });
});
