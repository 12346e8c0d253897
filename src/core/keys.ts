/**
 * Keys (customer master keys) as the core sees them, and their rules as pure functions: which
 * KeySpec takes which KeyUsage, the key states and what each allows, the deletion window, the
 * automatic rotation schedule, alias names, ARNs and how a KeyId parameter names a key. No file
 * system, clock or randomness: ids, material and times come in as arguments. Key material is an
 * opaque sealed payload here, exactly as secret values are.
 */
import { ServiceError, invalidParameter } from '../errors/errors.js';
import type { EncryptedPayload, Tag } from './model.js';
import { DAY_MS, formatTime, parseTime } from './time.js';
import type { DeletionState } from './lifecycle.js';

export type KeyUsage = 'ENCRYPT/DECRYPT' | 'SIGN/VERIFY';
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KeyKind = 'symmetric' | 'rsa' | 'ec';

export interface KeySpecRule {
  kind: KeyKind;
  usages: readonly KeyUsage[];
  /** The service's default: SIGN/VERIFY when the spec can sign, ENCRYPT/DECRYPT otherwise. */
  defaultUsage: KeyUsage;
}

/** KeySpec -> what it is and the usages it takes (the service's key specification table). */
export const KEY_SPECS = {
  Aliyun_AES_256: { kind: 'symmetric', usages: ['ENCRYPT/DECRYPT'], defaultUsage: 'ENCRYPT/DECRYPT' },
  Aliyun_AES_128: { kind: 'symmetric', usages: ['ENCRYPT/DECRYPT'], defaultUsage: 'ENCRYPT/DECRYPT' },
  RSA_2048: { kind: 'rsa', usages: ['ENCRYPT/DECRYPT', 'SIGN/VERIFY'], defaultUsage: 'SIGN/VERIFY' },
  RSA_3072: { kind: 'rsa', usages: ['ENCRYPT/DECRYPT', 'SIGN/VERIFY'], defaultUsage: 'SIGN/VERIFY' },
  EC_P256: { kind: 'ec', usages: ['SIGN/VERIFY'], defaultUsage: 'SIGN/VERIFY' },
  EC_P256K: { kind: 'ec', usages: ['SIGN/VERIFY'], defaultUsage: 'SIGN/VERIFY' },
} as const satisfies Record<string, KeySpecRule>;

export type KeySpec = keyof typeof KEY_SPECS;
export const KEY_SPEC_NAMES = Object.keys(KEY_SPECS) as KeySpec[];
export const KEY_USAGES: readonly KeyUsage[] = ['ENCRYPT/DECRYPT', 'SIGN/VERIFY'];
export const DEFAULT_KEY_SPEC: KeySpec = 'Aliyun_AES_256';

/** ScheduleKeyDeletion's PendingWindowInDays. */
export const KeyDeletionWindow = { minDays: 7, maxDays: 366 } as const;
/** Automatic rotation of a key: 7 to 365 days. */
export const KeyRotationInterval = { minSeconds: 7 * 86400, maxSeconds: 365 * 86400 } as const;

export interface KeyVersionRecord {
  keyVersionId: string;
  creationDate: string;
  /** The key material (raw AES key, or a PKCS#8 DER private key), sealed under the master key. */
  material: EncryptedPayload;
}

export interface KeyRotation {
  automatic: boolean;
  intervalSeconds?: number;
  nextRotationDate?: string;
}

export interface KeyRecord {
  keyId: string;
  description: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: 'Aliyun_KMS';
  protectionLevel: 'SOFTWARE';
  creationDate: string;
  creator: string;
  state: KeyState;
  /** Only while the key is PendingDeletion: when it is deleted. */
  deleteDate?: string;
  /** Present while deletion protection is on: its description. */
  deletionProtection?: { description: string };
  rotation: KeyRotation;
  /** When the newest version was made (creation counts as the first rotation). */
  lastRotationDate: string;
  primaryKeyVersion: string;
  /** Oldest first; the last one is the primary version. */
  versions: KeyVersionRecord[];
  tags: Tag[];
  policy?: string;
  dkmsInstanceId?: string;
}

export function specRule(spec: KeySpec): KeySpecRule {
  return KEY_SPECS[spec];
}

export function isSymmetric(key: Pick<KeyRecord, 'keySpec'>): boolean {
  return specRule(key.keySpec).kind === 'symmetric';
}

/** CreateKey's KeySpec and KeyUsage: defaults filled in, a usage the spec does not take refused. */
export function checkSpecAndUsage(spec: string | undefined, usage: string | undefined): { keySpec: KeySpec; keyUsage: KeyUsage } {
  const keySpec = (spec ?? DEFAULT_KEY_SPEC) as KeySpec;
  if (!Object.hasOwn(KEY_SPECS, keySpec)) throw invalidParameter(`KeySpec must be one of: ${KEY_SPEC_NAMES.join(', ')}.`);
  const rule = specRule(keySpec);
  const keyUsage = (usage ?? rule.defaultUsage) as KeyUsage;
  if (!KEY_USAGES.includes(keyUsage)) throw invalidParameter(`KeyUsage must be one of: ${KEY_USAGES.join(', ')}.`);
  if (!rule.usages.includes(keyUsage)) {
    throw invalidParameter(`KeyUsage ${keyUsage} is not supported by KeySpec ${keySpec} (it takes ${rule.usages.join(' or ')}).`);
  }
  return { keySpec, keyUsage };
}

// --- Rotation schedule ---------------------------------------------------------------------

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

/** A key's RotationInterval (`30d`, `720h`, `604800s`; a bare number is seconds), 7 to 365 days. */
export function parseKeyRotationInterval(text: string): number {
  const match = /^(\d{1,9})([dhms]?)$/.exec(text);
  if (!match) throw invalidParameter('RotationInterval is a number with a unit d, h, m or s, such as 365d or 604800s.');
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
  if (seconds < KeyRotationInterval.minSeconds || seconds > KeyRotationInterval.maxSeconds) {
    throw invalidParameter(`RotationInterval of a key must be from 7 to 365 days (${KeyRotationInterval.minSeconds}s to ${KeyRotationInterval.maxSeconds}s).`);
  }
  return seconds;
}

/**
 * The rotation policy after CreateKey or UpdateRotationPolicy: the next rotation is due one
 * interval after the last one. Only symmetric keys rotate automatically.
 */
export function rotationPolicy(
  key: Pick<KeyRecord, 'keySpec' | 'lastRotationDate'>,
  enable: boolean,
  interval: string | undefined,
): KeyRotation {
  if (!enable) return { automatic: false };
  if (!isSymmetric(key)) {
    throw new ServiceError('UnsupportedOperation', `Automatic rotation is supported for symmetric keys only, not ${key.keySpec}.`);
  }
  if (interval === undefined) throw invalidParameter('RotationInterval is required when EnableAutomaticRotation is true.');
  const intervalSeconds = parseKeyRotationInterval(interval);
  const from = parseTime(key.lastRotationDate) ?? 0;
  return { automatic: true, intervalSeconds, nextRotationDate: formatTime(from + intervalSeconds * 1000) };
}

/** Whether automatic rotation of `key` is due at `nowMs` (a key that is not Enabled waits). */
export function isRotationDue(key: KeyRecord, nowMs: number): boolean {
  const next = key.rotation.automatic ? key.rotation.nextRotationDate : undefined;
  if (next === undefined || key.state !== 'Enabled') return false;
  return (parseTime(next) ?? Infinity) <= nowMs;
}

/** A new version becomes primary; the schedule restarts from it. The old versions stay (they decrypt). */
export function addKeyVersion(key: KeyRecord, version: KeyVersionRecord): KeyRecord {
  if (!isSymmetric(key)) {
    throw new ServiceError('UnsupportedOperation', `Only symmetric keys get new versions, not ${key.keySpec}.`);
  }
  assertNotPendingDeletion(key);
  const nowMs = parseTime(version.creationDate) ?? 0;
  const rotation: KeyRotation =
    key.rotation.automatic && key.rotation.intervalSeconds !== undefined
      ? { ...key.rotation, nextRotationDate: formatTime(nowMs + key.rotation.intervalSeconds * 1000) }
      : key.rotation;
  return {
    ...key,
    versions: [...key.versions, version],
    primaryKeyVersion: version.keyVersionId,
    lastRotationDate: version.creationDate,
    rotation,
  };
}

export function findKeyVersion(key: KeyRecord, keyVersionId: string): KeyVersionRecord {
  const version = key.versions.find((v) => v.keyVersionId === keyVersionId);
  if (!version) {
    throw new ServiceError('Forbidden.KeyVersionNotFound', `The key version '${keyVersionId}' of key '${key.keyId}' is not found.`);
  }
  return version;
}

export function primaryVersion(key: KeyRecord): KeyVersionRecord {
  return findKeyVersion(key, key.primaryKeyVersion);
}

// --- States --------------------------------------------------------------------------------

/** Past its DeleteDate a key is gone for every operation. */
export function isPastKeyDeletion(key: Pick<KeyRecord, 'state' | 'deleteDate'>, nowMs: number): boolean {
  if (key.state !== 'PendingDeletion' || key.deleteDate === undefined) return false;
  const due = parseTime(key.deleteDate);
  return due !== undefined && due <= nowMs;
}

/**
 * Where a key stands against its DeleteDate by the request's clock and the real one, as secrets do
 * (core/lifecycle.ts deletionState): `gone` reads as deleted but keeps the file (a rehearsal with
 * KMS_LOCAL_NOW), `purge` removes it.
 */
export function keyDeletionState(key: Pick<KeyRecord, 'state' | 'deleteDate'>, nowMs: number, realNowMs: number): DeletionState {
  if (!isPastKeyDeletion(key, nowMs)) return 'present';
  return isPastKeyDeletion(key, realNowMs) ? 'purge' : 'gone';
}

function stateError(key: KeyRecord): ServiceError | undefined {
  if (key.state === 'Disabled') {
    return new ServiceError('Rejected.Disabled', `The request was rejected because the key state is Disabled: key '${key.keyId}'.`);
  }
  if (key.state === 'PendingDeletion') {
    return new ServiceError(
      'Rejected.PendingDeletion',
      `The request was rejected because the key state is PendingDeletion: key '${key.keyId}' is deleted at ${key.deleteDate}.`,
    );
  }
  return undefined;
}

/**
 * A cryptographic use of `key` for `usage` (Encrypt, Decrypt, GenerateDataKey, sealing a secret,
 * signing ...): only an Enabled key of that usage may. Disabled: Rejected.Disabled; pending deletion:
 * Rejected.PendingDeletion; past its deletion date: Forbidden.KeyNotFound; another usage:
 * UnsupportedOperation.
 */
export function assertUsable(key: KeyRecord, usage: KeyUsage, nowMs: number): void {
  if (isPastKeyDeletion(key, nowMs)) throw keyNotFound(key.keyId);
  const refused = stateError(key);
  if (refused) throw refused;
  if (key.keyUsage !== usage) {
    throw new ServiceError('UnsupportedOperation', `The key '${key.keyId}' has KeyUsage ${key.keyUsage}; this operation needs ${usage}.`);
  }
}

/** A key pending deletion refuses changes (CreateAlias, CreateKeyVersion, ...): Rejected.PendingDeletion. */
export function assertNotPendingDeletion(key: KeyRecord): void {
  if (key.state === 'PendingDeletion') throw stateError(key)!;
}

function stateModifiedFailed(key: KeyRecord, why: string): ServiceError {
  return new ServiceError('Rejected.StateModifiedFailed', `Keystate modified failed: key '${key.keyId}' ${why}.`);
}

/** EnableKey / DisableKey: from Enabled or Disabled; a key pending deletion: Rejected.StateModifiedFailed. */
export function setEnabled(key: KeyRecord, enabled: boolean): KeyRecord {
  if (key.state === 'PendingDeletion') {
    throw stateModifiedFailed(key, `is pending deletion; cancel it with CancelKeyDeletion first`);
  }
  return { ...key, state: enabled ? 'Enabled' : 'Disabled' };
}

/** The deletion window in days, 7 to 366. */
export function keyDeletionWindowDays(days: number): number {
  if (!Number.isInteger(days) || days < KeyDeletionWindow.minDays || days > KeyDeletionWindow.maxDays) {
    throw invalidParameter(`PendingWindowInDays must be an integer from ${KeyDeletionWindow.minDays} to ${KeyDeletionWindow.maxDays}.`);
  }
  return days;
}

/**
 * ScheduleKeyDeletion: an Enabled or Disabled key becomes PendingDeletion until now + days. A key
 * already pending: Rejected.StateModifiedFailed; one under deletion protection: UnsupportedOperation,
 * naming the protection's description.
 */
export function scheduleKeyDeletion(key: KeyRecord, days: number, nowMs: number): KeyRecord {
  const window = keyDeletionWindowDays(days);
  if (key.state === 'PendingDeletion') throw stateModifiedFailed(key, `is already pending deletion (at ${key.deleteDate})`);
  if (key.deletionProtection) {
    throw new ServiceError(
      'UnsupportedOperation',
      `The key '${key.keyId}' has deletion protection (${key.deletionProtection.description || 'no description'}); turn it off with SetDeletionProtection first.`,
    );
  }
  return { ...key, state: 'PendingDeletion', deleteDate: formatTime(nowMs + window * DAY_MS) };
}

/** CancelKeyDeletion: a key pending deletion is Enabled again; any other: Rejected.StateModifiedFailed. */
export function cancelKeyDeletion(key: KeyRecord): KeyRecord {
  if (key.state !== 'PendingDeletion') throw stateModifiedFailed(key, `is ${key.state}, not pending deletion`);
  const { deleteDate: _cancelled, ...rest } = key;
  return { ...rest, state: 'Enabled' };
}

// --- Names: ids, ARNs, aliases ---------------------------------------------------------------

/** A key id kms-local makes (`key-` and 24 lowercase letters or digits) or an imported-style UUID. */
export const KEY_ID_PATTERN = /^(key-[a-z0-9]{8,40}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const KEY_VERSION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An alias: `alias/` then 1 to 249 letters, digits or _ - / (not `alias/acs/`, which is the service's). */
export const ALIAS_NAME_PATTERN = /^alias\/[A-Za-z0-9_/-]{1,249}$/;

export function keyArn(region: string, account: string, keyId: string): string {
  return `acs:kms:${region}:${account}:key/${keyId}`;
}

export function aliasArn(region: string, account: string, aliasName: string): string {
  return `acs:kms:${region}:${account}:${aliasName}`;
}

export function checkAliasName(name: string): string {
  if (!ALIAS_NAME_PATTERN.test(name)) {
    throw invalidParameter('AliasName must start with alias/ followed by 1 to 249 letters, digits or _ - / characters.');
  }
  if (name.startsWith('alias/acs/')) throw invalidParameter('AliasName must not start with alias/acs/ (reserved for the service).');
  return name;
}

export function keyNotFound(keyId: string): ServiceError {
  return new ServiceError('Forbidden.KeyNotFound', `The specified Key is not found: '${keyId}'.`);
}

export function aliasNotFound(alias: string): ServiceError {
  return new ServiceError('Forbidden.AliasNotFound', `The specified Alias is not found: '${alias}'.`);
}

/** What a KeyId parameter names: a key by id, or an alias (resolved by the store). */
export type KeyReference = { keyId: string } | { alias: string };

/**
 * A KeyId parameter: a key id, its ARN (`acs:kms:<region>:<account>:key/<id>`), an alias
 * (`alias/<name>`) or an alias ARN. An ARN of another region or account names nothing here.
 */
export function parseKeyReference(value: string, region: string, account: string): KeyReference {
  if (value.startsWith('acs:')) {
    const match = /^acs:kms:([^:]*):([^:]*):(key\/(.+)|alias\/.+)$/.exec(value);
    if (!match) throw invalidParameter(`KeyId '${value}' is not a key ARN (acs:kms:<region>:<account>:key/<id>) or an alias ARN.`);
    const [, arnRegion, arnAccount, resource, id] = match as unknown as [string, string, string, string, string | undefined];
    const here = arnRegion === region && arnAccount === account;
    if (id !== undefined) {
      if (!here) throw keyNotFound(value);
      return { keyId: checkKeyIdSyntax(id) };
    }
    if (!here) throw aliasNotFound(value);
    return { alias: resource };
  }
  if (value.startsWith('alias/')) return { alias: value };
  return { keyId: checkKeyIdSyntax(value) };
}

/** An id that kms-local cannot have made names no key (and never reaches the file system). */
function checkKeyIdSyntax(id: string): string {
  if (!KEY_ID_PATTERN.test(id)) throw keyNotFound(id);
  return id;
}

// --- What DescribeKey shows ------------------------------------------------------------------

/** KeyMetadata as CreateKey and DescribeKey return it (the service's field names). */
export function keyMetadata(key: KeyRecord, region: string, account: string): Record<string, unknown> {
  const rotating = key.rotation.automatic;
  return {
    Arn: keyArn(region, account, key.keyId),
    AutomaticRotation: rotating ? 'Enabled' : 'Disabled',
    CreationDate: key.creationDate,
    Creator: key.creator,
    DKMSInstanceId: key.dkmsInstanceId,
    DeleteDate: key.state === 'PendingDeletion' ? key.deleteDate : undefined,
    DeletionProtection: key.deletionProtection ? 'Enabled' : 'Disabled',
    DeletionProtectionDescription: key.deletionProtection?.description,
    Description: key.description,
    KeyId: key.keyId,
    KeySpec: key.keySpec,
    KeyState: key.state,
    KeyUsage: key.keyUsage,
    LastRotationDate: key.lastRotationDate,
    MaterialExpireTime: '',
    NextRotationDate: rotating ? key.rotation.nextRotationDate : undefined,
    Origin: key.origin,
    PrimaryKeyVersion: key.primaryKeyVersion,
    ProtectionLevel: key.protectionLevel,
    RotationInterval: rotating && key.rotation.intervalSeconds !== undefined ? `${key.rotation.intervalSeconds}s` : undefined,
  };
}

// --- Metadata changes ------------------------------------------------------------------------

export const KEY_DESCRIPTION_MAX = 8192;
export const KEY_MAX_TAGS = 20;

/** SetDeletionProtection: on with a description, or off. A key pending deletion: Rejected.PendingDeletion. */
export function setDeletionProtection(key: KeyRecord, enable: boolean, description: string | undefined): KeyRecord {
  assertNotPendingDeletion(key);
  if (!enable) {
    const { deletionProtection: _off, ...rest } = key;
    return rest;
  }
  return { ...key, deletionProtection: { description: description ?? '' } };
}

/** TagResource on a key: a given key replaces that tag's value, new keys are added; at most 20 tags. */
export function tagKey(key: KeyRecord, tags: readonly Tag[]): KeyRecord {
  if (tags.length === 0) throw invalidParameter('Tags must list at least one tag.');
  const merged = key.tags.map((t) => ({ ...t }));
  for (const tag of tags) {
    const existing = merged.find((t) => t.TagKey === tag.TagKey);
    if (existing) existing.TagValue = tag.TagValue;
    else merged.push({ TagKey: tag.TagKey, TagValue: tag.TagValue });
  }
  if (merged.length > KEY_MAX_TAGS) {
    throw new ServiceError('Rejected.LimitExceeded', `The key '${key.keyId}' would carry ${merged.length} tags; at most ${KEY_MAX_TAGS} are allowed.`);
  }
  return { ...key, tags: merged };
}

/** UntagResource on a key: removes the tags with these keys; keys it does not carry are ignored. */
export function untagKey(key: KeyRecord, tagKeys: readonly string[]): { key: KeyRecord; changed: boolean } {
  if (tagKeys.length === 0) throw invalidParameter('TagKeys must list at least one tag key.');
  const kept = key.tags.filter((t) => !tagKeys.includes(t.TagKey));
  return kept.length === key.tags.length ? { key, changed: false } : { key: { ...key, tags: kept }, changed: true };
}

/** A key that was never given a policy has the default one: the account may do everything. */
export function defaultKeyPolicy(account: string): string {
  return JSON.stringify({
    Statement: [{ Action: ['kms:*'], Effect: 'Allow', Principal: { RAM: [`acs:ram::${account}:*`] }, Resource: ['*'], Sid: 'kms default key policy' }],
    Version: '1',
  });
}

// --- ListKeys filters ------------------------------------------------------------------------

/** ListKeys filter keys; `keyId` is spelled so by the service. Values of one key are OR-ed, keys AND-ed. */
export const KEY_FILTER_KEYS = ['KeyState', 'KeySpec', 'KeyUsage', 'ProtectionLevel', 'CreatorType', 'DKMSInstanceId', 'keyId', 'AliasName', 'Creator', 'TagKey', 'TagValue'] as const;
export type KeyFilterKey = (typeof KEY_FILTER_KEYS)[number];
export interface KeyFilter {
  Key: KeyFilterKey;
  Values: string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ListKeys' Filters: a JSON array of 0 to 10 {"Key","Values"} with 0 to 10 string values each. */
export function parseKeyFilters(value: unknown, name: string): KeyFilter[] {
  if (!Array.isArray(value)) throw invalidParameter(`${name} must be a JSON array of {"Key","Values"} objects.`);
  if (value.length > 10) throw invalidParameter(`${name} may hold at most 10 filters.`);
  return value.map((f, i) => {
    if (!isPlainObject(f) || Object.keys(f).some((k) => k !== 'Key' && k !== 'Values')) {
      throw invalidParameter(`${name}[${i}] must be an object {"Key","Values"}.`);
    }
    if (typeof f.Key !== 'string' || !(KEY_FILTER_KEYS as readonly string[]).includes(f.Key)) {
      throw invalidParameter(`${name}[${i}].Key must be one of: ${KEY_FILTER_KEYS.join(', ')}.`);
    }
    const values = f.Values ?? [];
    if (!Array.isArray(values) || values.length > 10 || !values.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 256)) {
      throw invalidParameter(`${name}[${i}].Values must be a list of at most 10 strings of 1 to 256 characters.`);
    }
    return { Key: f.Key as KeyFilterKey, Values: values as string[] };
  });
}

/** The value(s) of one filter key a key has; a key's aliases are given by the caller. */
function filterValues(key: KeyRecord, filterKey: KeyFilterKey, aliases: readonly string[]): string[] {
  switch (filterKey) {
    case 'KeyState':
      return [key.state];
    case 'KeySpec':
      return [key.keySpec];
    case 'KeyUsage':
      return [key.keyUsage];
    case 'ProtectionLevel':
      return [key.protectionLevel];
    case 'CreatorType':
      return ['User'];
    case 'DKMSInstanceId':
      return key.dkmsInstanceId === undefined ? [] : [key.dkmsInstanceId];
    case 'keyId':
      return [key.keyId];
    case 'AliasName':
      return [...aliases];
    case 'Creator':
      return [key.creator];
    case 'TagKey':
      return key.tags.map((t) => t.TagKey);
    case 'TagValue':
      return key.tags.map((t) => t.TagValue);
  }
}

/** Whether `key` passes every filter (exact matches; an empty Values list sets no condition). */
export function keyMatches(key: KeyRecord, filters: readonly KeyFilter[], aliases: readonly string[] = []): boolean {
  return filters.every((f) => f.Values.length === 0 || filterValues(key, f.Key, aliases).some((v) => f.Values.includes(v)));
}

/** One page of `items` (PageNumber from 1); a page past the end is empty. */
export function pageOf<T>(items: readonly T[], pageNumber: number, pageSize: number): T[] {
  return items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
}

// --- Aliases -----------------------------------------------------------------------------------

export interface Alias {
  aliasName: string;
  keyId: string;
  creationDate: string;
}

/** The most aliases one key may have (the service's quota). */
export const MAX_ALIASES_PER_KEY = 50;

/** CreateAlias: a new name for a key that is not pending deletion; a taken name: AliasAlreadyExists. */
export function createAlias(aliases: readonly Alias[], aliasName: string, key: KeyRecord, now: string): Alias[] {
  checkAliasName(aliasName);
  if (key.state === 'PendingDeletion') {
    throw stateModifiedFailed(key, 'is pending deletion; it takes no new alias');
  }
  if (aliases.some((a) => a.aliasName === aliasName)) throw new ServiceError('AliasAlreadyExists', `AliasName Already Exists: '${aliasName}'.`);
  if (aliases.filter((a) => a.keyId === key.keyId).length >= MAX_ALIASES_PER_KEY) {
    throw new ServiceError('Rejected.LimitExceeded', `The key '${key.keyId}' already has ${MAX_ALIASES_PER_KEY} aliases.`);
  }
  return [...aliases, { aliasName, keyId: key.keyId, creationDate: now }];
}

/** UpdateAlias: points an existing alias at another key; a target pending deletion: Rejected.PendingDeletion. */
export function updateAlias(aliases: readonly Alias[], aliasName: string, target: KeyRecord): Alias[] {
  checkAliasName(aliasName);
  if (!aliases.some((a) => a.aliasName === aliasName)) throw aliasNotFound(aliasName);
  assertNotPendingDeletion(target);
  return aliases.map((a) => (a.aliasName === aliasName ? { ...a, keyId: target.keyId } : a));
}

/** DeleteAlias: removes the alias (never the key); an unknown alias: Forbidden.AliasNotFound. */
export function deleteAlias(aliases: readonly Alias[], aliasName: string): Alias[] {
  if (!aliases.some((a) => a.aliasName === aliasName)) throw aliasNotFound(aliasName);
  return aliases.filter((a) => a.aliasName !== aliasName);
}
