/**
 * The secret as the core sees it. The encrypted payload is opaque here: the core moves stages and
 * versions and never sees a plaintext value; `digest` (a keyed hash of type and value, made by the
 * crypto module) is what lets it tell "same data" from "different data".
 */

export const ACS_CURRENT = 'ACSCurrent';
export const ACS_PREVIOUS = 'ACSPrevious';
/** The stage of a dynamic secret's version while a rotation applies and verifies it. */
export const ACS_PENDING = 'ACSPending';

/** A SecretName (docs/design.md §4 rule 12). */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_/+=.@-]{1,192}$/;

/** A region id such as cn-hangzhou. It names a folder of the store, so nothing else may pass. */
export const REGION_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const SECRET_ARN = /^acs:kms:[^:]*:[^:]*:secret\/(.+)$/;

/**
 * The secret name a SecretName parameter gives: the last part of an ARN
 * (`acs:kms:<region>:<account>:secret/<name>`), or the value itself. A plain name never runs the
 * expression (each one costs about 20 us the first time a process uses it).
 */
export function secretNameIn(value: string): string {
  if (!value.startsWith('acs:kms:')) return value;
  return SECRET_ARN.exec(value)?.[1] ?? value;
}

export function isRegionId(text: string): boolean {
  return text.length <= 64 && REGION_ID_PATTERN.test(text);
}

/** docs/design.md §4: limits of the service. */
export const Limits = {
  maxVersions: 10,
  maxStages: 8,
  maxTags: 20,
} as const;

export type SecretType = 'Generic' | 'Rds' | 'Redis' | 'RAMCredentials' | 'ECS' | 'PolarDB';
export type SecretDataType = 'text' | 'binary';

export interface EncryptedPayload {
  /** The master key that wrapped the data key. */
  keyId: string;
  /** Data key wrapped by the master key (base64: iv | tag | ciphertext). */
  wrappedKey: string;
  /** Value encrypted with the data key (base64: iv | tag | ciphertext). */
  ciphertext: string;
}

export interface SecretVersion {
  versionId: string;
  createTime: string;
  stages: string[];
  dataType: SecretDataType;
  digest: string;
  payload: EncryptedPayload;
}

export interface Tag {
  TagKey: string;
  TagValue: string;
}

/** ExtendedConfig of a dynamic (ECS or Rds) secret: no credentials, only where the account lives. */
export type ExtendedConfig = Record<string, unknown>;

export type RotationStep = 'login' | 'adopt' | 'apply' | 'verify' | 'retire' | 'commit' | 'interrupted';

export interface RotationFailure {
  versionId: string;
  step: RotationStep;
  code: string;
  message: string;
  time: string;
}

/** Rotation state of a dynamic secret (absent on Generic secrets and on files written before it). */
export interface RotationRecord {
  automatic: boolean;
  intervalSeconds?: number;
  lastRotationDate?: string;
  nextRotationDate?: string;
  /** The last rotation that failed, until a rotation succeeds. */
  lastError?: RotationFailure;
  /** Versions a failed or interrupted rotation may have left on the target, newest first. */
  recoveryVersionIds?: string[];
  /** A rotation running now: who runs it and since when. */
  inProgress?: { versionId: string; startedAt: string; owner: string };
}

export interface SecretRecord {
  name: string;
  type: SecretType;
  description: string;
  createTime: string;
  updateTime: string;
  encryptionKeyId: string;
  dkmsInstanceId?: string;
  tags: Tag[];
  policy?: string;
  plannedDeleteTime?: string;
  extendedConfig?: ExtendedConfig;
  rotation?: RotationRecord;
  versions: SecretVersion[];
}

/** What ListSecrets and the metadata index know of a secret: everything but its versions. */
export type SecretMetadata = Omit<SecretRecord, 'versions'>;

/**
 * A secret of a listing: its name, and its metadata when asked. A listing needs every name but the
 * metadata of only the secrets it shows (or filters on), which a store may read lazily.
 */
export interface ListedSecret {
  readonly name: string;
  metadata(): SecretMetadata;
}

/** Metadata already at hand, as a ListedSecret. */
export function listedOf(meta: SecretMetadata): ListedSecret {
  return { name: meta.name, metadata: () => meta };
}

/** The version that holds a stage, if any. */
export function holderOf(secret: SecretRecord, stage: string): SecretVersion | undefined {
  return secret.versions.find((v) => v.stages.includes(stage));
}

export function findVersion(secret: SecretRecord, versionId: string): SecretVersion | undefined {
  return secret.versions.find((v) => v.versionId === versionId);
}

export function distinctStages(secret: SecretRecord): Set<string> {
  return new Set(secret.versions.flatMap((v) => v.stages));
}
