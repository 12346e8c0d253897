/**
 * Inter-process lock per secret: a lock file created with O_EXCL that holds the owner's pid and a
 * random token. Written here rather than taken from a library because the CLI is synchronous and
 * short-lived: a sync lock with pid-based staleness recovers a lock left by a `kill -9` at once,
 * where mtime-based libraries (proper-lockfile) wait for the lock to age and need a timer.
 *
 * Breaking a stale lock is itself guarded by a short-lived "breaker" lock, so two processes that
 * both find the same dead owner cannot both remove it and then both believe they hold the lock.
 */
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';
import { FILE_MODE, isProcessAlive, readTextIfExists } from './fs-safe.js';

const WAIT_LIMIT_MS = 15_000;
/** A lock whose owner is alive is still considered abandoned after this long (pid reuse). */
const MAX_HOLD_MS = 120_000;
const BREAKER_MAX_AGE_MS = 5_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** A lock file is stale when its owner died, or it is older than any honest holder would keep it. */
function isStale(path: string, content: string | undefined, maxAge: number): boolean {
  const age = ageMs(path);
  if (age === undefined) return false;
  // An empty file is a lock whose owner died between create and write: stale once it is not brand new.
  if (!content) return age > 1_000;
  const pid = Number.parseInt(content.split(' ')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return age > 1_000;
  return !isProcessAlive(pid) || age > maxAge;
}

/** Returns true when it removed the stale lock, so the caller may retry at once. */
function breakIfStale(lockPath: string, observed: string | undefined): boolean {
  const breakerPath = `${lockPath}.break`;
  const breakerToken = `${process.pid} ${randomBytes(8).toString('hex')}`;
  if (!tryCreate(breakerPath, breakerToken)) {
    const breaker = readTextIfExists(breakerPath);
    if (isStale(breakerPath, breaker, BREAKER_MAX_AGE_MS)) unlinkQuietly(breakerPath);
    return false;
  }
  try {
    // Only the holder of the breaker removes a lock, and only the exact lock it judged stale.
    const current = readTextIfExists(lockPath);
    if (current !== undefined && current === observed && isStale(lockPath, current, MAX_HOLD_MS)) {
      unlinkQuietly(lockPath);
      return true;
    }
    return false;
  } finally {
    if (readTextIfExists(breakerPath) === breakerToken) unlinkQuietly(breakerPath);
  }
}

export interface HeldLock {
  /** Whether taking the lock broke a stale one: a writer died holding it, and may have left debris. */
  readonly recovered: boolean;
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
 * once if its owner died. Past the wait limit: ServiceUnavailableTemporary.
 */
export async function waitUntilFree(lockPath: string, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const observed = readTextIfExists(lockPath);
    if (observed === undefined || isStale(lockPath, observed, MAX_HOLD_MS)) return;
    if (Date.now() > deadline) throw lockTimeout(what);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function acquireLock(lockPath: string, what: string): HeldLock {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let pause = 1;
  let recovered = false;
  while (!tryCreate(lockPath, token)) {
    const observed = readTextIfExists(lockPath);
    if (observed !== undefined && isStale(lockPath, observed, MAX_HOLD_MS) && breakIfStale(lockPath, observed)) {
      recovered = true;
      continue;
    }
    if (Date.now() > deadline) throw lockTimeout(what);
    sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 50);
  }
  return {
    recovered,
    release() {
      if (readTextIfExists(lockPath) === token) unlinkQuietly(lockPath);
    },
  };
}

/**
 * Runs `fn` holding the lock. `afterRecovery` runs first when a dead writer's lock had to be broken
 * (to clear what that writer left, such as its temp files).
 */
export function withLock<T>(lockPath: string, what: string, fn: () => T, afterRecovery?: () => void): T {
  const lock = acquireLock(lockPath, what);
  try {
    if (lock.recovered) afterRecovery?.();
    return fn();
  } finally {
    lock.release();
  }
}
