/**
 * The secret as the core sees it. The encrypted payload is opaque here: the core moves stages and
 * versions and never sees a plaintext value; `digest` (a keyed hash of type and value, made by the
 * crypto module) is what lets it tell "same data" from "different data".
 */

export const ACS_CURRENT = 'ACSCurrent';
export const ACS_PREVIOUS = 'ACSPrevious';

/** DESIGN §4: limits of the service. */
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
  versions: SecretVersion[];
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
