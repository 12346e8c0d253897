/**
 * Freshness of signed requests: the timestamp must be within 15 minutes of the server's clock, and a
 * SignatureNonce may be used once while its request could still be accepted.
 *
 * The nonce cache is bounded. When it is full it forgets its oldest entries, and raises a floor:
 * a request whose timestamp is not after the newest forgotten timestamp is refused as expired. The
 * signature covers both the timestamp and the nonce, so a replay of a forgotten nonce carries a
 * timestamp at or below the floor and is still refused: bounding memory opens no replay window.
 */
import { ServiceError } from '../errors/errors.js';

export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;
export const DEFAULT_NONCE_CAPACITY = 100_000;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * `2024-01-01T00:00:00Z` (what every client sends), with optional fraction or offset; undefined if
 * it is not ISO-8601 or names no real instant. Date.parse alone would roll `2026-02-30` over to
 * March 2nd: every field is checked against its range first.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export class ReplayGuard {
  /** key -> the request's timestamp (ms); Map keeps insertion order, oldest first. */
  private readonly seen = new Map<string, number>();
  private floorMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly capacity = DEFAULT_NONCE_CAPACITY,
    private readonly windowMs = TIMESTAMP_WINDOW_MS,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** Throws the service's error for a stale or malformed timestamp. Call after the signature is verified. */
  checkTimestamp(timestamp: string | undefined, nowMs: number): number {
    if (!timestamp) throw new ServiceError('IncompleteSignature', 'The request carries no Timestamp (x-acs-date).');
    const ms = parseTimestamp(timestamp);
    if (ms === undefined) throw new ServiceError('InvalidTimeStamp.Format');
    if (Math.abs(nowMs - ms) > this.windowMs || ms <= this.floorMs) {
      throw new ServiceError('InvalidTimeStamp.Expired', `Specified time stamp or date value is expired: the server's time is ${new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z')}.`);
    }
    return ms;
  }

  /** Records a nonce of a verified request with a fresh timestamp; throws SignatureNonceUsed for a repeat. */
  useNonce(accessKeyId: string, nonce: string | undefined, timestampMs: number, nowMs: number): void {
    if (!nonce) throw new ServiceError('IncompleteSignature', 'The request carries no SignatureNonce (x-acs-signature-nonce).');
    const key = `${accessKeyId}\n${nonce}`;
    this.prune(nowMs);
    if (this.seen.has(key)) throw new ServiceError('SignatureNonceUsed');
    while (this.seen.size >= this.capacity) {
      const [oldest, ms] = this.seen.entries().next().value as [string, number];
      this.seen.delete(oldest);
      this.floorMs = Math.max(this.floorMs, ms);
    }
    this.seen.set(key, timestampMs);
    if (timestampMs <= this.floorMs) {
      // Cannot happen after checkTimestamp, but never accept what could not be told from a replay.
      this.seen.delete(key);
      throw new ServiceError('InvalidTimeStamp.Expired');
    }
  }

  /** Forgets entries whose timestamp is out of the window anyway: they are refused as expired. */
  private prune(nowMs: number): void {
    for (const [key, ms] of this.seen) {
      if (nowMs - ms <= this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
