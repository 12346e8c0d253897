/**
 * Moves a secret's versions under another master key: each value is opened with the key that
 * sealed it and sealed again, with a fresh data key, under the target key; its digest is
 * recomputed, since digests are keyed too. Used by `rekey`, and by every write that finds a file
 * still under the other key of an unfinished rekey, so that a file is always under one key.
 */
import type { Keyring } from '../crypto/envelope.js';
import type { SecretRecord } from '../core/model.js';
import { integrityError } from './secret-file.js';

export function isUnder(secret: SecretRecord, keys: Keyring): boolean {
  return secret.versions.every((v) => v.payload.keyId === keys.keyId);
}

export function rewrapRecord(secret: SecretRecord, keyringFor: (keyId: string) => Keyring | undefined, to: Keyring): SecretRecord {
  if (isUnder(secret, to)) return secret;
  const versions = secret.versions.map((version) => {
    if (version.payload.keyId === to.keyId) return version;
    const from = keyringFor(version.payload.keyId);
    if (!from) throw integrityError(secret.name, `version '${version.versionId}' is sealed under an unknown master key ${version.payload.keyId}`);
    const plaintext = from.openValue(secret.name, version.versionId, version.payload);
    try {
      return {
        ...version,
        digest: to.digest(secret.name, version.dataType, plaintext),
        payload: to.sealValue(secret.name, version.versionId, plaintext),
      };
    } finally {
      plaintext.fill(0);
    }
  });
  return { ...secret, versions };
}
