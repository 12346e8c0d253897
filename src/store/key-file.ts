/**
 * The stored form of a key and of a region's alias table, whichever store keeps it (files under
 * the home, or rows of a PostgreSQL store): `{schemaVersion, region, <body>, mac}` with a MAC
 * under the master key over its canonical text, read back only when its text is exactly what is
 * written here. Key material inside is sealed under the master key with the key id and version id
 * bound to it. Pure: no I/O.
 */
import { ServiceError } from '../errors/errors.js';
import { IntegrityError, type Keyring } from '../crypto/envelope.js';
import type { Alias, KeyRecord, KeyVersionRecord } from '../core/keys.js';
import type { EncryptedPayload } from '../core/model.js';
import { canonicalJson } from './secret-file.js';

export const KEY_FILE_SCHEMA_VERSION = 1;

export type AliasRecord = Alias;

interface KeyFile {
  schemaVersion: number;
  region: string;
  /** Its place in the key's history, checked against the file store's manifest (absent before it, and in a database). */
  generation?: number;
  key: KeyRecord;
  mac: string;
}

export interface AliasFile {
  schemaVersion: number;
  region: string;
  generation?: number;
  /** The master key whose MAC the file carries (an alias file has nothing sealed to tell it). */
  masterKeyId: string;
  aliases: AliasRecord[];
  mac: string;
}

/** The master keys a stored key or alias table may be under: the current one, or a rekey's next one. */
export interface KeyringSource {
  keys(): Keyring;
  keyring(keyId: string): Keyring | undefined;
}

export function keyIntegrityError(what: string, why: string): ServiceError {
  return new ServiceError('Rejected.IntegrityCheckFailed', `The ${what} failed its integrity check: ${why}.`);
}

/** The additional data the material of one key version is sealed with: no secret name has a ':'. */
function materialName(keyId: string): string {
  return `key:${keyId}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The shape a key file must have before its MAC is even checked. */
function looksLikeKeyFile(file: unknown): file is KeyFile {
  if (!isObject(file) || file.schemaVersion !== KEY_FILE_SCHEMA_VERSION || typeof file.region !== 'string' || typeof file.mac !== 'string') return false;
  const key = file.key;
  if (!isObject(key) || typeof key.keyId !== 'string' || !Array.isArray(key.versions) || key.versions.length === 0) return false;
  return key.versions.every((v: unknown) => isObject(v) && typeof v.keyVersionId === 'string' && isObject(v.material) && typeof v.material.keyId === 'string');
}

function looksLikeAliasFile(file: unknown): file is AliasFile {
  return (
    isObject(file) &&
    file.schemaVersion === KEY_FILE_SCHEMA_VERSION &&
    typeof file.region === 'string' &&
    typeof file.masterKeyId === 'string' &&
    typeof file.mac === 'string' &&
    Array.isArray(file.aliases) &&
    file.aliases.every((a: unknown) => isObject(a) && typeof a.aliasName === 'string' && typeof a.keyId === 'string')
  );
}

/** A key's stored text, verified (its shape, its key, its MAC, its exact text). */
export function decodeKeyFile(text: string, keyId: string, region: string, keyrings: KeyringSource): KeyRecord {
  return decodeStampedKeyFile(text, keyId, region, keyrings).key;
}

/** decodeKeyFile, with the file's generation (0 when it has none) and MAC. */
export function decodeStampedKeyFile(text: string, keyId: string, region: string, keyrings: KeyringSource): { key: KeyRecord; generation: number; mac: string } {
  const what = `key '${keyId}'`;
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    throw keyIntegrityError(what, 'its file is not valid JSON');
  }
  if (!looksLikeKeyFile(file)) throw keyIntegrityError(what, 'its file does not have the shape of a key file');
  if (file.key.keyId !== keyId || file.region !== region) throw keyIntegrityError(what, 'its file holds another key');
  const writtenWith = file.key.versions[0]!.material.keyId;
  const keys = keyrings.keyring(writtenWith);
  if (!keys) {
    throw keyIntegrityError(
      what,
      `it was written under master key ${writtenWith}, but the current master key is ${keyrings.keys().keyId} (check KMS_LOCAL_MASTER_KEY)`,
    );
  }
  const { mac, ...body } = file;
  if (!keys.verifyFileMac(canonicalJson(body), mac) || text !== `${JSON.stringify(file, null, 2)}\n`) {
    throw keyIntegrityError(what, 'its file was modified outside kms-local');
  }
  return { key: file.key, generation: file.generation ?? 0, mac };
}

export function encodeKeyFile(key: KeyRecord, region: string, keys: Keyring): string {
  return encodeStampedKeyFile(key, region, keys).text;
}

/** The text and MAC of a key's file; with a generation in the file store, which keeps a manifest. */
export function encodeStampedKeyFile(key: KeyRecord, region: string, keys: Keyring, generation?: number): { text: string; mac: string } {
  const body = { schemaVersion: KEY_FILE_SCHEMA_VERSION, region, ...(generation === undefined ? {} : { generation }), key };
  const mac = keys.fileMac(canonicalJson(body));
  return { text: `${JSON.stringify({ ...body, mac }, null, 2)}\n`, mac };
}

/** An alias table's stored text, verified like a key's. */
export function decodeAliasFile(text: string, region: string, keyrings: KeyringSource): AliasFile {
  const what = `alias table of ${region}`;
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    throw keyIntegrityError(what, 'its file is not valid JSON');
  }
  if (!looksLikeAliasFile(file) || file.region !== region) throw keyIntegrityError(what, 'its file does not have the shape of an alias table');
  const keys = keyrings.keyring(file.masterKeyId);
  if (!keys) throw keyIntegrityError(what, `it was written under master key ${file.masterKeyId}, but the current master key is ${keyrings.keys().keyId}`);
  const { mac, ...body } = file;
  if (!keys.verifyFileMac(canonicalJson(body), mac) || text !== `${JSON.stringify(file, null, 2)}\n`) {
    throw keyIntegrityError(what, 'its file was modified outside kms-local');
  }
  return file;
}

export function encodeAliasFile(aliases: readonly AliasRecord[], region: string, keys: Keyring): string {
  return encodeStampedAliasFile(aliases, region, keys).text;
}

/** The text and MAC of an alias table; with a generation in the file store, which keeps a manifest. */
export function encodeStampedAliasFile(aliases: readonly AliasRecord[], region: string, keys: Keyring, generation?: number): { text: string; mac: string } {
  const sorted = [...aliases].sort((a, b) => (a.aliasName < b.aliasName ? -1 : a.aliasName > b.aliasName ? 1 : 0));
  const body = { schemaVersion: KEY_FILE_SCHEMA_VERSION, region, ...(generation === undefined ? {} : { generation }), masterKeyId: keys.keyId, aliases: sorted };
  const mac = keys.fileMac(canonicalJson(body));
  return { text: `${JSON.stringify({ ...body, mac }, null, 2)}\n`, mac };
}

export function sealKeyMaterial(keys: Keyring, keyId: string, keyVersionId: string, material: Buffer): EncryptedPayload {
  return keys.sealValue(materialName(keyId), keyVersionId, material);
}

/** The plaintext material of one version; the caller zeroes it after use. */
export function openKeyMaterial(keyrings: KeyringSource, key: KeyRecord, version: KeyVersionRecord): Buffer {
  const keys = keyrings.keyring(version.material.keyId);
  if (!keys) throw keyIntegrityError(`key '${key.keyId}'`, `version '${version.keyVersionId}' is sealed under an unknown master key`);
  try {
    return keys.openValue(materialName(key.keyId), version.keyVersionId, version.material);
  } catch (err) {
    if (err instanceof IntegrityError) throw keyIntegrityError(`key '${key.keyId}'`, err.message);
    throw err;
  }
}

/** Moves every version of `key` under `to` (rekey, and any write after an unfinished one). */
export function rewrapKey(keyrings: KeyringSource, key: KeyRecord, to: Keyring): KeyRecord {
  if (key.versions.every((v) => v.material.keyId === to.keyId)) return key;
  const versions = key.versions.map((version) => {
    if (version.material.keyId === to.keyId) return version;
    const material = openKeyMaterial(keyrings, key, version);
    try {
      return { ...version, material: sealKeyMaterial(to, key.keyId, version.keyVersionId, material) };
    } finally {
      material.fill(0);
    }
  });
  return { ...key, versions };
}
