/** Parsers for the JSON-typed parameters (VersionStages, Tags, ExtendedConfig, Policy). */
import { invalidParameter } from '../errors/errors.js';
import { Limits, type Tag } from '../core/model.js';
import { checkPolicyDocument } from '../core/policy.js';
import { parseBool, parseJsonText } from './params.js';

export const STAGE_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
/**
 * Tag keys and values: made on first use, because a regular expression with Unicode property
 * classes costs about 0.1-0.3 ms to create, which every start paid in module initialisation.
 */
let tagText: RegExp | undefined;
function isTagText(text: string): boolean {
  tagText ??= /^[\p{L}\p{N} /\\_.+=:@-]{1,128}$/u;
  return tagText.test(text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkStageName(name: string, stage: unknown): string {
  if (typeof stage !== 'string' || !STAGE_PATTERN.test(stage)) {
    throw invalidParameter(`${name}: a version stage is 1 to 64 letters, digits or _ . @ -.`);
  }
  return stage;
}

/** `["MyPendingLabel"]`, or the old `{"VersionStage":["MyPendingLabel"]}` form. */
export function parseVersionStages(value: unknown, name: string): string[] {
  const list = isPlainObject(value) && Object.keys(value).length === 1 ? value.VersionStage : value;
  if (!Array.isArray(list) || list.length === 0) throw invalidParameter(`${name} must be a non-empty JSON array of stage names.`);
  if (list.length > Limits.maxStages) throw invalidParameter(`${name} may list at most ${Limits.maxStages} stages.`);
  return [...new Set(list.map((s) => checkStageName(name, s)))];
}

export function checkTagKey(name: string, key: unknown): string {
  if (typeof key !== 'string' || !isTagText(key)) {
    throw invalidParameter(`${name}: a tag key is 1 to 128 letters, digits, spaces or / \\ _ . + = : @ -.`);
  }
  if (key.startsWith('aliyun') || key.startsWith('acs:')) {
    throw invalidParameter(`${name}: a tag key must not start with 'aliyun' or 'acs:'.`);
  }
  return key;
}

export function parseTags(value: unknown, name: string): Tag[] {
  if (!Array.isArray(value)) throw invalidParameter(`${name} must be a JSON array of {"TagKey","TagValue"} objects.`);
  if (value.length > Limits.maxTags) throw invalidParameter(`${name} may hold at most ${Limits.maxTags} tags.`);
  const seen = new Set<string>();
  return value.map((tag) => {
    if (!isPlainObject(tag) || Object.keys(tag).some((k) => k !== 'TagKey' && k !== 'TagValue')) {
      throw invalidParameter(`${name} must be a JSON array of {"TagKey","TagValue"} objects.`);
    }
    const key = checkTagKey(name, tag.TagKey);
    if (typeof tag.TagValue !== 'string' || !isTagText(tag.TagValue)) {
      throw invalidParameter(`${name}: a tag value is 1 to 128 letters, digits, spaces or / \\ _ . + = : @ -.`);
    }
    if (seen.has(key)) throw invalidParameter(`${name} lists the tag key '${key}' twice.`);
    seen.add(key);
    return { TagKey: key, TagValue: tag.TagValue };
  });
}

export function parseJsonObject(value: unknown, name: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalidParameter(`${name} must be a JSON object.`);
  return value;
}

/** A secret policy: `{"Version":"1","Statement":[{"Effect":"Allow"|"Deny","Action":...}]}` (core/policy.ts). */
export function parsePolicy(value: unknown, name: string): string {
  return checkPolicyDocument(value, name);
}

/** UntagResource TagKeys: a JSON array `["k1","k2"]` or a comma list `k1,k2`. */
export function parseTagKeys(raw: string, name: string): string[] {
  const text = raw.trim();
  let keys: unknown;
  if (text.startsWith('[')) {
    keys = parseJsonText(name, text);
    if (!Array.isArray(keys)) throw invalidParameter(`${name} must be a JSON array of tag keys or a comma-separated list.`);
  } else {
    keys = text.split(',').map((k) => k.trim());
  }
  const list = keys as unknown[];
  if (list.length === 0) throw invalidParameter(`${name} must list at least one tag key.`);
  if (list.length > Limits.maxTags) throw invalidParameter(`${name} may list at most ${Limits.maxTags} tag keys.`);
  return [...new Set(list.map((k) => checkTagKey(name, k)))];
}

/** One item of BatchGetSecretValue's SecretsList, as GetSecretValue takes its parameters. */
export interface SecretsListItem {
  SecretName: string;
  VersionId?: string;
  VersionStage?: string;
  FetchExtendedConfig?: boolean;
}

export const BATCH_GET_MAX_SECRETS = 20;

/**
 * SecretsList: `[{"SecretName":"a","VersionStage":"ACSCurrent","FetchExtendedConfig":"true"}, ...]`,
 * 1 to 20 items. FetchExtendedConfig is a string in the SDK models ("true"/"True") or a JSON boolean.
 */
export function parseSecretsList(value: unknown, name: string): SecretsListItem[] {
  const shape = `${name} must be a JSON array of {"SecretName","VersionId","VersionStage","FetchExtendedConfig"} objects`;
  if (!Array.isArray(value) || value.length === 0) throw invalidParameter(`${shape}, at least one.`);
  if (value.length > BATCH_GET_MAX_SECRETS) throw invalidParameter(`${name} may list at most ${BATCH_GET_MAX_SECRETS} secrets.`);
  return value.map((item) => {
    if (!isPlainObject(item)) throw invalidParameter(`${shape}.`);
    const out: SecretsListItem = { SecretName: '' };
    for (const [key, v] of Object.entries(item)) {
      if (key === 'FetchExtendedConfig') {
        if (typeof v === 'boolean') out.FetchExtendedConfig = v;
        else if (typeof v === 'string') out.FetchExtendedConfig = parseBool(`${name}: FetchExtendedConfig`, v);
        else throw invalidParameter(`${name}: FetchExtendedConfig must be true or false.`);
        continue;
      }
      if (key !== 'SecretName' && key !== 'VersionId' && key !== 'VersionStage') throw invalidParameter(`${shape}; ${key} is not one of them.`);
      if (typeof v !== 'string' || v.length === 0 || v.length > (key === 'SecretName' ? 256 : 64)) throw invalidParameter(`${name}: ${key} must be a non-empty string.`);
      if (key === 'VersionStage') checkStageName(name, v);
      out[key] = v;
    }
    if (!out.SecretName) throw invalidParameter(`${name}: every item needs a SecretName.`);
    return out;
  });
}

/** TagResources Tag.N: {Key, Value} pairs, checked as TagResource's Tags are. */
export function parseTagPairs(value: unknown, name: string): Tag[] {
  const list = value as { Key?: string; Value?: string }[];
  if (list.some((t) => t.Key === undefined || t.Value === undefined)) throw invalidParameter(`every ${name}.N needs both ${name}.N.Key and ${name}.N.Value.`);
  return parseTags(list.map((t) => ({ TagKey: t.Key, TagValue: t.Value })), name);
}
