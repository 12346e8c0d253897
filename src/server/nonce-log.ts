/**
 * The SignatureNonces of `serve`, spent in the home, so that a captured signed request replays
 * neither after a restart of `serve` nor against another `serve` on the same home (replicas,
 * containers sharing a volume).
 *
 * Layout: `<home>/nonces/<minute>.log`, one append-only log per minute of the requests' signed
 * timestamps (`20260301T1200Z.log`). A line is `<hash> <writer>\n`: a hash of AccessKeyId and nonce
 * (any text a client chooses becomes 22 safe characters, 132 bits) and the id of the ledger that
 * wrote it.
 *
 * Spending a nonce: one this process knows (it spent it, or read it from the log) is a repeat.
 * Otherwise the ledger appends its line (one write with O_APPEND: the kernel puts concurrent
 * appends of every process one after the other), then reads the lines appended since it last read,
 * up to the end, which includes its own. The first line with the hash decides: its own, the nonce is
 * spent now; another writer's, that writer raced it with the same request and won. So of two
 * servers given one replay at the same moment, exactly one accepts it.
 *
 * Cost: one write and one read (of the few lines appended since), per request; no file is created
 * per nonce (one file per nonce made the directory and its journal the bottleneck: ~360 requests/s).
 * Memory: the hashes of the nonces whose minute is in the window, as exact replay protection needs,
 * 16 bytes each in a NonceSet (nonce-set.ts).
 *
 * Limits: the logs are not fsynced. A restart of `serve` (or its container) keeps them, being in
 * the kernel's cache; a power loss within the window may forget the last nonces spent. Servers
 * sharing a home must agree on the time within PRUNE_GRACE_MS.
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ServiceError } from '../errors/errors.js';
import { bucketExpired, bucketOf, NONCE_BUCKET_MS } from './freshness.js';
import type { NonceLedger } from './nonce-ledger.js';
import { NonceSet } from './nonce-set.js';
import { HASH_BYTES, HASH_CHARS, parseLine, sameBytes, writeHashChars } from './nonce-line.js';

export const NONCES_DIR = 'nonces';
/** A minute's log outlives its window by this much. */
export const PRUNE_GRACE_MS = 5 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 1000;

const APPEND = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
const LOG_NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z(\.log)?$/;
const READ_CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** `20260301T1200Z`: the minute a log holds, readable by whoever looks into the home. */
export function logName(bucket: number): string {
  return `${new Date(bucket * NONCE_BUCKET_MS).toISOString().replace(/[-:]/g, '').slice(0, 13)}Z.log`;
}

function bucketOfName(name: string): number | undefined {
  const m = LOG_NAME.exec(name);
  if (!m) return undefined;
  return bucketOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])));
}

/** SHA-256 of AccessKeyId and nonce: the log line holds its first 132 bits (22 characters), memory its first 128. */
function nonceDigest(accessKeyId: string, nonce: string): Buffer {
  return createHash('sha256').update(`${accessKeyId}\n${nonce}`).digest();
}

/** One minute's log as this ledger sees it. */
interface MinuteLog {
  fd: number;
  /** Where the next unread line starts. */
  readFrom: number;
  /** The hashes read from the log, each with whether this ledger wrote its first line. */
  spent: NonceSet;
}

export class LogNonceLedger implements NonceLedger {
  readonly root: string;
  /** This ledger's id in the lines it writes: pid and 48 random bits, unique across hosts sharing a home. */
  readonly writer = `${process.pid.toString(16)}.${randomBytes(6).toString('hex')}`;
  private readonly logs = new Map<number, MinuteLog>();
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  private readonly buffer = Buffer.allocUnsafe(READ_CHUNK);
  private readonly writerBytes = Buffer.from(this.writer, 'latin1');
  /** This ledger's line: the hash's characters change, ` <writer>\n` stays. */
  private readonly line = Buffer.from(`${'-'.repeat(HASH_CHARS)} ${this.writer}\n`, 'latin1');
  private readonly hashRead = new Uint8Array(HASH_BYTES);

  constructor(homeRoot: string) {
    this.root = join(homeRoot, NONCES_DIR);
  }

  spend(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): boolean {
    this.maybePrune(nowMs);
    const digest = nonceDigest(accessKeyId, nonce);
    const log = this.logOf(bucketOf(timestampMs));
    // Known here (spent by this ledger, or read from the log before): a repeat, without a write.
    if (log.spent.has(digest)) return false;
    writeHashChars(digest, this.line);
    this.append(log, this.line);
    this.readNew(log);
    const mine = log.spent.firstIsMine(digest);
    if (mine === undefined) throw new ServiceError('InternalFailure', 'A spent nonce was not found in its log.');
    return mine;
  }

  private logOf(bucket: number): MinuteLog {
    let log = this.logs.get(bucket);
    if (!log) {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
      log = { fd: openSync(join(this.root, logName(bucket)), APPEND, 0o600), readFrom: 0, spent: new NonceSet() };
      this.logs.set(bucket, log);
    }
    return log;
  }

  private append(log: MinuteLog, bytes: Buffer): void {
    const written = writeSync(log.fd, bytes);
    if (written !== bytes.length) {
      // A full disk: end the torn line so the lines after it stay whole, and refuse the request.
      try {
        writeSync(log.fd, '\n');
      } catch {
        /* the next reader skips the torn line */
      }
      throw new ServiceError('InternalFailure', 'The nonce log could not be written (is the disk full?).');
    }
  }

  /**
   * Reads the whole lines appended since the last read; a line still being written (no newline
   * yet) waits for the next read. A line that is not a nonce line is skipped.
   */
  private readNew(log: MinuteLog): void {
    const buffer = this.buffer;
    for (;;) {
      const n = readSync(log.fd, buffer, 0, READ_CHUNK, log.readFrom);
      if (n === 0) return;
      let start = 0;
      // Byte by byte within what was read (past it the buffer holds an earlier read's bytes).
      for (let end = 0; end < n; end++) {
        if (buffer[end] !== NEWLINE) continue;
        const writerAt = parseLine(buffer, start, end, this.hashRead);
        if (writerAt >= 0) log.spent.add(this.hashRead, 0, sameBytes(buffer, writerAt, end, this.writerBytes));
        start = end + 1;
      }
      if (start === 0 && n === READ_CHUNK) {
        // No newline in a whole chunk: no nonce line is that long. Skip to the end of the line, if it has one.
        const skipped = this.lineEndAfter(log.fd, log.readFrom + n);
        if (skipped === undefined) return;
        log.readFrom = skipped;
        continue;
      }
      log.readFrom += start;
      // A short read reached the end: no need to ask again for the nothing after it.
      if (n < READ_CHUNK) return;
    }
  }

  /** The position after the next newline at or after `from`, or undefined when there is none yet. */
  private lineEndAfter(fd: number, from: number): number | undefined {
    for (let at = from; ; ) {
      const n = readSync(fd, this.buffer, 0, READ_CHUNK, at);
      if (n === 0) return undefined;
      const end = this.buffer.subarray(0, n).indexOf(NEWLINE);
      if (end !== -1) return at + end + 1;
      at += n;
    }
  }

  /** Forgets the minutes that are out of the window, and removes their logs (at most once a minute). */
  maybePrune(nowMs: number): void {
    if (nowMs - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = nowMs;
    for (const [bucket, log] of this.logs) {
      if (!bucketExpired(bucket, nowMs)) continue;
      closeSync(log.fd);
      this.logs.delete(bucket);
    }
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return; // no log yet
    }
    for (const name of names) {
      const bucket = bucketOfName(name);
      if (bucket === undefined || !bucketExpired(bucket, nowMs, PRUNE_GRACE_MS)) continue;
      // Another server may be removing it too; a folder is the layout of an earlier kms-local.
      try {
        if (name.endsWith('.log')) unlinkSync(join(this.root, name));
        else rmSync(join(this.root, name), { recursive: true, force: true });
      } catch {
        /* gone already */
      }
    }
  }

  /** Closes the logs this ledger holds open. */
  close(): void {
    for (const log of this.logs.values()) closeSync(log.fd);
    this.logs.clear();
  }

}
