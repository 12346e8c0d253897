/**
 * Deletion, restore and expiry rules (docs/design.md §4 rule 9), as pure functions:
 * (secret, input, now) -> outcome or a ServiceError. No file system, clock or randomness.
 */
import { ServiceError, invalidParameter } from '../errors/errors.js';
import type { SecretMetadata, SecretRecord } from './model.js';
import { DAY_MS, formatTime, parseTime } from './time.js';

export const RecoveryWindow = { minDays: 7, maxDays: 30, defaultDays: 30 } as const;

export interface DeleteRequest {
  /** RecoveryWindowInDays as given, or undefined for the default. */
  recoveryWindowInDays?: number;
  /** ForceDeleteWithoutRecovery=true. */
  force?: boolean;
}

export type DeleteOutcome =
  /** The file goes now; `plannedDeleteTime` is the moment of deletion. */
  | { kind: 'remove'; plannedDeleteTime: string }
  /** The secret stays, pending deletion until `plannedDeleteTime`. */
  | { kind: 'schedule'; secret: SecretRecord; plannedDeleteTime: string };

/** Whether the secret waits in its recovery window. */
export function isPendingDeletion(secret: SecretMetadata): boolean {
  return secret.plannedDeleteTime !== undefined;
}

/** Once PlannedDeleteTime has come, the secret is gone for every operation. */
export function isPastDeletion(secret: SecretMetadata, nowMs: number): boolean {
  if (secret.plannedDeleteTime === undefined) return false;
  const planned = parseTime(secret.plannedDeleteTime);
  return planned !== undefined && planned <= nowMs;
}

/**
 * Where a secret stands against its PlannedDeleteTime, by two clocks: the one the request runs on
 * (KMS_LOCAL_NOW when rehearsing a schedule) and the real one.
 * - `present`: not past it by the request's clock (it may still be pending deletion);
 * - `gone`: past it by the request's clock only: it reads as deleted, but its file stays;
 * - `purge`: past it by both clocks: the file goes now.
 * A rehearsal therefore shows what will happen and never destroys anything.
 */
export type DeletionState = 'present' | 'gone' | 'purge';

export function deletionState(secret: SecretMetadata, nowMs: number, realNowMs: number): DeletionState {
  if (!isPastDeletion(secret, nowMs)) return 'present';
  return isPastDeletion(secret, realNowMs) ? 'purge' : 'gone';
}

/**
 * A write to the name of a secret that is gone by the request's clock but not yet by the real one
 * (a rehearsal): refused, because it would destroy a secret that still exists.
 */
export function rehearsedDeletionConflict(secret: SecretMetadata): ServiceError {
  return new ServiceError(
    'Rejected.ResourceInDeleteWindow',
    `The secret '${secret.name}' is deleted at the rehearsal time (KMS_LOCAL_NOW) but really only at ${secret.plannedDeleteTime}; until then its name cannot be reused.`,
  );
}

/** A secret pending deletion refuses every change but DeleteSecret and RestoreSecret. */
export function assertNotPendingDeletion(secret: SecretRecord): void {
  if (isPendingDeletion(secret)) {
    throw new ServiceError(
      'Rejected.ResourceInDeleteWindow',
      `The secret '${secret.name}' is planned to be deleted at ${secret.plannedDeleteTime}; restore it with RestoreSecret first.`,
    );
  }
}

/** The recovery window in days: 7 to 30, 30 when not given; not together with force. */
export function recoveryWindowDays(request: DeleteRequest): number {
  const days = request.recoveryWindowInDays;
  if (request.force && days !== undefined) {
    throw invalidParameter('RecoveryWindowInDays cannot be given with ForceDeleteWithoutRecovery=true.');
  }
  if (days === undefined) return RecoveryWindow.defaultDays;
  if (!Number.isInteger(days) || days < RecoveryWindow.minDays || days > RecoveryWindow.maxDays) {
    throw invalidParameter(`RecoveryWindowInDays must be an integer from ${RecoveryWindow.minDays} to ${RecoveryWindow.maxDays}.`);
  }
  return days;
}

/**
 * DeleteSecret: force removes at once (also a secret already pending); otherwise the secret is
 * scheduled for deletion `days` from now, and a secret already pending refuses a second schedule.
 */
export function planDeletion(secret: SecretRecord, request: DeleteRequest, nowMs: number): DeleteOutcome {
  const days = recoveryWindowDays(request);
  const now = formatTime(nowMs);
  if (request.force) return { kind: 'remove', plannedDeleteTime: now };
  if (isPendingDeletion(secret)) {
    throw new ServiceError(
      'Rejected.ResourceInDeleteWindow',
      `The secret '${secret.name}' is already planned to be deleted at ${secret.plannedDeleteTime}; ForceDeleteWithoutRecovery=true deletes it now.`,
    );
  }
  const plannedDeleteTime = formatTime(nowMs + days * DAY_MS);
  return { kind: 'schedule', secret: { ...secret, plannedDeleteTime, updateTime: now }, plannedDeleteTime };
}

export type RestoreOutcome = { secret: SecretRecord; changed: boolean };

/** RestoreSecret: cancels a planned deletion; a secret that is not pending is a success with no change. */
export function restoreSecret(secret: SecretRecord, nowMs: number): RestoreOutcome {
  if (!isPendingDeletion(secret)) return { secret, changed: false };
  const { plannedDeleteTime: _cancelled, ...rest } = secret;
  return { secret: { ...rest, updateTime: formatTime(nowMs) }, changed: true };
}
