/** Tag rules of a secret (TagResource, UntagResource, ListTagResources), as pure functions. */
import { ServiceError, invalidParameter } from '../errors/errors.js';
import { Limits, type SecretMetadata, type SecretRecord, type Tag } from './model.js';

/** TagResource: a given key replaces that tag's value, new keys are added; at most 20 tags in all. */
export function addTags(secret: SecretRecord, tags: readonly Tag[], now: string): SecretRecord {
  if (tags.length === 0) throw invalidParameter('Tags must list at least one tag.');
  const merged = secret.tags.map((t) => ({ ...t }));
  for (const tag of tags) {
    const existing = merged.find((t) => t.TagKey === tag.TagKey);
    if (existing) existing.TagValue = tag.TagValue;
    else merged.push({ TagKey: tag.TagKey, TagValue: tag.TagValue });
  }
  if (merged.length > Limits.maxTags) {
    throw new ServiceError(
      'Rejected.LimitExceeded',
      `The secret '${secret.name}' would carry ${merged.length} tags; at most ${Limits.maxTags} are allowed.`,
    );
  }
  return { ...secret, tags: merged, updateTime: now };
}

/** UntagResource: removes the tags with these keys; a key the secret does not carry is ignored. */
export function removeTags(secret: SecretRecord, keys: readonly string[], now: string): { secret: SecretRecord; changed: boolean } {
  if (keys.length === 0) throw invalidParameter('TagKeys must list at least one tag key.');
  const kept = secret.tags.filter((t) => !keys.includes(t.TagKey));
  if (kept.length === secret.tags.length) return { secret, changed: false };
  return { secret: { ...secret, tags: kept.map((t) => ({ ...t })), updateTime: now }, changed: true };
}

/** A ListTagResources tag condition: the key, and the value when one was given. */
export interface TagCondition {
  key: string;
  value?: string;
}

export interface TagRow {
  ResourceId: string;
  ResourceType: 'secret' | 'key';
  TagKey: string;
  TagValue: string;
}

/**
 * ListTagResources: a secret (or key: its id as the name) qualifies when it carries every condition's tag (and value, when given);
 * the rows are all the tags of the qualifying secrets, ordered by ResourceId, then TagKey.
 */
export function tagRows(
  secrets: readonly Pick<SecretMetadata, 'name' | 'tags'>[],
  conditions: readonly TagCondition[],
  resourceType: TagRow['ResourceType'] = 'secret',
): TagRow[] {
  const qualifies = (s: Pick<SecretMetadata, 'name' | 'tags'>): boolean =>
    conditions.every((c) => s.tags.some((t) => t.TagKey === c.key && (c.value === undefined || t.TagValue === c.value)));
  const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return secrets
    .filter(qualifies)
    .flatMap((s) => s.tags.map((t): TagRow => ({ ResourceId: s.name, ResourceType: resourceType, TagKey: t.TagKey, TagValue: t.TagValue })))
    .sort((a, b) => byCodeUnits(a.ResourceId, b.ResourceId) || byCodeUnits(a.TagKey, b.TagKey));
}

/** One page of rows and the offset of the next page, if any. */
export function pageRows<T>(rows: readonly T[], offset: number, size: number): { page: T[]; nextOffset?: number } {
  const page = rows.slice(offset, offset + size);
  const next = offset + size;
  return next < rows.length ? { page, nextOffset: next } : { page };
}
