/**
 * File-system primitives of the store: atomic replace and create-once. Everything the store
 * writes goes through here, so a crash at any instant leaves either the old file or the new one.
 */
import {
  closeSync,
  constants,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from '../os-lazy.js';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { storageError } from '../errors/errors.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export function ensureDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    // A recursive mkdir on a read-only file system reports ENOENT: ask again for the real cause.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(dirname(path))) mkdirSync(path, { mode: DIR_MODE });
    throw err;
  }
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

/** A file's text, not through a symbolic link (ELOOP when the path is one). */
export function readNoFollow(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** What `read` gives, or undefined when it finds no such file. */
function unlessMissing<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A file's text, or undefined when there is no such file. */
export function readTextIfExists(path: string): string | undefined {
  return unlessMissing(() => readFileSync(path, 'utf8'));
}

/** A file's bytes, or undefined when there is no such file. */
export function readBytesIfExists(path: string): Buffer | undefined {
  return unlessMissing(() => readFileSync(path));
}

/** The entries of a folder, or none when there is no folder yet. */
export function readdirIfExists(dir: string): string[] {
  return unlessMissing(() => readdirSync(dir)) ?? [];
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let scope: string | undefined;

/**
 * Where this process's pid means something: its PID namespace on this boot of this machine (or the
 * host name where there is no /proc). Two containers sharing a home have different scopes, and a
 * pid of the other scope must never be judged dead (or alive) with kill(pid, 0).
 */
export function pidScope(): string {
  if (scope === undefined) {
    try {
      const ns = readlinkSync('/proc/self/ns/pid');
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      scope = createHash('sha256').update(`${ns} ${boot}`).digest('hex').slice(0, 8);
    } catch {
      scope = createHash('sha256').update(`host ${hostname()}`).digest('hex').slice(0, 8);
    }
  }
  return scope;
}

/** Temp files of unlocked writers: `.<name>.<pid>~<scope>.<random>.tmp` (`~<scope>` absent in old ones). */
const TEMP_FILE = /^\..+\.(\d+)(?:~([0-9a-f]{8}))?\.[0-9a-f]{12}\.tmp$/;
/** A temp file of another PID namespace is removed only once it is this old: no write takes an hour. */
export const FOREIGN_TEMP_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Removes temp files of writers that died before their rename (a kill -9 mid-write leaves one).
 * A temp file of this PID namespace goes when its pid is dead; one of another namespace (whose pid
 * cannot be checked from here) only when it is older than FOREIGN_TEMP_MAX_AGE_MS. A writer that
 * loses its temp file anyway writes it again (writeFileAtomic, createFileOnce).
 */
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
    if (!match) continue;
    const path = join(dir, entry);
    const ours = match[2] === undefined || match[2] === pidScope();
    if (ours ? isProcessAlive(Number(match[1])) : !isOlderThan(path, FOREIGN_TEMP_MAX_AGE_MS)) continue;
    try {
      unlinkSync(path);
      removed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}

function isOlderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - lstatSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

/**
 * Writes all of `data` at the file's current offset: writeSync may write fewer bytes than asked
 * (a nearly full disk writes what fits), so it is called until everything is written or it fails.
 */
export function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    const written = writeSync(fd, data, offset, data.length - offset);
    if (written <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    offset += written;
  }
}

/**
 * What a commit must prove: that the writer still holds its lock. Temp files are made in the lock's
 * own folder, so that a lock broken by another process (its holder was stopped past the lock's
 * lease) takes the temp file's folder with it and the stale rename fails instead of replacing a
 * newer file.
 */
export interface Fence {
  readonly tempDir: string;
  /** The error of a writer whose lock was taken from it. */
  lost(): Error;
}

function tempName(path: string, fence?: Fence): string {
  const random = randomBytes(6).toString('hex');
  if (fence) return join(fence.tempDir, `${random}.tmp`);
  return join(dirname(path), `.${basename(path)}.${process.pid}~${pidScope()}.${random}.tmp`);
}

/** A whole, durable temp file: every byte written, fsynced, and its size checked before anyone renames it. */
function writeTemp(path: string, data: string | Buffer, fence?: Fence): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const temp = tempName(path, fence);
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE);
  } catch (err) {
    if (fence && (err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(fence.tempDir)) throw fence.lost();
    throw err;
  }
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
    if (fstatSync(fd).size !== bytes.length) throw Object.assign(new Error(`short write of ${temp}`), { code: 'EIO', syscall: 'write', path: temp });
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw err;
  }
  closeSync(fd);
  return temp;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

const pointsReached = new Map<string, number>();

/**
 * Hook for crash-safety tests: KMS_LOCAL_TEST_CRASH_AT=<point>[:<n>][:SIGSTOP] kills the process
 * with SIGKILL (or stops it with SIGSTOP, so that a test can hold it there) the first (or n-th)
 * time it reaches that point of a write. Several, separated by commas, act in turn: with
 * `after-temp-write:SIGSTOP,after-rename` a process continued after its stop dies after the rename.
 */
export function reachPoint(name: string): void {
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

/**
 * Replaces `path` with `data`: temp file (in the fence's folder when given), every byte written and
 * fsynced, rename, fsync of the folder. A write that fails (a full disk) leaves the old file as it
 * was and no temp file. An unfenced writer whose temp file another process swept writes it again.
 */
export function writeFileAtomic(path: string, data: string | Buffer, fence?: Fence): void {
  for (let attempt = 1; ; attempt++) {
    let temp: string;
    try {
      temp = writeTemp(path, data, fence);
    } catch (err) {
      throw storageError(err, `'${path}' was left as it was`) ?? err;
    }
    try {
      reachPoint('after-temp-write');
      renameSync(temp, path);
    } catch (err) {
      unlinkQuietly(temp);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        if (fence && !existsSync(fence.tempDir)) throw fence.lost();
        if (!fence && attempt < 3 && existsSync(dirname(path))) continue;
      }
      throw err;
    }
    break;
  }
  reachPoint('after-rename');
  fsyncDir(dirname(path));
}

/**
 * Appends `line` to a log file with one O_APPEND write (so that concurrent appenders never
 * interleave) and returns the file's size after it. A line torn by a full disk is cut off again
 * when `exclusive` (the caller holds the file's lock); otherwise the next append starts on a new
 * line, so that a torn line never swallows a whole one.
 */
export function appendLine(path: string, line: string, opts: { durable: boolean; exclusive: boolean }): number {
  const fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, FILE_MODE);
  try {
    const before = fstatSync(fd).size;
    let text = line.endsWith('\n') ? line : `${line}\n`;
    if (before > 0 && !opts.exclusive) {
      const last = Buffer.alloc(1);
      if (readSync(fd, last, 0, 1, before - 1) === 1 && last[0] !== 0x0a) text = `\n${text}`;
    }
    const bytes = Buffer.from(text, 'utf8');
    try {
      // One write call: a short write means the disk is full, and the rest would tear the line.
      const written = writeSync(fd, bytes);
      if (written !== bytes.length) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path });
      if (opts.durable) fdatasyncSync(fd);
    } catch (err) {
      if (opts.exclusive) {
        try {
          ftruncateSync(fd, before);
        } catch {
          /* a reader skips a torn line */
        }
      }
      throw err;
    }
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
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
  for (let attempt = 1; ; attempt++) {
    const temp = writeTemp(path, data);
    try {
      linkSync(temp, path);
      fsyncDir(dirname(path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOENT: another PID namespace's sweep took the temp file (it cannot see our pid): again.
      if (code === 'ENOENT' && attempt < 3) continue;
      if (code !== 'EEXIST') throw err;
    } finally {
      unlinkQuietly(temp);
    }
    break;
  }
  return readFileSync(path, 'utf8');
}
