/**
 * ListSecrets: the Filters parameter and the listing rules, as pure functions.
 *
 * Matching (the service documents no match type; this is kms-local's rule, docs/operations/ListSecrets.md):
 * - SecretName, Description: the value is a case-sensitive substring of the field.
 * - TagKey, TagValue: the secret carries a tag with exactly that key / exactly that value.
 * - SecretType: exact, the value in any case (RDS is Rds); DKMSInstanceId: exact.
 * - Creator: exact; every kms-local secret is created by the local account (its 16-digit id).
 * Values within one filter are OR-ed; filters are AND-ed (a key given twice must satisfy both).
 * An empty Values list sets no condition.
 */
import { invalidParameter } from '../errors/errors.js';
import { SECRET_NAME_PATTERN, type SecretMetadata } from './model.js';

export const FILTER_KEYS = ['SecretName', 'Description', 'TagKey', 'TagValue', 'DKMSInstanceId', 'SecretType', 'Creator'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export const SECRET_TYPES = ['Generic', 'Rds', 'Redis', 'RAMCredentials', 'ECS', 'PolarDB'] as const;

export interface SecretFilter {
  key: FilterKey;
  values: string[];
}

const MAX_FILTERS = 10;
const MAX_VALUES = 10;

type ValueCheck = (value: string) => string | undefined;
const lengthCheck = (max: number): ValueCheck => (v) => (v.length >= 1 && v.length <= max ? undefined : `is 1 to ${max} characters`);

const VALUE_CHECKS: Record<FilterKey, ValueCheck> = {
  SecretName: (v) => (SECRET_NAME_PATTERN.test(v) ? undefined : 'is 1 to 192 letters, digits or _ / + = . @ -'),
  Description: lengthCheck(256),
  TagKey: lengthCheck(256),
  TagValue: lengthCheck(256),
  DKMSInstanceId: lengthCheck(128),
  SecretType: (v) => (canonicalType(v) ? undefined : `is one of ${SECRET_TYPES.join(', ')} (in any case, as the documented RDS)`),
  Creator: lengthCheck(128),
};

/** A SecretType filter value in any case (the documentation spells Rds as RDS), as the type is stored. */
function canonicalType(value: string): string | undefined {
  return SECRET_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `[{"Key":"SecretName","Values":["a","b"]}, ...]`, checked; anything else is InvalidParameter. */
export function parseFilters(value: unknown, name: string): SecretFilter[] {
  const shape = `${name} must be a JSON array of {"Key": ..., "Values": [...]} objects`;
  if (!Array.isArray(value)) throw invalidParameter(`${shape}.`);
  if (value.length > MAX_FILTERS) throw invalidParameter(`${name} may hold at most ${MAX_FILTERS} filters.`);
  return value.map((item) => {
    if (!isPlainObject(item) || Object.keys(item).some((k) => k !== 'Key' && k !== 'Values')) throw invalidParameter(`${shape}.`);
    const key = item.Key;
    if (typeof key !== 'string' || !(FILTER_KEYS as readonly string[]).includes(key)) {
      throw invalidParameter(`${name}: Key must be one of ${FILTER_KEYS.join(', ')}.`);
    }
    const values = item.Values;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      throw invalidParameter(`${name}: Values of ${key} must be a JSON array of strings.`);
    }
    if (values.length > MAX_VALUES) throw invalidParameter(`${name}: Values of ${key} may hold at most ${MAX_VALUES} values.`);
    for (const v of values as string[]) {
      const problem = VALUE_CHECKS[key as FilterKey](v);
      if (problem) throw invalidParameter(`${name}: a ${key} value ${problem}.`);
    }
    const checked = key === 'SecretType' ? (values as string[]).map((v) => canonicalType(v)!) : (values as string[]);
    return { key: key as FilterKey, values: checked };
  });
}

/** What a filter compares a value against. */
export interface FilterContext {
  /** The creator of every secret: the local account id. */
  creator: string;
}

function matchesValue(secret: SecretMetadata, key: FilterKey, value: string, ctx: FilterContext): boolean {
  switch (key) {
    case 'SecretName':
      return secret.name.includes(value);
    case 'Description':
      return secret.description.includes(value);
    case 'TagKey':
      return secret.tags.some((t) => t.TagKey === value);
    case 'TagValue':
      return secret.tags.some((t) => t.TagValue === value);
    case 'DKMSInstanceId':
      return secret.dkmsInstanceId === value;
    case 'SecretType':
      return secret.type === value;
    case 'Creator':
      return ctx.creator === value;
  }
}

/** Values of one filter are OR-ed, filters are AND-ed; an empty Values list sets no condition. */
export function matchesFilters(secret: SecretMetadata, filters: readonly SecretFilter[], ctx: FilterContext): boolean {
  return filters.every((f) => f.values.length === 0 || f.values.some((v) => matchesValue(secret, f.key, v, ctx)));
}

export interface SecretPage<T> {
  total: number;
  secrets: T[];
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export type ListOptions = { filters: readonly SecretFilter[]; pageNumber: number; pageSize: number } & FilterContext;

/**
 * ListSecrets: the matching secrets (pending deletion included), ordered by SecretName (code units,
 * so the order is the same everywhere), one page of them. `metadataOf` gives a secret's metadata,
 * asked only when a filter sets a condition: a store may read each secret's metadata lazily, and
 * an unfiltered page then costs the metadata of its own secrets only.
 */
export function listSecrets<T extends SecretMetadata>(secrets: readonly T[], opts: ListOptions): SecretPage<T>;
export function listSecrets<T extends { readonly name: string }>(secrets: readonly T[], opts: ListOptions, metadataOf: (secret: T) => SecretMetadata): SecretPage<T>;
export function listSecrets<T extends { readonly name: string }>(
  secrets: readonly T[],
  opts: ListOptions,
  metadataOf: (secret: T) => SecretMetadata = (secret) => secret as unknown as SecretMetadata,
): SecretPage<T> {
  const conditions = opts.filters.filter((f) => f.values.length > 0);
  const matching = conditions.length === 0 ? [...secrets] : secrets.filter((s) => matchesFilters(metadataOf(s), conditions, opts));
  matching.sort((a, b) => byCodeUnits(a.name, b.name));
  const start = (opts.pageNumber - 1) * opts.pageSize;
  return { total: matching.length, secrets: matching.slice(start, start + opts.pageSize) };
}
