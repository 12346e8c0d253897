/**
 * File-system primitives of the store: atomic replace and create-once. Everything the store
 * writes goes through here, so a crash at any instant leaves either the old file or the new one.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: DIR_MODE });
}

/** Makes a rename or unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file's text, or undefined when there is no such file. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** Removes temp files of writers that died before their rename (a kill -9 mid-write leaves one). */
export function sweepStaleTemps(dir: string): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  for (const entry of entries) {
    const match = TEMP_FILE.exec(entry);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    try {
      unlinkSync(join(dir, entry));
      removed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}

function writeTemp(path: string, data: string | Buffer): string {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', FILE_MODE);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

const pointsReached = new Map<string, number>();

/**
 * Hook for crash-safety tests: KMS_LOCAL_TEST_CRASH_AT=<point>[:<n>][:SIGSTOP] kills the process
 * with SIGKILL (or stops it with SIGSTOP, so that a test can hold it there) the first (or n-th)
 * time it reaches that point of a write. Several, separated by commas, act in turn: with
 * `after-temp-write:SIGSTOP,after-rename` a process continued after its stop dies after the rename.
 */
function reachPoint(name: string): void {
  const wanted = process.env.KMS_LOCAL_TEST_CRASH_AT;
  if (!wanted) return;
  const count = (pointsReached.get(name) ?? 0) + 1;
  pointsReached.set(name, count);
  for (const directive of wanted.split(',')) {
    const [point, ...rest] = directive.split(':');
    if (point !== name || count !== Number(rest.find((part) => /^\d+$/.test(part)) ?? '1')) continue;
    process.kill(process.pid, rest.includes('SIGSTOP') ? 'SIGSTOP' : 'SIGKILL');
  }
}

/** Replaces `path` with `data`: temp file in the same folder, fsync, rename, fsync of the folder. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const temp = writeTemp(path, data);
  try {
    reachPoint('after-temp-write');
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      /* the temp file is already gone */
    }
    throw err;
  }
  reachPoint('after-rename');
  fsyncDir(dirname(path));
}

/** Removes `path` durably; a missing file is not an error. */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  fsyncDir(dirname(path));
}

/**
 * Creates `path` with `data` unless it exists, and returns what the file holds. Concurrent first
 * runs agree on one content: the loser of the link() race reads the winner's file.
 */
export function createFileOnce(path: string, data: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // A creator killed before its link left its temp file (a copy of what it was creating: the
  // account id or a master key); the next creator removes it.
  sweepStaleTemps(dirname(path));
  const temp = writeTemp(path, data);
  try {
    linkSync(temp, path);
    fsyncDir(dirname(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  return readFileSync(path, 'utf8');
}
