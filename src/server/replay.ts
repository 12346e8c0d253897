/**
 * Freshness of signed requests, and each SignatureNonce spent once.
 *
 * The window: a timestamp may be up to 15 minutes behind the server's clock (the service's
 * window) and at most 5 minutes ahead of it. Clients of a local server share its clock, give or
 * take a drifting container or VM; accepting far-future timestamps would only stretch how long a
 * captured request stays replayable and how long its nonce must be kept.
 *
 * Nonces are spent in a NonceLedger keyed by AccessKeyId, nonce and the minute of the (signed)
 * timestamp. `serve` uses the log ledger in the home (nonce-log.ts), so a nonce is spent for every
 * `serve` on that home and across restarts. Nothing is ever evicted early: a nonce is forgotten only
 * once its timestamp is out of the window, so no floor, and nothing one key sends can make another
 * key's requests look expired. What one key may spend is bounded instead: at most
 * NONCES_PER_KEY nonces whose timestamps are still in the window (per process); beyond that
 * the key's requests are refused with Rejected.Throttling until its older nonces expire.
 *
 * On a PostgreSQL store, `serve` replicas on other hosts share no home: http-server.ts then also
 * claims each nonce this guard spent (takeSpent) in the store, which every replica shares.
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';
import { bucketExpired, bucketOf, FUTURE_SKEW_MS, NONCE_BUCKET_MS, NONCES_PER_KEY, TIMESTAMP_WINDOW_MS } from './freshness.js';
import { MemoryNonceLedger, type NonceLedger } from './nonce-ledger.js';

export { FUTURE_SKEW_MS, NONCE_BUCKET_MS, NONCES_PER_KEY, TIMESTAMP_WINDOW_MS } from './freshness.js';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Days of the month (1-12) of the year, as Date.UTC counts them (a year below 100 is 1900 + it). */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  const y = year < 100 ? year + 1900 : year;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

/**
 * `2024-01-01T00:00:00Z` (what every client sends), with optional fraction or offset; undefined if
 * it is not ISO-8601 or names no real instant. Date.parse alone would roll `2026-02-30` over to
 * March 2nd: every field is checked against its range first.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  // Each field on its own (serve parses a timestamp per request: no arrays, no Date for the month's length).
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A nonce this guard spent, as a store shared by several hosts keeps it (NonceClaims). */
export interface SpentNonce {
  accessKeyId: string;
  /** SHA-256 of AccessKeyId and nonce, base64url: nothing of the request itself. */
  nonceHash: string;
  /** When the last timestamp of the nonce's minute is out of the window: no server accepts it after. */
  expiresAtMs: number;
}

export interface ReplayOptions {
  /** Where nonces are spent; in memory by default (unit tests), the home's files for `serve`. */
  ledger?: NonceLedger;
  /** NONCES_PER_KEY by default. */
  perKeyLimit?: number;
}

export class ReplayGuard {
  private readonly ledger: NonceLedger;
  private readonly perKeyLimit: number;
  /** AccessKeyId -> bucket -> nonces this process spent for it; buckets leave once expired. */
  private readonly spent = new Map<string, Map<number, number>>();
  /** What the last useNonce spent, until takeSpent (fields, not an object: nothing made per request unless asked for). */
  private lastAccessKeyId: string | undefined;
  private lastNonce = '';
  private lastBucket = 0;

  constructor(opts: ReplayOptions = {}) {
    this.ledger = opts.ledger ?? new MemoryNonceLedger();
    this.perKeyLimit = opts.perKeyLimit ?? NONCES_PER_KEY;
  }

  /** Throws the service's error for a stale, far-future or malformed timestamp. Call after the signature is verified. */
  checkTimestamp(timestamp: string | undefined, nowMs: number): number {
    if (!timestamp) throw new ServiceError('IncompleteSignature', 'The request carries no Timestamp (x-acs-date).');
    const ms = parseTimestamp(timestamp);
    if (ms === undefined) throw new ServiceError('InvalidTimeStamp.Format');
    if (nowMs - ms > TIMESTAMP_WINDOW_MS || ms - nowMs > FUTURE_SKEW_MS) {
      throw new ServiceError(
        'InvalidTimeStamp.Expired',
        `Specified time stamp or date value is expired: the server's time is ${new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z')}; a timestamp may be at most 15 minutes behind it and 5 minutes ahead.`,
      );
    }
    return ms;
  }

  /**
   * Spends the nonce of a verified request with a fresh timestamp; throws SignatureNonceUsed for a
   * repeat. With a ledger that answers later (spendSoon: the home's log), the answer is the promise
   * returned, which rejects with SignatureNonceUsed for a repeat: the request must wait for it
   * before it runs. Undefined when the answer was given at once.
   */
  useNonce(accessKeyId: string, nonce: string | undefined, timestampMs: number, nowMs: number): Promise<void> | undefined {
    if (!nonce) throw new ServiceError('IncompleteSignature', 'The request carries no SignatureNonce (x-acs-signature-nonce).');
    const buckets = this.bucketsOf(accessKeyId, nowMs);
    let total = 0;
    for (const count of buckets.values()) total += count;
    if (total >= this.perKeyLimit) {
      throw new ServiceError('Rejected.Throttling', `The AccessKey ${accessKeyId} has sent more than ${this.perKeyLimit} requests within the timestamp window; try again later.`);
    }
    const bucket = bucketOf(timestampMs);
    const soon = this.ledger.spendSoon?.(accessKeyId, nonce, timestampMs, nowMs);
    if (soon === undefined && !this.ledger.spend(accessKeyId, nonce, timestampMs, nowMs)) throw new ServiceError('SignatureNonceUsed');
    // Counted now, so that the requests waiting for the ledger's answer count against the key's limit too.
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    this.lastAccessKeyId = accessKeyId;
    this.lastNonce = nonce;
    this.lastBucket = bucket;
    return soon?.then((first) => {
      if (first) return;
      const count = buckets.get(bucket);
      if (count !== undefined) buckets.set(bucket, count - 1);
      throw new ServiceError('SignatureNonceUsed');
    });
  }

  /**
   * The nonce the last useNonce call spent (once), for a ledger shared beyond this host that the
   * caller awaits: `serve` on a PostgreSQL store, right after the synchronous authenticate(). With
   * a ledger that answers later, it is the nonce being spent: claim it only once that answer came.
   */
  takeSpent(): SpentNonce | undefined {
    const accessKeyId = this.lastAccessKeyId;
    if (accessKeyId === undefined) return undefined;
    this.lastAccessKeyId = undefined;
    return {
      accessKeyId,
      nonceHash: createHash('sha256').update(`${accessKeyId}\n${this.lastNonce}`).digest('base64url'),
      expiresAtMs: (this.lastBucket + 1) * NONCE_BUCKET_MS + TIMESTAMP_WINDOW_MS,
    };
  }

  private bucketsOf(accessKeyId: string, nowMs: number): Map<number, number> {
    let buckets = this.spent.get(accessKeyId);
    if (!buckets) this.spent.set(accessKeyId, (buckets = new Map()));
    for (const bucket of buckets.keys()) if (bucketExpired(bucket, nowMs)) buckets.delete(bucket);
    return buckets;
  }
}
