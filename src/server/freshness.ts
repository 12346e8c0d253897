/** The timestamp window of signed requests, and the minutes in which their nonces expire (see replay.ts). */

/** How far behind the server's clock a timestamp may be (the service's window). */
export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;
/** How far ahead of the server's clock a timestamp may be. */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;
/** Nonces one AccessKey may have spent whose timestamps are still in the window (~830 requests/s sustained). */
export const NONCES_PER_KEY = 1_000_000;
/** Nonces are grouped by the minute of their timestamp: the unit in which they expire. */
export const NONCE_BUCKET_MS = 60 * 1000;

export function bucketOf(timestampMs: number): number {
  return Math.floor(timestampMs / NONCE_BUCKET_MS);
}

/** Whether every timestamp of a bucket is out of the window at `nowMs`, with `graceMs` to spare. */
export function bucketExpired(bucket: number, nowMs: number, graceMs = 0): boolean {
  return (bucket + 1) * NONCE_BUCKET_MS + TIMESTAMP_WINDOW_MS + graceMs < nowMs;
}
