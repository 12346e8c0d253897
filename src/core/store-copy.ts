/**
 * The rules of `kms-local store copy` and `store verify`, as pure functions over digests of
 * records (the digest of a record's canonical sealed form; equal digests mean the same record,
 * byte for byte, under the same master key). No store, clock or randomness here.
 *
 * - A record missing at the destination is copied.
 * - One the destination already holds identically is skipped: a copy run again after it was
 *   interrupted does only what is left, and duplicates nothing.
 * - One the destination holds differently is a conflict: refused unless the user asked for
 *   `--overwrite`, since the destination's may be the newer one; nothing is ever clobbered silently.
 * - Records the destination has and the source has not are left alone (a copy adds, never deletes).
 */

export type CopyDecision = 'copy' | 'skip' | 'overwrite' | 'conflict';

/** What to do with one source record, given the digest of the destination's (undefined: none). */
export function decideCopy(source: string, destination: string | undefined, overwrite: boolean): CopyDecision {
  if (destination === undefined) return 'copy';
  if (destination === source) return 'skip';
  return overwrite ? 'overwrite' : 'conflict';
}

/**
 * Whether a write planned from the destination's digest `planned` may still go ahead when, under
 * its lock, the destination holds `current`: only when nothing changed it meanwhile (or it is gone,
 * so there is nothing to clobber). Another writer's change since the plan is never overwritten.
 */
export function stillAsPlanned(planned: string | undefined, current: string | undefined): boolean {
  return current === undefined || current === planned;
}

/** The counts of one kind of record in one region. */
export interface CopyCounts {
  Copied: number;
  Skipped: number;
  Overwritten: number;
}

export const noCounts = (): CopyCounts => ({ Copied: 0, Skipped: 0, Overwritten: 0 });

/** Adds one decision that was carried out to `counts` (a conflict is never carried out). */
export function countDecision(counts: CopyCounts, decision: Exclude<CopyDecision, 'conflict'>): void {
  if (decision === 'copy') counts.Copied++;
  else if (decision === 'skip') counts.Skipped++;
  else counts.Overwritten++;
}

/** One record, as the verification names it: its region, its kind and its id. */
export interface RecordRef {
  Region: string;
  Kind: 'Secret' | 'Key' | 'Alias' | 'Principal' | 'AccountId';
  Id: string;
}

export interface VerifyResult {
  /** How many records of the source were compared. */
  Compared: number;
  /** Source records the destination lacks. */
  Missing: RecordRef[];
  /** Source records the destination holds differently. */
  Different: RecordRef[];
  /** How many records only the destination has (not a difference: a copy never deletes). */
  OnlyAtDestination: number;
}

/** Compares the digests of two stores' records (keyed by a stable id of each record). */
export function compareDigests(source: ReadonlyMap<string, { ref: RecordRef; digest: string }>, destination: ReadonlyMap<string, { digest: string }>): VerifyResult {
  const result: VerifyResult = { Compared: 0, Missing: [], Different: [], OnlyAtDestination: 0 };
  for (const [id, { ref, digest }] of source) {
    result.Compared++;
    const there = destination.get(id);
    if (there === undefined) result.Missing.push(ref);
    else if (there.digest !== digest) result.Different.push(ref);
  }
  for (const id of destination.keys()) if (!source.has(id)) result.OnlyAtDestination++;
  return result;
}

/** Whether two stores hold the same records (as far as the source's go). */
export function verified(result: VerifyResult): boolean {
  return result.Missing.length === 0 && result.Different.length === 0;
}
