/**
 * Where the SignatureNonces of `serve` are spent. A ledger answers one question atomically: was
 * this nonce of this AccessKey, with a timestamp in this minute, spent before? If not, it is now.
 * The minute comes from the signed timestamp, so a replay (same timestamp) asks about the same
 * minute; a ledger may forget a minute once every timestamp in it is out of the window.
 */
import { bucketExpired, bucketOf } from './freshness.js';

export interface NonceLedger {
  /** Spends the nonce: true the first time, false for a repeat. */
  spend(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): boolean;
  /**
   * The same, answered a little later, for a ledger that spends the nonces of many requests at
   * once (the home's log, nonce-log.ts); absent: `spend` is used.
   */
  spendSoon?(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): Promise<boolean>;
}

/** One process's memory: for unit tests and for callers without a home. */
export class MemoryNonceLedger implements NonceLedger {
  private readonly buckets = new Map<number, Set<string>>();

  spend(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): boolean {
    for (const bucket of this.buckets.keys()) if (bucketExpired(bucket, nowMs)) this.buckets.delete(bucket);
    const bucket = bucketOf(timestampMs);
    let spent = this.buckets.get(bucket);
    if (!spent) this.buckets.set(bucket, (spent = new Set()));
    const key = `${accessKeyId}\n${nonce}`;
    if (spent.has(key)) return false;
    spent.add(key);
    return true;
  }
}
