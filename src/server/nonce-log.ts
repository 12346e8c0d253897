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
 * Group commit (spendSoon, what `serve` uses): the nonces of the requests that arrive in one turn of
 * the event loop are appended together, with one write, and the log read back once, when the turn's
 * I/O is done (setImmediate); each request waits for its answer before it runs. The rule is the same
 * for each line of the write: the first line with the hash decides. Two requests of one turn with
 * the same nonce: the second is a repeat without a line. What is on the disk when a request runs is
 * what it was with a write per request: its line, written before it runs. A write that fails refuses
 * every request of the group (a line that did get written stays spent: refused, never replayable).
 *
 * Cost: one write and one read (of the lines appended since) per turn of the event loop, shared by
 * the requests of the turn (about five a turn under load: was one write and one read per request);
 * no file is created per nonce (one file per nonce made the directory and its journal the
 * bottleneck: ~360 requests/s).
 * Memory: the hashes of the nonces whose minute is in the window, as exact replay protection needs,
 * 16 bytes each in a NonceSet (nonce-set.ts).
 *
 * Limits: the logs are not fsynced. A restart of `serve` (or its container) keeps them, being in
 * the kernel's cache; a power loss within the window may forget the last nonces spent. Servers
 * sharing a home must agree on the time within PRUNE_GRACE_MS.
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { hash, randomBytes } from 'node:crypto';
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
/** A group is written at once when it reaches this many nonces (one write of about 9 KiB), turn or not. */
export const MAX_GROUP = 256;
const REPEAT: Promise<boolean> = Promise.resolve(false);

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
  // The one-shot hash (node 20.12): a Hash object for each request cost about half as much again.
  return hash('sha256', `${accessKeyId}\n${nonce}`, 'buffer');
}

/** One minute's log as this ledger sees it. */
interface MinuteLog {
  fd: number;
  /** Where the next unread line starts. */
  readFrom: number;
  /** The hashes read from the log, each with whether this ledger wrote its first line. */
  spent: NonceSet;
  /** Nonces of the group waiting to be written to this log: it stays open until they are. */
  waiting: number;
}

/** A nonce of the group being gathered (spendSoon), with the answer its request waits for. */
interface Pending {
  log: MinuteLog;
  digest: Buffer;
  answer: (first: boolean) => void;
  fail: (err: unknown) => void;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
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

  /** The nonces waiting for the end of the turn (spendSoon), in the order they came. */
  private group: Pending[] = [];
  private commitScheduled = false;

  /** Spends the nonce now, with a write and a read of its own. */
  spend(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): boolean {
    this.maybePrune(nowMs);
    const digest = nonceDigest(accessKeyId, nonce);
    const log = this.logOf(bucketOf(timestampMs));
    // Known here (spent by this ledger, read from the log before, or waiting in the group): a repeat, without a write.
    if (log.spent.has(digest) || this.waitingInGroup(log, digest)) return false;
    writeHashChars(digest, this.line);
    this.append(log, this.line);
    this.readNew(log);
    return this.firstIsMine(log, digest);
  }

  /**
   * Spends the nonce with the others of this turn of the event loop (group commit, see above): the
   * answer comes once the group's line are written and read back. Throws at once when the log
   * cannot even be opened.
   */
  spendSoon(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): Promise<boolean> {
    this.maybePrune(nowMs);
    const digest = nonceDigest(accessKeyId, nonce);
    const log = this.logOf(bucketOf(timestampMs));
    if (log.spent.has(digest) || this.waitingInGroup(log, digest)) return REPEAT;
    if (this.group.length >= MAX_GROUP) this.commit();
    return new Promise<boolean>((answer, fail) => {
      this.group.push({ log, digest, answer, fail });
      log.waiting++;
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  private waitingInGroup(log: MinuteLog, digest: Buffer): boolean {
    for (const pending of this.group) if (pending.log === log && sameHash(pending.digest, digest)) return true;
    return false;
  }

  private firstIsMine(log: MinuteLog, digest: Buffer): boolean {
    const mine = log.spent.firstIsMine(digest);
    if (mine === undefined) throw new ServiceError('InternalFailure', 'A spent nonce was not found in its log.');
    return mine;
  }

  /** Writes the group's lines (one write per minute's log, nearly always one), reads each log back, and answers. */
  private commit(): void {
    this.commitScheduled = false;
    const group = this.group;
    if (group.length === 0) return;
    this.group = [];
    const lineLength = this.line.length;
    for (let start = 0; start < group.length; start++) {
      const log = group[start]!.log;
      if (log.waiting === 0) continue; // this log's nonces were answered with an earlier one's
      const ofLog = log.waiting === group.length ? group : group.filter((p) => p.log === log);
      log.waiting = 0;
      try {
        const lines = Buffer.allocUnsafe(ofLog.length * lineLength);
        for (let i = 0; i < ofLog.length; i++) {
          this.line.copy(lines, i * lineLength);
          writeHashChars(ofLog[i]!.digest, lines, i * lineLength);
        }
        this.append(log, lines);
        this.readNew(log);
      } catch (err) {
        for (const pending of ofLog) pending.fail(err);
        continue;
      }
      for (const pending of ofLog) {
        const mine = log.spent.firstIsMine(pending.digest);
        if (mine === undefined) pending.fail(new ServiceError('InternalFailure', 'A spent nonce was not found in its log.'));
        else pending.answer(mine);
      }
    }
  }

  private logOf(bucket: number): MinuteLog {
    let log = this.logs.get(bucket);
    if (!log) {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
      log = { fd: openSync(join(this.root, logName(bucket)), APPEND, 0o600), readFrom: 0, spent: new NonceSet(), waiting: 0 };
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
      // A log with nonces still to write stays open until the next prune.
      if (!bucketExpired(bucket, nowMs) || log.waiting > 0) continue;
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

  /** Writes what waits, then closes the logs this ledger holds open. */
  close(): void {
    this.commit();
    for (const log of this.logs.values()) closeSync(log.fd);
    this.logs.clear();
  }

}
