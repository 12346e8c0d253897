/**
 * The on-disk format of one secret: `{schemaVersion, region, secret, mac}`, validated against
 * secret-file.schema.json on every read and write, and authenticated with a MAC (keyed by the
 * master key) over its canonical text, and read back only when its text is exactly what is written
 * here, so that any changed byte is detected, not just changed ciphertext.
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';
import type { Keyring } from '../crypto/envelope.js';
import type { SecretRecord } from '../core/model.js';
import validateSecretFile from './generated/validate-secret-file.js';

export const SCHEMA_VERSION = 1;

interface SecretFile {
  schemaVersion: number;
  region: string;
  /** Its place in the secret's history, checked against the region's manifest (absent before manifests). */
  generation?: number;
  secret: SecretRecord;
  mac: string;
}

/**
 * JSON with keys sorted at every level: the text the MAC is computed over (code-unit order;
 * integer-like keys still come first, as JSON enumerates them). test/unit/canonical-json.test.ts
 * holds it to the pair form every file was written under.
 *
 * Objects whose keys are in order already are written as they are, and only the others copied
 * sorted. Files are written in that order (encodeStampedSecretFile), so a file read back is
 * checked without a copy. A JSON.stringify replacer that copied every object made this the largest
 * allocation of a PutSecretValue (some 80 KB of young garbage at 10 versions), and pushed it over
 * a young collection.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(inKeyOrder(value, ''));
}

/** `value` with the keys of every object in sorted order: the same value when they all are. */
export function inKeyOrder(value: unknown, key: string | number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // What JSON.stringify writes for an object with toJSON (a Date) is what toJSON returns.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return inKeyOrder((toJSON as (key: string) => unknown).call(value, String(key)), key);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const ordered = inKeyOrder(value[i], i);
      if (ordered !== value[i]) (copy ??= value.slice())[i] = ordered;
    }
    return copy ?? value;
  }
  const object = value as Record<string, unknown>;
  let previous: string | undefined;
  let sorted = true;
  let changed: Map<string, unknown> | undefined;
  // for...in lists an object's own keys in the order Object.keys does, without making the array.
  for (const name in object) {
    if (!Object.hasOwn(object, name)) continue;
    if (previous !== undefined && previous > name) sorted = false;
    previous = name;
    const ordered = inKeyOrder(object[name], name);
    if (ordered !== object[name]) (changed ??= new Map()).set(name, ordered);
  }
  if (sorted && changed === undefined) return object;
  const names = Object.keys(object);
  if (!sorted) names.sort();
  // Entry pairs rather than assignment: a key `__proto__` (from JSON) stays a key.
  return Object.fromEntries(names.map((name) => [name, changed?.has(name) ? changed.get(name) : object[name]]));
}

/** A safe, unique file name for any valid secret name (which may contain `/`, `+` and `=`). */
export function fileNameFor(secretName: string): string {
  let encoded = keptAsIs(secretName) ? secretName : secretName.replace(/[^A-Za-z0-9_.@=-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (encoded.startsWith('.')) encoded = `%2E${encoded.slice(1)}`;
  if (encoded.length > 200) {
    // File names are limited to 255 bytes; a long name keeps a readable prefix and a hash.
    encoded = `${encoded.slice(0, 180)}~${createHash('sha256').update(secretName).digest('hex').slice(0, 24)}`;
  }
  return `${encoded}.json`;
}

/**
 * Whether every character of a name stays as it is in its file name (A-Z a-z 0-9 _ . @ = -): a plain
 * name then runs no expression, each of which costs about 20 us the first time a process uses it.
 */
function keptAsIs(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const kept = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 64 || c === 61 || c === 45;
    if (!kept) return false;
  }
  return true;
}

/** The secret name a file name stands for (the inverse of fileNameFor, for names kept whole). */
export function decodeFileName(fileName: string): string {
  return fileName.replace(/\.json$/, '').replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export function integrityError(secretName: string, why: string): ServiceError {
  return new ServiceError('Rejected.IntegrityCheckFailed', `The secret '${secretName}' failed its integrity check: ${why}.`);
}

function describeSchemaError(): string {
  const first = (validateSecretFile as unknown as { errors?: { instancePath: string; message?: string }[] }).errors?.[0];
  return first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'unknown schema error';
}

/** A secret as read from its file, with what the file says of itself (checked against the manifest). */
export interface StampedSecret {
  secret: SecretRecord;
  /** 0 for a file written before manifests. */
  generation: number;
  mac: string;
}

export function encodeSecretFile(secret: SecretRecord, region: string, keys: Keyring): string {
  return encodeStampedSecretFile(secret, region, keys).text;
}

/** The file's text and MAC; with a generation when the store keeps a manifest (the file store). */
export function encodeStampedSecretFile(secret: SecretRecord, region: string, keys: Keyring, generation?: number): { text: string; mac: string } {
  // Written with its keys in order, so that a read checks it without copying it (canonicalJson).
  const body = inKeyOrder({ schemaVersion: SCHEMA_VERSION, region, ...(generation === undefined ? {} : { generation }), secret }, '') as Omit<SecretFile, 'mac'>;
  const file: SecretFile = { ...body, mac: keys.fileMac(JSON.stringify(body)) };
  if (!validateSecretFile(file)) {
    throw new ServiceError('InternalFailure', `Refusing to write secret '${secret.name}': ${describeSchemaError()}.`);
  }
  return { text: `${JSON.stringify(file, null, 2)}\n`, mac: file.mac };
}

/** The master key a file was written under: every version of a file is sealed under the same key. */
export function fileKeyId(secret: SecretRecord): string | undefined {
  return secret.versions[0]?.payload.keyId;
}

export function decodeSecretFile(
  text: string,
  secretName: string,
  region: string,
  keyringFor: (keyId: string) => Keyring | undefined,
  currentKeyId: string,
): SecretRecord {
  return decodeStampedSecretFile(text, secretName, region, keyringFor, currentKeyId).secret;
}

/** A file's generation and MAC as it claims them, unverified: for enrolling a store into its manifest. */
export function claimedStamp(text: string): { name: string; generation: number; mac: string } | undefined {
  try {
    const file = JSON.parse(text) as Partial<SecretFile>;
    const name = file.secret?.name;
    if (typeof name !== 'string' || typeof file.mac !== 'string') return undefined;
    return { name, generation: Number.isSafeInteger(file.generation) ? file.generation! : 0, mac: file.mac };
  } catch {
    return undefined;
  }
}

/**
 * The last secret file text verified in this process, and the keyring that verified it. A write
 * reads its secret twice, before sealing the value and again under the lock; when the second read
 * finds the very same text, and the same keyring is still the one for its key, the checks of the
 * first (schema, MAC, exact form: about 0.4 ms) need not run again, being a pure function of those.
 */
export class LastVerified {
  private last: { name: string; text: string; keyId: string; keys: Keyring } | undefined;

  holds(name: string, text: string, keyringFor: (keyId: string) => Keyring | undefined): boolean {
    const last = this.last;
    return last !== undefined && last.name === name && last.text === text && keyringFor(last.keyId) === last.keys;
  }

  remember(name: string, text: string, keyId: string, keys: Keyring): void {
    this.last = { name, text, keyId, keys };
  }
}

export function decodeStampedSecretFile(
  text: string,
  secretName: string,
  region: string,
  keyringFor: (keyId: string) => Keyring | undefined,
  currentKeyId: string,
  lastVerified?: LastVerified,
): StampedSecret {
  let file: SecretFile;
  try {
    file = JSON.parse(text) as SecretFile;
  } catch {
    throw integrityError(secretName, 'its file is not valid JSON');
  }
  if (!lastVerified?.holds(secretName, text, keyringFor)) {
    const { keyId, keys } = verify(file, text, secretName, region, keyringFor, currentKeyId);
    lastVerified?.remember(secretName, text, keyId, keys);
  }
  return { secret: file.secret, generation: file.generation ?? 0, mac: file.mac };
}

/** Every check of a parsed file and its text; the key it was written under, and that key's keyring. */
function verify(
  file: SecretFile,
  text: string,
  secretName: string,
  region: string,
  keyringFor: (keyId: string) => Keyring | undefined,
  currentKeyId: string,
): { keyId: string; keys: Keyring } {
  if (!validateSecretFile(file)) throw integrityError(secretName, `its file does not match the schema (${describeSchemaError()})`);
  if (file.secret.name !== secretName || file.region !== region) {
    throw integrityError(secretName, 'its file holds another secret');
  }
  const writtenWith = fileKeyId(file.secret) ?? currentKeyId;
  const keys = keyringFor(writtenWith);
  if (!keys) {
    throw integrityError(
      secretName,
      `it was written under master key ${writtenWith}, but the current master key is ${currentKeyId} (check KMS_LOCAL_MASTER_KEY)`,
    );
  }
  const { mac, ...body } = file;
  // The MAC covers the content; the text must also be exactly what encodeSecretFile writes, so that
  // no byte can change unnoticed (white space, a key given twice, a key moved).
  if (!keys.verifyFileMac(canonicalJson(body), mac) || text !== `${JSON.stringify(file, null, 2)}\n`) {
    throw integrityError(secretName, 'its file was modified outside kms-local');
  }
  return { keyId: writtenWith, keys };
}
