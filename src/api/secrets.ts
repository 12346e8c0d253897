/** Helpers the handlers share: finding a secret, refusing one pending deletion, sealing values. */
import { ServiceError, invalidParameter, notFound } from '../errors/errors.js';
import type { SecretDataType, SecretRecord, SecretVersion } from '../core/model.js';
import type { Context } from './context.js';
import { KEY_ID_PATTERN, assertUsable, keyNotFound, type KeyRecord } from '../core/keys.js';
import { IntegrityError } from '../crypto/envelope.js';
import { openUnderKey, sealUnderKey, type KeySealed } from '../crypto/key-envelope.js';
import { integrityError } from '../store/secret-file.js';
import { withKeyMaterial } from './keys.js';
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

/** What sealing a secret's value depends on: its name and the key that protects it. */
export type SealingTarget = Pick<SecretRecord, 'name' | 'encryptionKeyId'>;

/**
 * Whether `encryptionKeyId` is a customer key of the region (a secret created with
 * --EncryptionKeyId) rather than the local master key (`key-local-...`, today's default).
 */
export function isSealedByCustomerKey(encryptionKeyId: string): boolean {
  return KEY_ID_PATTERN.test(encryptionKeyId);
}

/** The customer key of a secret, usable for ENCRYPT/DECRYPT now (Rejected.Disabled, ...otherwise). */
async function usableKeyOf(ctx: Context, encryptionKeyId: string): Promise<KeyRecord> {
  const key = await ctx.keyStore.get(encryptionKeyId);
  if (!key) throw keyNotFound(encryptionKeyId);
  assertUsable(key, 'ENCRYPT/DECRYPT', ctx.nowMs);
  return key;
}

function sealingAad(secretName: string, versionId: string): Buffer {
  return Buffer.from(`${secretName}\0${versionId}`, 'utf8');
}

/**
 * Seals a value of `secret`: under the master key, and first, when the secret's EncryptionKeyId is
 * a customer key, under that key's primary version (its data key wrapped by that version).
 */
export async function sealValue(ctx: Context, secret: SealingTarget, versionId: string, data: string, dataType: SecretDataType): Promise<SealedValue> {
  if (!isSealedByCustomerKey(secret.encryptionKeyId)) return sealUnderMasterKey(ctx, secret, versionId, data, dataType);
  const plaintext = checkSecretData(data, dataType);
  let inner: Buffer | undefined;
  try {
    const key = await usableKeyOf(ctx, secret.encryptionKeyId);
    const sealed = withKeyMaterial(ctx, key, undefined, (material, version) =>
      sealUnderKey(material, key.keyId, version.keyVersionId, plaintext, sealingAad(secret.name, versionId)),
    );
    inner = Buffer.from(JSON.stringify(sealed), 'utf8');
    return storedForm(ctx, secret, versionId, dataType, plaintext, inner);
  } finally {
    plaintext.fill(0);
    inner?.fill(0);
  }
}

/**
 * sealValue for a secret under the local master key, which needs nothing read: synchronous, so that
 * a write can seal under the secret's lock, after the one read it makes (PutSecretValue).
 */
export function sealUnderMasterKey(ctx: Context, secret: SealingTarget, versionId: string, data: string, dataType: SecretDataType): SealedValue {
  if (isSealedByCustomerKey(secret.encryptionKeyId)) throw new Error(`secret '${secret.name}' is sealed by a customer key`);
  const plaintext = checkSecretData(data, dataType);
  try {
    return storedForm(ctx, secret, versionId, dataType, plaintext, undefined);
  } finally {
    plaintext.fill(0);
  }
}

/** The stored form of `plaintext` (sealed under the customer key first when `inner` is given). */
function storedForm(ctx: Context, secret: SealingTarget, versionId: string, dataType: SecretDataType, plaintext: Buffer, inner: Buffer | undefined): SealedValue {
  // Under the key the store writes with: digests are compared with the stored versions'.
  const keys = ctx.home.writeKeys();
  return {
    dataType,
    digest: keys.digest(secret.name, dataType, plaintext),
    payload: keys.sealValue(secret.name, versionId, inner ?? plaintext),
  };
}

function parseKeySealed(secretName: string, text: Buffer, encryptionKeyId: string): KeySealed {
  let sealed: Partial<KeySealed> | undefined;
  try {
    sealed = JSON.parse(text.toString('utf8')) as Partial<KeySealed>;
  } catch {
    sealed = undefined;
  }
  if (!sealed || sealed.keyId !== encryptionKeyId || typeof sealed.keyVersionId !== 'string' || typeof sealed.wrappedKey !== 'string' || typeof sealed.ciphertext !== 'string') {
    throw integrityError(secretName, `a version is not sealed under its key ${encryptionKeyId}`);
  }
  return sealed as KeySealed;
}

/**
 * Values already opened, by their version object. A version is immutable, so its value never
 * changes; only `serve` holds version objects across requests (its ReadCache keeps a record while its
 * file is unchanged), and an entry goes when its record does. Any check that may refuse a read
 * (a key's state, once secrets are sealed by customer keys) must come before this lookup.
 */
const opened = new WeakMap<SecretVersion, string>();

/**
 * The value of one version of `secret`. A secret sealed by a customer key is readable only while
 * that key is Enabled (Rejected.Disabled, Rejected.PendingDeletion; Forbidden.KeyNotFound once it is
 * gone): checked on every read, before the cache of opened values.
 */
export async function openValue(ctx: Context, secret: SealingTarget, version: SecretVersion): Promise<string> {
  const key = isSealedByCustomerKey(secret.encryptionKeyId) ? await usableKeyOf(ctx, secret.encryptionKeyId) : undefined;
  const known = opened.get(version);
  if (known !== undefined) return known;
  // After an unfinished rekey a version may be sealed under the next master key.
  const keys = ctx.home.keyring(version.payload.keyId) ?? ctx.home.keys();
  const outer = keys.openValue(secret.name, version.versionId, version.payload);
  let value: string;
  if (!key) value = outer.toString('utf8');
  else {
    try {
      const sealed = parseKeySealed(secret.name, outer, key.keyId);
      const aad = sealingAad(secret.name, version.versionId);
      value = withKeyMaterial(ctx, key, sealed.keyVersionId, (material) => {
        try {
          return openUnderKey(material, sealed, aad).toString('utf8');
        } catch (err) {
          if (err instanceof IntegrityError) throw integrityError(secret.name, err.message);
          throw err;
        }
      });
    } finally {
      outer.fill(0);
    }
  }
  opened.set(version, value);
  return value;
}

/**
 * OwingService (DescribeSecret, ListSecrets): the cloud service that manages a secret on the
 * user's behalf. No cloud service manages a kms-local secret, so it is always empty.
 */
export const OWING_SERVICE = '';
