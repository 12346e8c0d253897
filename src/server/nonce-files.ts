/**
 * The SignatureNonces of `serve`, spent in the home, so that a captured signed request replays
 * neither after a restart of `serve` nor against another `serve` on the same home (replicas,
 * containers sharing a volume).
 *
 * Layout: `<home>/nonces/<minute>/<sha256(AccessKeyId, nonce)>`, one empty file per nonce, in the
 * folder of the minute of the request's signed timestamp (`20260301T1200Z`). Spending a nonce is
 * creating its file with O_CREAT|O_EXCL: the kernel makes that atomic between processes, so two
 * servers racing on one replay cannot both win, and it costs one open and one close, no lock and no
 * read. A minute's folder is removed once every timestamp in it is out of the window plus
 * PRUNE_GRACE_MS (for servers whose clocks differ a little); pruning runs at most once a minute,
 * off the event loop.
 *
 * Limits: files are not fsynced. A restart of `serve` (or of its container) keeps them, being in
 * the kernel's cache; a power loss within the window may forget the last nonces spent. Servers
 * sharing a home must agree on the time within PRUNE_GRACE_MS.
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { bucketExpired, bucketOf, NONCE_BUCKET_MS } from './freshness.js';
import type { NonceLedger } from './nonce-ledger.js';

export const NONCES_DIR = 'nonces';
/** A minute's folder outlives its window by this much. */
export const PRUNE_GRACE_MS = 5 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 1000;

const CREATE_ONCE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
const FOLDER = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/;

/** `20260301T1200Z`: the minute a folder holds, readable by whoever looks into the home. */
export function folderName(bucket: number): string {
  return new Date(bucket * NONCE_BUCKET_MS).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
}

function bucketOfFolder(name: string): number | undefined {
  const m = FOLDER.exec(name);
  if (!m) return undefined;
  return bucketOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])));
}

export class FileNonceLedger implements NonceLedger {
  readonly root: string;
  /** Folders this process made or found, so the common case is a single open(). */
  private readonly known = new Set<number>();
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(homeRoot: string) {
    this.root = join(homeRoot, NONCES_DIR);
  }

  spend(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): boolean {
    this.maybePrune(nowMs);
    const bucket = bucketOf(timestampMs);
    const dir = join(this.root, folderName(bucket));
    // A hash: nonces are any text a client chooses; the name must be a short, safe file name.
    const file = join(dir, createHash('sha256').update(`${accessKeyId}\n${nonce}`).digest('base64url'));
    if (!this.known.has(bucket)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.known.add(bucket);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        closeSync(openSync(file, CREATE_ONCE, 0o600));
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return false;
        // Another server pruned the folder (its clock is ahead): make it again, once.
        if (code !== 'ENOENT' || attempt > 0) throw err;
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      }
    }
  }

  /** Removes the folders of minutes that are out of the window, in the background. */
  maybePrune(nowMs: number): void {
    if (nowMs - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = nowMs;
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return; // no folder yet
    }
    for (const name of names) {
      const bucket = bucketOfFolder(name);
      if (bucket === undefined || !bucketExpired(bucket, nowMs, PRUNE_GRACE_MS)) continue;
      this.known.delete(bucket);
      // Another server may be removing it too: whatever either leaves, the next pass removes.
      rm(join(this.root, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
