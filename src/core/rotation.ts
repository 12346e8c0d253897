/**
 * The rotation protocol of dynamic secrets (docs/design.md §5), as one pure state machine.
 *
 * A rotation runs in three store transactions with the target work between them, so no secret
 * lock is held across the network:
 *   1. begin   (under the lock): the new credential is stored as a version under ACSPending and
 *              the secret is marked "rotation in progress" (a second rotation is then refused).
 *   2. run     (no lock): login -> [adopt] -> apply -> verify -> [retire] -> commit, one action at a
 *              time: `nextAction` says what to do, the caller does it with a target adapter and
 *              reports the result to `advance`.
 *   3. commit  (under the lock): ACSCurrent moves to the new version (ACSPrevious follows), the
 *      or fail  pending stage goes; or the failure is recorded and the pending version kept.
 *
 * Guarantees: ACSCurrent only ever moves to a credential that was just seen to log in. A failure
 * before the target changed leaves it unchanged. An apply whose reply is lost (the connection died
 * after the target took the change) is settled by a fresh login with the new credential: if it
 * works the rotation finishes forward; if not, a fresh login checks the previous credential (and
 * puts it back if only the new one logs in). A failure after the change (verification) is rolled
 * back through the session that is still open, or, if that session is gone, through a fresh login
 * with the previous credential or else the new one. So the previous credential is never left broken
 * without a word: if even that is lost (a crash, the target gone), the version that may now be on
 * the target is remembered, and the next rotation tries it to log in: if it works, that version is
 * adopted as ACSCurrent first, and the rotation goes on from it.
 *
 * The steps per subtype:
 *   ECS Password, Rds SingleUser: log in with ACSCurrent, set the new password, verify a login.
 *   ECS SSHKey: log in with ACSCurrent's key, add the new public key, verify a login with the new
 *     key, then remove every other key of the secret ("retire"), then commit.
 *   Rds DoubleUsers: log in as the ACSPrevious account, reset its password, verify, then commit,
 *     which swaps the stages: the account read as ACSCurrent before never stops working.
 */
import { ServiceError } from '../errors/errors.js';
import {
  ACS_CURRENT,
  ACS_PENDING,
  ACS_PREVIOUS,
  findVersion,
  holderOf,
  type RotationFailure,
  type RotationRecord,
  type RotationStep,
  type SecretRecord,
  type SecretVersion,
} from './model.js';
import type { DynamicSubType } from './dynamic.js';
import { nextDueAfter } from './rotation-policy.js';
import { putVersion, updateVersionStage, type NewVersion } from './versions.js';

/** How many versions that may hold the target's credential are remembered for recovery. */
const MAX_RECOVERY_CANDIDATES = 3;

// ---------------------------------------------------------------------------------------------
// The secret record across a rotation

export type RotationPlan =
  /** The VersionId already went through a rotation (or creation): success, nothing to do. */
  | { kind: 'done'; version: SecretVersion }
  /** The VersionId is the pending version of a rotation that failed: run it again. */
  | { kind: 'resume'; version: SecretVersion }
  | { kind: 'new' };

function rotationOf(secret: SecretRecord): RotationRecord {
  return secret.rotation ?? { automatic: false };
}

function inProgressError(secret: SecretRecord): ServiceError {
  const running = secret.rotation!.inProgress!;
  return new ServiceError(
    'Rejected.RotationInProgress',
    `Your secret is being rotated, please try again later: the secret '${secret.name}' is being rotated to version '${running.versionId}' since ${running.startedAt}.`,
  );
}

/**
 * RotateSecret's VersionId is its idempotency key. `customDigest` is the digest of a custom value,
 * when one is given: a retry must bring the same value (docs/design.md §4 rule 4).
 */
export function planRotation(secret: SecretRecord, versionId: string, customDigest?: string): RotationPlan {
  const version = findVersion(secret, versionId);
  if (!version) return { kind: 'new' };
  if (customDigest !== undefined && customDigest !== version.digest) {
    throw new ServiceError('Rejected.ResourceExist', `The version '${versionId}' already exists with different data; versions cannot be changed.`);
  }
  return version.stages.includes(ACS_PENDING) ? { kind: 'resume', version } : { kind: 'done', version };
}

export interface BeginInput {
  versionId: string;
  /** The new credential, sealed; absent when resuming the pending version. */
  newVersion?: Omit<NewVersion, 'stages' | 'versionId'>;
  /** Who runs the rotation (for the in-progress marker and its staleness check). */
  owner: string;
  /** The caller found the current in-progress marker stale (its process is gone). */
  inProgressIsStale: boolean;
}

function remember(ids: readonly string[] | undefined, versionId: string, secret: SecretRecord): string[] {
  const kept = (ids ?? []).filter((id) => id !== versionId && findVersion(secret, id));
  return [versionId, ...kept].slice(0, MAX_RECOVERY_CANDIDATES);
}

/** Step 1: store the pending version and mark the rotation in progress. */
export function beginRotation(secret: SecretRecord, input: BeginInput, now: string): SecretRecord {
  let rotation = rotationOf(secret);
  if (rotation.inProgress) {
    if (!input.inProgressIsStale) throw inProgressError(secret);
    // The process that ran it is gone, possibly after changing the target: keep its version in mind.
    const stale = rotation.inProgress;
    rotation = {
      ...rotation,
      lastError: {
        versionId: stale.versionId,
        step: 'interrupted',
        code: 'Rejected.RotationFailed',
        message: `The rotation to version '${stale.versionId}' started at ${stale.startedAt} was interrupted before it finished.`,
        time: now,
      },
      recoveryVersionIds: remember(rotation.recoveryVersionIds, stale.versionId, secret),
    };
    delete rotation.inProgress;
  }
  let next = secret;
  if (input.newVersion) {
    next = putVersion(secret, { ...input.newVersion, versionId: input.versionId, stages: [ACS_PENDING] }, now).secret;
  } else if (!findVersion(secret, input.versionId)?.stages.includes(ACS_PENDING)) {
    throw new ServiceError('InternalFailure', `The version '${input.versionId}' is not pending.`);
  }
  const recoveryVersionIds = rotation.recoveryVersionIds?.filter((id) => findVersion(next, id));
  const out: RotationRecord = { ...rotation, inProgress: { versionId: input.versionId, startedAt: now, owner: input.owner } };
  if (recoveryVersionIds?.length) out.recoveryVersionIds = recoveryVersionIds;
  else delete out.recoveryVersionIds;
  return { ...next, rotation: out, updateTime: now };
}

/** Throws unless the running rotation of `secret` is the one to `versionId` by `owner`. */
function requireOwnRun(secret: SecretRecord, versionId: string, owner: string): void {
  const running = secret.rotation?.inProgress;
  if (!running || running.versionId !== versionId || running.owner !== owner) {
    throw new ServiceError(
      'Rejected.RotationFailed',
      `The rotation of '${secret.name}' to version '${versionId}' was taken over by another process; nothing was committed.`,
    );
  }
}

/**
 * A recovery: the target already holds `versionId` (an interrupted rotation had reached it).
 * It becomes ACSCurrent now, before the new rotation goes on from it.
 */
export function adoptVersion(secret: SecretRecord, versionId: string, owner: string, now: string): SecretRecord {
  const running = secret.rotation?.inProgress;
  requireOwnRun(secret, running?.versionId ?? '', owner);
  let next = updateVersionStage(secret, { stage: ACS_CURRENT, moveToVersion: versionId }, now);
  const version = findVersion(next, versionId)!;
  version.stages = version.stages.filter((s) => s !== ACS_PENDING);
  const rotation: RotationRecord = { ...rotationOf(next), lastRotationDate: now };
  delete rotation.lastError;
  delete rotation.recoveryVersionIds;
  next = { ...next, rotation };
  return next;
}

/** Step 3, success: ACSCurrent moves to the new version, ACSPrevious follows, the schedule advances. */
export function commitRotation(secret: SecretRecord, versionId: string, owner: string, now: string, nowMs: number): SecretRecord {
  requireOwnRun(secret, versionId, owner);
  const next = updateVersionStage(secret, { stage: ACS_CURRENT, moveToVersion: versionId }, now);
  const version = findVersion(next, versionId)!;
  version.stages = version.stages.filter((s) => s !== ACS_PENDING);
  const rotation: RotationRecord = { ...rotationOf(next), lastRotationDate: now };
  delete rotation.inProgress;
  delete rotation.lastError;
  delete rotation.recoveryVersionIds;
  const due = nextDueAfter(rotation, nowMs);
  if (due) rotation.nextRotationDate = due;
  return { ...next, rotation };
}

/**
 * Step 3, failure: the pending version stays (under ACSPending) for inspection and retry, the
 * error is recorded, and if the target may have taken the new credential it is remembered.
 */
export function failRotation(
  secret: SecretRecord,
  versionId: string,
  owner: string,
  failure: Omit<RotationFailure, 'versionId' | 'time'> & { targetMayHoldIt: boolean },
  now: string,
): SecretRecord {
  const rotation: RotationRecord = { ...rotationOf(secret) };
  if (rotation.inProgress?.versionId === versionId && rotation.inProgress.owner === owner) delete rotation.inProgress;
  rotation.lastError = { versionId, step: failure.step, code: failure.code, message: failure.message, time: now };
  if (failure.targetMayHoldIt) rotation.recoveryVersionIds = remember(rotation.recoveryVersionIds, versionId, secret);
  return { ...secret, rotation, updateTime: now };
}

/** The version whose credential a rotation of this subtype replaces. */
export function primaryVersion(secret: SecretRecord, subType: DynamicSubType): SecretVersion {
  const stage = subType === 'DoubleUsers' ? ACS_PREVIOUS : ACS_CURRENT;
  const holder = holderOf(secret, stage);
  if (!holder) throw new ServiceError('InternalFailure', `The secret '${secret.name}' has no version under ${stage}.`);
  return holder;
}

/**
 * The credentials to log in with, in order: the primary one, then versions an interrupted
 * rotation may have left on the target, then (DoubleUsers) the ACSCurrent account, which can
 * reset the other account's password if it has the privilege to.
 */
export function loginCandidates(secret: SecretRecord, subType: DynamicSubType): string[] {
  const ids = [primaryVersion(secret, subType).versionId, ...(secret.rotation?.recoveryVersionIds ?? [])];
  if (subType === 'DoubleUsers') ids.push(holderOf(secret, ACS_CURRENT)!.versionId);
  return [...new Set(ids)].filter((id) => findVersion(secret, id));
}

/** SSHKey: the keys to remove from authorized_keys once the new one works: every other version's. */
export function retiredVersions(secret: SecretRecord, keepVersionId: string): string[] {
  return secret.versions.map((v) => v.versionId).filter((id) => id !== keepVersionId);
}

// ---------------------------------------------------------------------------------------------
// The run: one action at a time

type RunStep = RotationStep | 'rollback' | 'restore' | 'done' | 'failed';

export interface RotationRun {
  readonly subType: DynamicSubType;
  readonly pendingVersionId: string;
  readonly primaryVersionId: string;
  readonly candidates: readonly string[];
  readonly step: RunStep;
  /** The version whose credential the session logged in with. */
  readonly loggedInWith?: string;
  /** The target was changed by this run (so a failure after it is rolled back). */
  readonly applied: boolean;
  /**
   * The apply step failed, but its reply may be what was lost (the connection died after the
   * target took the change): the verify step that follows decides whether the run goes on.
   */
  readonly applyFailure?: { code: string; message: string };
  readonly failure?: { step: RotationStep; code: string; message: string; targetMayHoldIt: boolean };
}

export type RotationAction =
  | { kind: 'login'; candidates: readonly string[] }
  | { kind: 'adopt'; versionId: string }
  | { kind: 'apply'; loggedInWith: string }
  | { kind: 'verify' }
  | { kind: 'retire'; keep: string }
  | { kind: 'commit' }
  | { kind: 'rollback'; to: string }
  /**
   * A fresh session: log in with the first of `candidates` that works; if that is not `to`, put
   * `to` back through it and check `to` with a fresh login. Report which candidate logged in.
   */
  | { kind: 'restore'; to: string; candidates: readonly string[] }
  | { kind: 'done' }
  | { kind: 'failed'; failure: NonNullable<RotationRun['failure']> };

export type StepResult = { ok: true; usedVersionId?: string } | { ok: false; code: string; message: string };

export function startRun(secret: SecretRecord, subType: DynamicSubType, pendingVersionId: string): RotationRun {
  return {
    subType,
    pendingVersionId,
    primaryVersionId: primaryVersion(secret, subType).versionId,
    candidates: loginCandidates(secret, subType),
    step: 'login',
    applied: false,
  };
}

export function nextAction(run: RotationRun): RotationAction {
  switch (run.step) {
    case 'login':
      return { kind: 'login', candidates: run.candidates };
    case 'adopt':
      return { kind: 'adopt', versionId: run.loggedInWith! };
    case 'apply':
      return { kind: 'apply', loggedInWith: run.loggedInWith! };
    case 'verify':
      return { kind: 'verify' };
    case 'retire':
      return { kind: 'retire', keep: run.pendingVersionId };
    case 'commit':
      return { kind: 'commit' };
    case 'rollback':
      return { kind: 'rollback', to: run.loggedInWith! };
    case 'restore':
      return { kind: 'restore', to: run.loggedInWith!, candidates: [run.loggedInWith!, run.pendingVersionId] };
    case 'done':
      return { kind: 'done' };
    case 'failed':
      return { kind: 'failed', failure: run.failure! };
    case 'interrupted':
      throw new Error('a run is never interrupted while it runs');
  }
}

/** A message as a sentence, to be followed by another. */
function sentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

function fail(run: RotationRun, step: RotationStep, result: { code: string; message: string }, targetMayHoldIt: boolean): RotationRun {
  return { ...run, step: 'failed', failure: { step, code: result.code, message: result.message, targetMayHoldIt } };
}

/** The next state of a run, given what its current action returned. */
export function advance(run: RotationRun, result: StepResult): RotationRun {
  const { step } = run;
  if (step === 'done' || step === 'failed' || step === 'interrupted') throw new Error(`the run has ended (${step})`);
  if (step === 'rollback') {
    const failure = run.failure!;
    if (result.ok) {
      return { ...run, step: 'failed', failure: { ...failure, message: `${sentence(failure.message)} The previous credential was restored on the target.`, targetMayHoldIt: false } };
    }
    // The open session may be what failed (a dropped connection): try again through a fresh one.
    return { ...run, step: 'restore', failure: { ...failure, message: `${sentence(failure.message)} Restoring the previous credential through the open session failed (${sentence(result.message)})` } };
  }
  if (step === 'restore') {
    const failure = run.failure!;
    let note: string;
    if (!result.ok) note = ` Restoring the previous credential through a fresh login failed too (${sentence(result.message)}) The next rotation tries both.`;
    else if (result.usedVersionId === run.loggedInWith) note = ' A fresh login with the previous credential works: it is in force on the target.';
    else note = ' The previous credential was restored through a fresh login with the new one, and a fresh login with it works.';
    return { ...run, step: 'failed', failure: { ...failure, message: sentence(failure.message) + note, targetMayHoldIt: !result.ok } };
  }
  if (!result.ok) {
    switch (step) {
      case 'apply':
        // The change may have reached the target before the error did (the reply to it lost with
        // its connection): a fresh login with the new credential decides. If it works, the
        // rotation finishes forward; if not, the previous credential is checked.
        return { ...run, step: 'verify', applyFailure: { code: result.code, message: result.message } };
      case 'verify':
        if (run.applyFailure) {
          // The apply failed and the new credential does not log in either: the change most likely
          // did not take effect. A fresh login settles that the previous credential still works
          // (or puts it back), so it is never left broken without a word.
          const failure = {
            step: 'apply' as const,
            code: run.applyFailure.code,
            message: `${sentence(run.applyFailure.message)} A fresh login with the new credential failed too (${sentence(result.message)})`,
            targetMayHoldIt: true,
          };
          return { ...run, failure, step: run.subType === 'DoubleUsers' ? 'failed' : 'restore' };
        }
        // The target took the new credential, but it does not log in: put the old one back.
        if (run.applied && run.subType !== 'DoubleUsers') {
          return { ...fail(run, step, result, true), step: 'rollback' };
        }
        return fail(run, step, result, run.applied || run.loggedInWith === run.pendingVersionId);
      case 'retire':
      case 'commit':
        return fail(run, step, result, true);
      default:
        return fail(run, step, result, false);
    }
  }
  switch (step) {
    case 'login': {
      const used = result.usedVersionId ?? run.candidates[0]!;
      if (used === run.pendingVersionId) return { ...run, loggedInWith: used, step: 'verify' };
      const adopt = used !== run.primaryVersionId && run.subType !== 'DoubleUsers';
      return { ...run, loggedInWith: used, step: adopt ? 'adopt' : 'apply' };
    }
    case 'adopt':
      return { ...run, step: 'apply' };
    case 'apply':
      return { ...run, applied: true, step: 'verify' };
    case 'verify':
      return { ...run, step: run.subType === 'SSHKey' ? 'retire' : 'commit' };
    case 'retire':
      return { ...run, step: 'commit' };
    case 'commit':
      return { ...run, step: 'done' };
  }
}
