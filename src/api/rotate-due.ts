/**
 * Automatic rotation: what `kms-local rotate-due` does when a scheduler runs it. Every region of
 * the home is scanned; secrets whose NextRotationDate has passed are rotated one after another
 * through the RotateSecret operation (so each is audited like a manual one), and secrets past
 * their PlannedDeleteTime are purged. `dryRun` only lists.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';
import { isPastDeletion } from '../core/lifecycle.js';
import type { SecretRecord } from '../core/model.js';
import { isDue } from '../core/rotation-policy.js';
import { formatTime } from '../core/time.js';
import type { Home } from '../store/home.js';
import { SecretStore } from '../store/store.js';
import { invoke } from './invoke.js';
import { findOperation } from './operations.js';

export interface DueEntry {
  Region: string;
  SecretName: string;
  NextRotationDate?: string;
  VersionId?: string;
  Code?: string;
  Message?: string;
  PlannedDeleteTime?: string;
}

export interface DueSummary {
  Now: string;
  DryRun: boolean;
  /** Secrets that were due (all of them, rotated or not). */
  Due: DueEntry[];
  Rotated: DueEntry[];
  Failed: DueEntry[];
  /** Due, but another process is rotating it right now: left to that process. */
  Skipped: DueEntry[];
  Purged: DueEntry[];
}

export interface RotateDueOptions {
  dryRun: boolean;
  region?: string;
  /** Called after each secret looked at, for a progress bar. */
  progress?: (done: number, total: number) => void;
}

export async function rotateDue(home: Home, nowMs: number, opts: RotateDueOptions): Promise<DueSummary> {
  const summary: DueSummary = { Now: formatTime(nowMs), DryRun: opts.dryRun, Due: [], Rotated: [], Failed: [], Skipped: [], Purged: [] };
  const rotate = findOperation('RotateSecret')!;
  const work = (opts.region ? [opts.region] : home.regions()).flatMap((region) => {
    // A store whose clock is at the beginning of time reads every file and purges none.
    const scan = new SecretStore(home, region, () => Number.NEGATIVE_INFINITY);
    const live = new SecretStore(home, region, () => nowMs);
    return scan.names().sort().map((name) => ({ region, name, scan, live }));
  });
  for (const [index, { region, name, scan, live }] of work.entries()) {
    opts.progress?.(index, work.length);
    let secret: SecretRecord | undefined;
    try {
      secret = scan.get(name);
    } catch (err) {
      const e = err as ServiceError;
      summary.Failed.push({ Region: region, SecretName: name, Code: e.code ?? 'InternalFailure', Message: e.message });
      continue;
    }
    if (!secret) continue;
    if (isPastDeletion(secret, nowMs)) {
      if (!opts.dryRun) live.get(name); // reading it past its date purges it
      summary.Purged.push({ Region: region, SecretName: name, PlannedDeleteTime: secret.plannedDeleteTime });
      continue;
    }
    if (!isDue(secret, nowMs)) continue;
    const entry: DueEntry = { Region: region, SecretName: name, NextRotationDate: secret.rotation?.nextRotationDate };
    summary.Due.push(entry);
    if (opts.dryRun) continue;
    const versionId = randomUUID();
    try {
      await invoke(rotate, { SecretName: name, VersionId: versionId }, { home, region, nowMs });
      summary.Rotated.push({ ...entry, VersionId: versionId });
    } catch (err) {
      const code = err instanceof ServiceError ? err.code : 'InternalFailure';
      const failed = { ...entry, VersionId: versionId, Code: code, Message: (err as Error).message };
      (code === 'Rejected.RotationInProgress' ? summary.Skipped : summary.Failed).push(failed);
    }
  }
  opts.progress?.(work.length, work.length);
  return summary;
}
