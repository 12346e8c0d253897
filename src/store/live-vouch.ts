/**
 * What a listing found when it checked the metadata index against the manifest, kept for the next
 * listing: "with the manifest's shards as stamped, every name of this snapshot was live but these".
 * ListSecrets must list only names the manifest holds as live (an entry planted in the index, or an
 * older copy of the index put back, is no secret), and checking 10,000 names means reading and
 * scanning all 16 shards: about a sixth of a listing. While neither the snapshot nor any shard has
 * changed since (the common case: listings between compactions and writes), the next listing reads
 * the 16 MAC lines and this file instead, and checks only the names the journal added.
 *
 * `<region>/.index/live`: one JSON line `{"v":1,"snapshot":<checksum>,"shards":[<16 MAC lines>],
 * "dead":[<names>]}`, then a line with its MAC under the master key the manifest is written under
 * (bound to the manifest's scope), so no one without the key can vouch for a name. It is a cache:
 * written without fsync by whichever listing checked last, read only when its MAC verifies and it
 * names the snapshot and shards found now; anything else is ignored (and written again).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FILE_MODE, pidScope, readTextIfExists, writeAll } from './fs-safe.js';

const VERSION = 1;

export interface LiveVouch {
  /** The checksum of the snapshot file (src/store/index-snapshot.ts) whose names were checked. */
  snapshot: string;
  /** The MAC line of each manifest shard they were checked against (Manifest.stamp). */
  shards: string[];
  /** The names of that snapshot the manifest did not hold as live then. */
  dead: string[];
}

export interface Voucher {
  vouch(text: string): string;
  vouches(text: string, mac: string): boolean;
}

function isVouch(value: unknown): value is LiveVouch & { v: number } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const strings = (list: unknown): boolean => Array.isArray(list) && list.every((item) => typeof item === 'string');
  return v.v === VERSION && typeof v.snapshot === 'string' && strings(v.shards) && strings(v.dead);
}

/** The vouch at `path` when it is whole and its MAC verifies; undefined otherwise. */
export function readVouch(path: string, voucher: Voucher): LiveVouch | undefined {
  let text: string | undefined;
  try {
    text = readTextIfExists(path);
  } catch {
    return undefined;
  }
  if (text === undefined) return undefined;
  const [body, mac, rest] = text.split('\n');
  if (body === undefined || mac === undefined || rest !== '' || !voucher.vouches(body, mac)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return isVouch(value) ? { snapshot: value.snapshot, shards: value.shards, dead: value.dead } : undefined;
}

/**
 * Replaces the vouch at `path` (a temp file renamed over it: a reader sees the old or the new one).
 * Not synced: after a crash it may be gone or stale, and a stale one names an older snapshot or
 * older shards. A failure leaves the old one, which the next listing checks again.
 */
export function writeVouch(path: string, vouch: LiveVouch, voucher: Voucher): void {
  const body = JSON.stringify({ v: VERSION, snapshot: vouch.snapshot, shards: vouch.shards, dead: vouch.dead });
  // Named as fs-safe's temp files are, so that the index lock's holder sweeps one a killed reader left.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}~${pidScope()}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE);
    try {
      writeAll(fd, Buffer.from(`${body}\n${voucher.vouch(body)}\n`, 'utf8'));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      /* not made, or already renamed */
    }
  }
}

export function sameStamp(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((mac, i) => mac === b[i]);
}
