/**
 * Inter-process lock (one per secret, one per metadata index, one per profile and targets file):
 * a lease with a fence, on the file system alone, so that it needs no native addon and works for
 * every process that shares the home, in any PID namespace.
 *
 * The lock is a folder `<name>.lock/` holding one folder, `v3.<token>.<scope>.<pid>.<expires-ms>`:
 * named by the holder's random token and saying who holds it until when, it is where the holder
 * makes its temp files. It is built under a private name and renamed into place, so it appears
 * whole or not at all; a rename onto an existing lock fails, which is the mutual exclusion. (v2 locks
 * of earlier kms-local builds held an `owner` file with the same fields beside a token folder; they are
 * still read. Two folders and no file: every write takes two to four locks, and on ext4 each inode
 * made and removed costs more the more were removed lately.)
 *
 * Why a fence: a holder can be stopped (SIGSTOP, a frozen container, a swapped-out VM) past any
 * limit, its lock broken, and then resume. Its commit is a rename of a temp file inside its own
 * lock folder (fs-safe.ts writeFileAtomic with the lock's Fence): once the lock has been broken,
 * that folder is gone (moved away whole, atomically), so the stale rename fails with ENOENT
 * instead of replacing a newer acknowledged version. The check is done by the kernel inside
 * rename(2) itself, so there is no window between checking and committing.
 *
 * When a lock is stale:
 *   - its lease has run out (`expires`, MAX_HOLD_MS after it was taken; holds last milliseconds,
 *     so it is not renewed), or
 *   - its holder's pid is dead and the holder is in this PID namespace (`scope`, fs-safe.ts
 *     pidScope): a lock left by a kill -9 is recovered at once. A pid of another namespace (another
 *     container on the same home) cannot be checked from here and is never judged by it: such a
 *     lock is recovered when its lease runs out.
 * A kernel advisory lock (flock) was the alternative; node has no binding for it, and the native
 * addons that have one do not build here (no install scripts), hence this pure design.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';
import { DIR_MODE, isProcessAlive, pidScope, readTextIfExists, type Fence } from './fs-safe.js';

const WAIT_LIMIT_MS = 15_000;
/** The lease of a lock: a holder older than this is presumed stopped or dead (also pid reuse). */
const DEFAULT_MAX_HOLD_MS = 120_000;
/** Debris of a lock being taken or removed (a process killed in between) goes after this long. */
const DEBRIS_MAX_AGE_MS = 60_000;

/** KMS_LOCAL_TEST_LOCK_MAX_HOLD_MS shortens the lease, for tests of stopped holders only. */
function maxHoldMs(): number {
  const override = Number(process.env.KMS_LOCAL_TEST_LOCK_MAX_HOLD_MS);
  return Number.isInteger(override) && override > 0 ? override : DEFAULT_MAX_HOLD_MS;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

interface Owner {
  token: string;
  scope: string;
  pid: number;
  expires: number;
}

/** The fields of an owner line (`v2 <token> <scope> <pid> <expires>`, or v3 from a fence folder's name). */
function parseOwner(text: string): Owner | undefined {
  const [version, token, scope, pid, expires] = text.trim().split(' ');
  if ((version !== 'v2' && version !== 'v3') || !token || !scope || !pid || !expires) return undefined;
  return { token, scope, pid: Number(pid), expires: Number(expires) };
}

/** The name of a holder's fence folder: its owner fields, so that a lock needs no owner file. */
function fenceName(token: string, expires: number): string {
  return `v3.${token}.${pidScope()}.${process.pid}.${expires}`;
}

const FENCE_NAME = /^v3\.([0-9a-f]+)\.([0-9a-f]+)\.(\d+)\.(\d+)$/;

/** What is at a lock's path: its owner line, '' for a lock without one, undefined when free. */
function observe(lockPath: string): string | undefined {
  let entries: string[];
  try {
    entries = readdirSync(lockPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // A lock file of kms-local before 0.2 (`<pid> <token>`): read as such.
    if (code === 'ENOTDIR') return `legacy ${readTextIfExists(lockPath) ?? ''}`;
    throw err;
  }
  // A v2 lock of an earlier kms-local build: its owner file says it (gone meanwhile: being removed).
  if (entries.includes('owner')) return readTextIfExists(join(lockPath, 'owner')) ?? '';
  for (const entry of entries) {
    const fields = FENCE_NAME.exec(entry);
    if (fields) return `v3 ${fields[1]} ${fields[2]} ${fields[3]} ${fields[4]}`;
  }
  return '';
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function isStale(lockPath: string, observed: string): boolean {
  if (observed.startsWith('legacy ')) {
    const pid = Number.parseInt(observed.slice('legacy '.length), 10);
    const age = ageMs(lockPath) ?? 0;
    return !Number.isInteger(pid) || pid <= 0 ? age > 1_000 : !isProcessAlive(pid) || age > maxHoldMs();
  }
  const owner = parseOwner(observed);
  // Locks appear whole (renamed into place): one without a readable owner is being removed.
  if (!owner) return (ageMs(lockPath) ?? 0) > 1_000;
  if (Date.now() > owner.expires) return true;
  return owner.scope === pidScope() && !isProcessAlive(owner.pid);
}

function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/**
 * Removes a lock its holder has moved aside: the empty fence folder by name, then the lock's, two
 * calls; the recursive removal (a JS walk with an lstat per entry, loaded on first use) only when
 * something else is left, such as the temp file of a write that failed. Every write takes two to
 * four locks, so this is on the path of each.
 */
function removeReleased(grave: string, fence: string): void {
  try {
    rmdirSync(join(grave, fence));
    rmdirSync(grave);
  } catch {
    removeTree(grave);
  }
}

/**
 * Moves a stale lock out of the way: whole, by one rename, so that its holder's temp folder goes
 * with it (the fence). Returns true when something was moved, so the caller may retry at once.
 */
function breakStale(lockPath: string, observed: string): boolean {
  // The lock may have changed since it was judged: judge what is there now.
  if (observe(lockPath) !== observed) return false;
  if (observed.startsWith('legacy ')) {
    try {
      unlinkSync(lockPath);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
  const grave = join(dirname(lockPath), `.broken-${randomBytes(8).toString('hex')}`);
  try {
    renameSync(lockPath, grave);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  // If a fresh lock slipped in between the look and the rename, its holder finds its temp folder
  // gone at its commit, and, its lease being still valid, runs its change again (withLock).
  removeTree(grave);
  return true;
}

/** When each folder of locks was last swept by this process (sweepDebris). */
const sweptAt = new Map<string, number>();
/** A long-lived process (serve) sweeps a folder again after this long; a CLI process once. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Removes what processes killed while taking or removing a lock left next to the locks: a lock
 * already moved aside (`.broken-`, `.released-`) belongs to no one; a lock being built
 * (`.acquire-`) only when its builder is dead in this namespace, or it is old. Debris harms no
 * one, so a folder is swept once per SWEEP_INTERVAL_MS, not at every lock: a PutSecretValue takes
 * two locks in one folder, and each sweep lists it.
 */
function sweepDebris(locksDir: string): void {
  const now = Date.now();
  const last = sweptAt.get(locksDir);
  if (last !== undefined && now - last < SWEEP_INTERVAL_MS) return;
  sweptAt.set(locksDir, now);
  let entries: string[];
  try {
    entries = readdirSync(locksDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    // Locks in use are most of the folder, and no debris name lacks the dot.
    if (!entry.startsWith('.')) continue;
    const kind = /^\.(acquire|broken|released)-[0-9a-f-]+$/.exec(entry)?.[1];
    if (!kind) continue;
    const path = join(locksDir, entry);
    if (kind === 'acquire' && !builderIsDead(entry, path) && (ageMs(path) ?? 0) <= DEBRIS_MAX_AGE_MS) continue;
    removeTree(path);
  }
}

/** Whether the process building a lock under `.acquire-...` is gone (seen from this pid namespace). */
function builderIsDead(entry: string, path: string): boolean {
  const named = /^\.acquire-([0-9a-f]+)-([0-9a-f]+)-[0-9a-f]+$/.exec(entry);
  if (named) return named[1] === pidScope() && !isProcessAlive(Number.parseInt(named[2]!, 16));
  // A name of kms-local before the builder was in it: only its owner file can say.
  const owner = parseOwner(readTextIfExists(join(path, 'owner')) ?? '');
  return owner !== undefined && owner.scope === pidScope() && !isProcessAlive(owner.pid);
}

/** The error of a holder whose lock was broken under it, or, while its lease was valid, moved by mistake. */
export class LockLost extends ServiceError {
  readonly retriable: boolean;
  constructor(what: string, retriable: boolean) {
    super(
      'ServiceUnavailableTemporary',
      retriable
        ? `The lock of ${what} was moved by another kms-local process; nothing was written.`
        : `The lock of ${what} was held by this process for longer than its lease of ${maxHoldMs() / 1000} seconds (was the process stopped?), and another process took it over; nothing was written, a newer version may exist: read it and try again.`,
    );
    this.retriable = retriable;
  }
}

export interface HeldLock {
  /** Whether taking the lock broke a stale one: a writer died holding it, and may have left debris. */
  readonly recovered: boolean;
  /** Writes made through this fence commit only while the lock is still this holder's. */
  readonly fence: Fence;
  release(): void;
}

/** The error of a lock that stayed held by a live process past the wait limit. */
export function lockTimeout(what: string): ServiceError {
  return new ServiceError(
    'ServiceUnavailableTemporary',
    `Another kms-local process has held the lock of ${what} for more than ${WAIT_LIMIT_MS / 1000} seconds; try again later.`,
  );
}

/**
 * Waits without blocking the event loop while a live process holds the lock, for a server that
 * must keep answering other requests meanwhile; then `acquireLock` finds it free, or breaks it at
 * once if it is stale. Past the wait limit: ServiceUnavailableTemporary.
 */
export async function waitUntilFree(lockPath: string, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const observed = observe(lockPath);
    if (observed === undefined || isStale(lockPath, observed)) return;
    if (Date.now() > deadline) throw lockTimeout(what);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The private name a lock is built under. It names its builder (pid scope and pid) so that the
 * debris of a builder killed before it wrote its owner file (or while writing it) can be told from
 * a lock still being built, without that file.
 */
function stagingName(token: string): string {
  return `.acquire-${pidScope()}-${process.pid.toString(16)}-${token}`;
}

/** Builds a complete lock under a private name and renames it into place; false when the lock is taken. */
function tryTake(lockPath: string, token: string, fence: string): boolean {
  const staging = join(dirname(lockPath), stagingName(token));
  mkdirSync(staging, { mode: DIR_MODE });
  try {
    mkdirSync(join(staging, fence), { mode: DIR_MODE });
    renameSync(staging, lockPath);
    return true;
  } catch (err) {
    removeTree(staging);
    const code = (err as NodeJS.ErrnoException).code;
    // ENOENT: the lock being built was swept as debris (its age passed the limit): try again.
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOENT') return false;
    throw err;
  }
}

export function acquireLock(lockPath: string, what: string): HeldLock {
  const lock = takeLock(lockPath, what, WAIT_LIMIT_MS);
  if (!lock) throw lockTimeout(what);
  return lock;
}

/** The lock if it is free (or stale) now, else undefined: for work that has another way to go. */
export function tryAcquireLock(lockPath: string, what: string): HeldLock | undefined {
  return takeLock(lockPath, what, 0);
}

function takeLock(lockPath: string, what: string, waitMs: number): HeldLock | undefined {
  const token = randomBytes(8).toString('hex');
  const deadline = Date.now() + waitMs;
  let pause = 1;
  let recovered = false;
  let expires = 0;
  let fence = '';
  for (;;) {
    expires = Date.now() + maxHoldMs();
    fence = fenceName(token, expires);
    if (tryTake(lockPath, token, fence)) break;
    const observed = observe(lockPath);
    if (observed !== undefined && isStale(lockPath, observed) && breakStale(lockPath, observed)) {
      recovered = true;
      continue;
    }
    if (Date.now() >= deadline) return undefined;
    sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 50);
  }
  const tempDir = join(lockPath, fence);
  return {
    recovered,
    fence: { tempDir, lost: () => new LockLost(what, Date.now() <= expires) },
    release() {
      // Only while the lock is still this holder's (its fence folder is in it, and fence names are
      // unique by token): one that was broken belongs to someone else now.
      if (!existsSync(tempDir)) return;
      const grave = join(dirname(lockPath), `.released-${token}`);
      try {
        renameSync(lockPath, grave);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      removeReleased(grave, fence);
    },
  };
}

/**
 * Runs `fn` holding the lock. `afterRecovery` runs first when a stale lock had to be broken (to
 * clear what its holder left, such as its temp files). A change whose lock was moved away while its
 * lease was still valid wrote nothing, and runs again.
 */
export function withLock<T>(lockPath: string, what: string, fn: (lock: HeldLock) => T, afterRecovery?: () => void): T {
  return runLocked(() => acquireLock(lockPath, what), lockPath, fn, afterRecovery) as T;
}

/** withLock when the lock is free now; `busy()` otherwise, without waiting. */
export function withLockIfFree<T>(lockPath: string, what: string, fn: (lock: HeldLock) => T, busy: () => T, afterRecovery?: () => void): T {
  return runLocked(() => tryAcquireLock(lockPath, what), lockPath, fn, afterRecovery, busy);
}

function runLocked<T>(take: () => HeldLock | undefined, lockPath: string, fn: (lock: HeldLock) => T, afterRecovery?: () => void, busy?: () => T): T {
  for (let attempt = 1; ; attempt++) {
    const lock = take();
    if (!lock) return busy!();
    try {
      // A process killed while it moved a lock aside leaves it there: cleared by the next holder
      // (the folder holds only the locks in use, so this is a small read).
      sweepDebris(dirname(lockPath));
      if (lock.recovered) afterRecovery?.();
      return fn(lock);
    } catch (err) {
      if (err instanceof LockLost && err.retriable && attempt < 3) continue;
      throw err;
    } finally {
      lock.release();
    }
  }
}
