/**
 * Decoded secrets of a long-lived process (`serve`), kept by their file's identity: device, inode,
 * size, and change and modification times. Every write of the store replaces a file by
 * rename (a new inode), and any other change to a file moves its ctime, so a file whose identity is
 * unchanged holds the bytes that were decoded, whichever process wrote them. A hit costs one stat
 * instead of a read, a MAC check, a schema check and a decryption.
 *
 * A CLI process reads a secret once and keeps no cache (Home.readCache is undefined there).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, type Stats } from 'node:fs';

interface Entry<T> {
  stats: Stats;
  value: T;
  /** Whether the caller vouched for this value (vouch): it is answered without its checks while the file is unchanged. */
  vouched: boolean;
}

/** Same file, same bytes. Times as fractional ms keep well under a microsecond at today's dates. */
function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.ctimeMs === b.ctimeMs && a.mtimeMs === b.mtimeMs;
}

/** serve asks at every request: one options object, not one a call. */
const NO_THROW = { throwIfNoEntry: false } as const;
const readText = (fd: number): string => readFileSync(fd, 'utf8');
const readBytes = (fd: number): Buffer => readFileSync(fd);

export class ReadCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /**
   * The decoded content of `path`: from the cache while the file's identity is unchanged, else
   * `decode(text)` of its bytes, read from the same open file whose identity is recorded.
   * Undefined when there is no file. Errors of `decode` are not cached.
   */
  read(path: string, decode: (text: string) => T): T | undefined {
    return this.readAs(path, readText, decode);
  }

  /** read(), with `decode` given the file's bytes rather than its text. */
  readBytes(path: string, decode: (bytes: Buffer) => T): T | undefined {
    return this.readAs(path, readBytes, decode);
  }

  private readAs<C>(path: string, readContent: (fd: number) => C, decode: (content: C) => T): T | undefined {
    const st = lstatSync(path, NO_THROW);
    if (st === undefined) {
      this.entries.delete(path);
      return undefined;
    }
    const cached = this.entries.get(path);
    if (cached && sameFile(cached.stats, st)) return cached.value;
    return this.load(path, readContent, decode);
  }

  /**
   * The value of `path` when the caller vouched for it (vouch) and its file is unchanged since;
   * else undefined (read it). One lstat, nothing read.
   */
  vouched(path: string): T | undefined {
    const cached = this.entries.get(path);
    if (!cached?.vouched) return undefined;
    const st = lstatSync(path, NO_THROW);
    return st !== undefined && sameFile(cached.stats, st) ? cached.value : undefined;
  }

  /** Marks `value`, the cached value of `path`, as checked by the caller; nothing when the cache holds another. */
  vouch(path: string, value: T): void {
    const cached = this.entries.get(path);
    if (cached?.value === value) cached.vouched = true;
  }

  private load<C>(path: string, readContent: (fd: number) => C, decode: (content: C) => T): T | undefined {
    let fd: number;
    try {
      // O_NOFOLLOW, as every read of a secret file: a link planted in its place fails with ELOOP.
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let stats: Stats;
    let content: C;
    try {
      stats = fstatSync(fd);
      content = readContent(fd);
    } finally {
      closeSync(fd);
    }
    const value = decode(content);
    this.entries.delete(path);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(path, { stats, value, vouched: false });
    return value;
  }
}
