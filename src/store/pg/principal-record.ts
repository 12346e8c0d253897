/**
 * How a principal is kept in a shared store's row: its AccessKey secret sealed under the master key
 * (Keyring.sealValue with the name `principal:<profile>`, which no secret can have, and the
 * AccessKeyId as the version: a sealed secret copied to another principal or id fails to open),
 * and a MAC over the whole record, so that someone who can write the database but has no master
 * key can neither read a secret nor attach, detach or move a policy or an AccessKey.
 */
import { ServiceError } from '../../errors/errors.js';
import { IntegrityError, type Keyring } from '../../crypto/envelope.js';
import type { EncryptedPayload } from '../../core/model.js';
import type { Principal } from '../../core/principals.js';

interface PrincipalRow {
  format: 'kms-local-principal-1';
  profile: string;
  accessKeyId: string;
  /** Absent when the principal has no AccessKey secret. */
  sealedSecret?: EncryptedPayload;
  policies: string[];
  policyDocuments: string[];
}

/** The name a principal's AccessKey secret is sealed under (a secret name never holds ':'). */
export function sealName(profile: string): string {
  return `principal:${profile}`;
}

function canonical(row: PrincipalRow): string {
  // Fixed key order: the MAC is over this text.
  const { format, profile, accessKeyId, sealedSecret, policies, policyDocuments } = row;
  return JSON.stringify({ format, profile, accessKeyId, sealedSecret: sealedSecret ?? null, policies, policyDocuments });
}

export function principalIntegrityError(profile: string, why: string): ServiceError {
  return new ServiceError('Rejected.IntegrityCheckFailed', `The principal '${profile}' of the store failed its integrity check: ${why}.`);
}

/** The row's text: sealed and MAC'd under `keys` (the current master key). */
export function encodePrincipal(principal: Principal, keys: Keyring): string {
  const row: PrincipalRow = {
    format: 'kms-local-principal-1',
    profile: principal.profile,
    accessKeyId: principal.accessKeyId,
    policies: principal.policies,
    policyDocuments: principal.policyDocuments,
  };
  if (principal.accessKeySecret !== '') {
    row.sealedSecret = keys.sealValue(sealName(principal.profile), principal.accessKeyId, Buffer.from(principal.accessKeySecret, 'utf8'));
  }
  const text = canonical(row);
  return JSON.stringify({ keyId: keys.keyId, row: text, mac: keys.fileMac(text) });
}

/** The principal a row holds, checked against its MAC and the profile it is stored under. */
export function decodePrincipal(text: string, profile: string, keyringFor: (keyId: string) => Keyring | undefined): Principal {
  let stored: { keyId?: unknown; row?: unknown; mac?: unknown };
  try {
    stored = JSON.parse(text) as typeof stored;
  } catch {
    throw principalIntegrityError(profile, 'its row is not valid JSON');
  }
  if (typeof stored.keyId !== 'string' || typeof stored.row !== 'string' || typeof stored.mac !== 'string') {
    throw principalIntegrityError(profile, 'its row is not a sealed principal');
  }
  const keys = keyringFor(stored.keyId);
  if (!keys) throw principalIntegrityError(profile, `it is sealed under a master key this host does not have (${stored.keyId})`);
  if (!keys.verifyFileMac(stored.row, stored.mac)) throw principalIntegrityError(profile, 'its MAC does not match (changed outside kms-local, or another master key)');
  const row = JSON.parse(stored.row) as PrincipalRow;
  if (row.profile !== profile) throw principalIntegrityError(profile, 'its row holds another principal');
  let accessKeySecret = '';
  if (row.sealedSecret) {
    try {
      accessKeySecret = keys.openValue(sealName(profile), row.accessKeyId, row.sealedSecret).toString('utf8');
    } catch (err) {
      if (err instanceof IntegrityError) throw principalIntegrityError(profile, err.message);
      throw err;
    }
  }
  return { profile, accessKeyId: row.accessKeyId, accessKeySecret, policies: [...row.policies], policyDocuments: [...row.policyDocuments] };
}

/** The master key id a row says it is sealed under (checked when it is decoded), or undefined. */
export function sealedUnder(text: string): string | undefined {
  try {
    const keyId = (JSON.parse(text) as { keyId?: unknown }).keyId;
    return typeof keyId === 'string' ? keyId : undefined;
  } catch {
    return undefined;
  }
}
