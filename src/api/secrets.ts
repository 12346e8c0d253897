/** Helpers the handlers share: finding a secret, refusing one pending deletion, sealing values. */
import { ServiceError, invalidParameter, notFound } from '../errors/errors.js';
import type { SecretDataType, SecretRecord, SecretVersion } from '../core/model.js';
import type { Context } from './context.js';
import { assertNotPendingDeletion } from '../core/lifecycle.js';

export function wrapStages(stages: readonly string[]): { VersionStage: string[] } {
  return { VersionStage: [...stages] };
}

export function requireSecret(secret: SecretRecord | undefined, name: string): SecretRecord {
  if (!secret) throw notFound(`secret '${name}'`);
  return secret;
}

/** docs/design.md §4 rule 9: a secret pending deletion refuses everything but Describe, List, Restore, Delete. */
export function requireActive(secret: SecretRecord): SecretRecord {
  assertNotPendingDeletion(secret);
  return secret;
}

export function requireGeneric(secret: SecretRecord, operation: string): void {
  if (secret.type !== 'Generic') {
    throw new ServiceError('UnsupportedOperation', `${operation} is not supported for ${secret.type} secrets.`);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The value as stored: binary data arrives and leaves as base64 text, and must be valid base64. */
export function checkSecretData(data: string, dataType: SecretDataType): Buffer {
  if (dataType === 'binary' && !BASE64.test(data)) {
    throw invalidParameter('SecretData must be base64 text when SecretDataType is binary.');
  }
  return Buffer.from(data, 'utf8');
}

export interface SealedValue {
  dataType: SecretDataType;
  digest: string;
  payload: SecretVersion['payload'];
}

export function sealValue(ctx: Context, secretName: string, versionId: string, data: string, dataType: SecretDataType): SealedValue {
  const plaintext = checkSecretData(data, dataType);
  const keys = ctx.home.keys();
  try {
    return {
      dataType,
      digest: keys.digest(secretName, dataType, plaintext),
      payload: keys.sealValue(secretName, versionId, plaintext),
    };
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Values already opened, by their version object. A version is immutable, so its value never
 * changes; only `serve` holds version objects across requests (its ReadCache keeps a record while its
 * file is unchanged), and an entry goes when its record does. Any check that may refuse a read
 * (a key's state, once secrets are sealed by customer keys) must come before this lookup.
 */
const opened = new WeakMap<SecretVersion, string>();

export function openValue(ctx: Context, secretName: string, version: SecretVersion): string {
  const known = opened.get(version);
  if (known !== undefined) return known;
  // After an unfinished rekey a version may be sealed under the next master key.
  const keys = ctx.home.keyring(version.payload.keyId) ?? ctx.home.keys();
  const value = keys.openValue(secretName, version.versionId, version.payload).toString('utf8');
  opened.set(version, value);
  return value;
}

/**
 * OwingService (DescribeSecret, ListSecrets): the cloud service that manages a secret on the
 * user's behalf. No cloud service manages a kms-local secret, so it is always empty.
 */
export const OWING_SERVICE = '';
