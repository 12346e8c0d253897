/**
 * Version and stage rules (docs/design.md §4 rules 1-8), as pure functions:
 * (secret, input, now) -> new secret or a ServiceError. No file system, clock or randomness.
 */
import { ServiceError, invalidParameter, notFound } from '../errors/errors.js';
import {
  ACS_CURRENT,
  ACS_PREVIOUS,
  Limits,
  distinctStages,
  findVersion,
  holderOf,
  type SecretRecord,
  type SecretVersion,
} from './model.js';

/** A copy deep enough that callers can change stages without touching the input. */
function copySecret(secret: SecretRecord): SecretRecord {
  return { ...secret, tags: [...secret.tags], versions: secret.versions.map((v) => ({ ...v, stages: [...v.stages] })) };
}

/** Takes `stage` away from whichever version holds it. */
function detachStage(secret: SecretRecord, stage: string): void {
  for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== stage);
}

/**
 * Gives `stage` to `target` (rule 3: a stage labels at most one version). Moving ACSCurrent hands
 * ACSPrevious to the version that held ACSCurrent until now (rules 1, 2, 6).
 */
function attachStage(secret: SecretRecord, stage: string, target: SecretVersion): void {
  if (target.stages.includes(stage)) return;
  if (stage === ACS_CURRENT) {
    const formerCurrent = holderOf(secret, ACS_CURRENT);
    if (formerCurrent && formerCurrent !== target) {
      detachStage(secret, ACS_PREVIOUS);
      formerCurrent.stages.push(ACS_PREVIOUS);
    }
  }
  detachStage(secret, stage);
  target.stages.push(stage);
}

function assertStageLimit(secret: SecretRecord): void {
  const count = distinctStages(secret).size;
  if (count > Limits.maxStages) {
    throw new ServiceError(
      'Rejected.LimitExceeded',
      `The secret would carry ${count} version stages; at most ${Limits.maxStages} are allowed.`,
    );
  }
}

/** Rule 5: while there are more than 10 versions, the oldest version without a stage goes. */
function evictBeyondCap(secret: SecretRecord): void {
  while (secret.versions.length > Limits.maxVersions) {
    const oldestUnstaged = secret.versions.findIndex((v) => v.stages.length === 0);
    if (oldestUnstaged < 0) return; // cannot happen while maxStages < maxVersions
    secret.versions.splice(oldestUnstaged, 1);
  }
}

export interface NewVersion {
  versionId: string;
  dataType: SecretVersion['dataType'];
  digest: string;
  payload: SecretVersion['payload'];
  /** Explicit stages (rule 2), or undefined for the default ACSCurrent rotation (rule 1). */
  stages?: string[];
}

export type PutOutcome = { secret: SecretRecord; version: SecretVersion; changed: boolean };

/** Rules 1, 2, 3, 4, 5: store a new version of a secret. */
export function putVersion(secret: SecretRecord, input: NewVersion, now: string): PutOutcome {
  const existing = findVersion(secret, input.versionId);
  if (existing) {
    // Rule 4: versions are immutable; an identical retry is a success that changes nothing.
    if (existing.digest === input.digest && existing.dataType === input.dataType) {
      return { secret, version: existing, changed: false };
    }
    throw new ServiceError(
      'Rejected.ResourceExist',
      `The version '${input.versionId}' already exists with different data; versions cannot be changed.`,
    );
  }
  const next = copySecret(secret);
  const version: SecretVersion = {
    versionId: input.versionId,
    createTime: now,
    stages: [],
    dataType: input.dataType,
    digest: input.digest,
    payload: input.payload,
  };
  next.versions.push(version);
  // ACSCurrent first: its ACSPrevious shift must not undo an ACSPrevious listed explicitly.
  const stages = input.stages ?? [ACS_CURRENT];
  const ordered = stages.includes(ACS_CURRENT) ? [ACS_CURRENT, ...stages.filter((s) => s !== ACS_CURRENT)] : stages;
  for (const stage of ordered) attachStage(next, stage, version);
  assertStageLimit(next);
  evictBeyondCap(next);
  next.updateTime = now;
  return { secret: next, version, changed: true };
}

export interface StageMove {
  stage: string;
  moveToVersion?: string;
  removeFromVersion?: string;
}

function requireVersion(secret: SecretRecord, versionId: string): SecretVersion {
  const version = findVersion(secret, versionId);
  if (!version) throw notFound(`version '${versionId}' of secret '${secret.name}'`);
  return version;
}

/** Rule 6: UpdateSecretVersionStage. */
export function updateVersionStage(secret: SecretRecord, move: StageMove, now: string): SecretRecord {
  const { stage, moveToVersion, removeFromVersion } = move;
  const isSystemStage = stage === ACS_CURRENT || stage === ACS_PREVIOUS;
  if (moveToVersion === undefined && removeFromVersion === undefined) {
    throw invalidParameter('give MoveToVersion, RemoveFromVersion, or both.');
  }
  const next = copySecret(secret);
  if (removeFromVersion !== undefined) {
    const from = requireVersion(next, removeFromVersion);
    if (!from.stages.includes(stage)) {
      throw invalidParameter(`the version '${removeFromVersion}' does not hold the stage '${stage}'.`);
    }
    if (moveToVersion === undefined) {
      if (isSystemStage) throw invalidParameter(`the stage '${stage}' can only be moved (give MoveToVersion), not removed.`);
      detachStage(next, stage);
    }
  }
  if (moveToVersion !== undefined) attachStage(next, stage, requireVersion(next, moveToVersion));
  assertStageLimit(next);
  next.updateTime = now;
  return next;
}

export interface VersionSelector {
  versionId?: string;
  versionStage?: string;
}

/** Rule 7: which version GetSecretValue reads. */
export function selectVersion(secret: SecretRecord, selector: VersionSelector): SecretVersion {
  const { versionId, versionStage } = selector;
  if (versionId !== undefined) {
    const version = requireVersion(secret, versionId);
    if (versionStage !== undefined && !version.stages.includes(versionStage)) {
      throw invalidParameter(`the version '${versionId}' does not hold the stage '${versionStage}'.`);
    }
    return version;
  }
  const stage = versionStage ?? ACS_CURRENT;
  const holder = holderOf(secret, stage);
  if (!holder) throw notFound(`no version of secret '${secret.name}' holds the stage '${stage}'`);
  return holder;
}

export interface VersionPage {
  total: number;
  versions: SecretVersion[];
}

/** Rule 8: ListSecretVersionIds, newest first, deprecated (stage-less) versions only on request. */
export function listVersions(
  secret: SecretRecord,
  opts: { includeDeprecated: boolean; pageNumber: number; pageSize: number },
): VersionPage {
  const visible = secret.versions.filter((v) => opts.includeDeprecated || v.stages.length > 0).reverse();
  const start = (opts.pageNumber - 1) * opts.pageSize;
  return { total: visible.length, versions: visible.slice(start, start + opts.pageSize) };
}
