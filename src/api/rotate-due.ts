/**
 * Automatic rotation: what `kms-local rotate-due` does when a scheduler runs it. Every region of
 * the home is scanned; secrets whose NextRotationDate has passed are rotated one after another
 * through the RotateSecret operation (so each is audited like a manual one), and secrets past
 * their PlannedDeleteTime are purged; keys with automatic rotation that are due get a new version.
 * `dryRun` only lists.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';
import { deletionState } from '../core/lifecycle.js';
import type { SecretRecord } from '../core/model.js';
import { isDue } from '../core/rotation-policy.js';
import { formatTime } from '../core/time.js';
import type { Home } from '../store/home.js';
import type { SecretStorage } from '../store/backend.js';
import { backendOf } from '../store/open-backend.js';
import { isRotationDue } from '../core/keys.js';
import { invoke } from './invoke.js';
import { findOperation } from './operations.js';

export interface DueEntry {
  Region: string;
  /** A secret's entry names the secret; a key's entry names the key (KeyId). */
  SecretName?: string;
  KeyId?: string;
  /** The key version automatic rotation made. */
  KeyVersionId?: string;
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
  /** Past PlannedDeleteTime: files removed (with --dry-run: that would be). */
  Purged: DueEntry[];
  /** Past PlannedDeleteTime by the rehearsal clock (KMS_LOCAL_NOW) only: gone for reads, file kept until the real time. */
  PurgeWaits: DueEntry[];
}

export interface RotateDueOptions {
  dryRun: boolean;
  region?: string;
  /** Called after each secret looked at, for a progress bar. */
  progress?: (done: number, total: number) => void;
}

export async function rotateDue(home: Home, nowMs: number, opts: RotateDueOptions): Promise<DueSummary> {
  const summary: DueSummary = { Now: formatTime(nowMs), DryRun: opts.dryRun, Due: [], Rotated: [], Failed: [], Skipped: [], Purged: [], PurgeWaits: [] };
  const rotate = findOperation('RotateSecret')!;
  const backend = backendOf(home);
  const work: { region: string; name: string; scan: SecretStorage; live: SecretStorage }[] = [];
  for (const region of opts.region ? [opts.region] : await backend.regions()) {
    // A store whose clock is at the beginning of time reads every secret and purges none.
    const scan = backend.secrets(region, () => Number.NEGATIVE_INFINITY);
    const live = backend.secrets(region, () => nowMs);
    for (const name of (await scan.names()).sort()) work.push({ region, name, scan, live });
  }
  for (const [index, { region, name, scan, live }] of work.entries()) {
    opts.progress?.(index, work.length);
    let secret: SecretRecord | undefined;
    try {
      secret = await scan.get(name);
    } catch (err) {
      const e = err as ServiceError;
      summary.Failed.push({ Region: region, SecretName: name, Code: e.code ?? 'InternalFailure', Message: e.message });
      continue;
    }
    if (!secret) continue;
    const deletion = deletionState(secret, nowMs, Date.now());
    if (deletion !== 'present') {
      const entry = { Region: region, SecretName: name, PlannedDeleteTime: secret.plannedDeleteTime };
      // Reading it past its date purges it, with an audit line; a rehearsal clock alone purges nothing.
      if (deletion === 'purge' && !opts.dryRun) await live.get(name);
      (deletion === 'purge' ? summary.Purged : summary.PurgeWaits).push(entry);
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
  await rotateDueKeys(home, nowMs, opts, summary);
  opts.progress?.(work.length, work.length);
  return summary;
}

/**
 * Keys with automatic rotation whose NextRotationDate has passed get a new version through the
 * CreateKeyVersion operation (audited like a manual one); Disabled and pending keys wait.
 */
async function rotateDueKeys(home: Home, nowMs: number, opts: RotateDueOptions, summary: DueSummary): Promise<void> {
  const createVersion = findOperation('CreateKeyVersion')!;
  const backend = backendOf(home);
  for (const region of opts.region ? [opts.region] : await backend.regions()) {
    const store = backend.keys(region, () => nowMs);
    for (const keyId of await store.keyIds()) {
      let due: DueEntry | undefined;
      try {
        const key = await store.get(keyId);
        if (key && isRotationDue(key, nowMs)) due = { Region: region, KeyId: keyId, NextRotationDate: key.rotation.nextRotationDate };
      } catch (err) {
        const e = err as ServiceError;
        summary.Failed.push({ Region: region, KeyId: keyId, Code: e.code ?? 'InternalFailure', Message: e.message });
        continue;
      }
      if (!due) continue;
      summary.Due.push(due);
      if (opts.dryRun) continue;
      try {
        const response = await invoke(createVersion, { KeyId: keyId }, { home, region, nowMs });
        summary.Rotated.push({ ...due, KeyVersionId: (response.KeyVersion as { KeyVersionId: string }).KeyVersionId });
      } catch (err) {
        summary.Failed.push({ ...due, Code: err instanceof ServiceError ? err.code : 'InternalFailure', Message: (err as Error).message });
      }
    }
  }
}
