/**
 * Parameter specs and their validation. A spec says everything the table knows of a parameter:
 * its aliyun type (for help), whether it is required, its help text and the rule its value obeys.
 * Values arrive as strings (from argv or an HTTP query) and leave typed, or as InvalidParameter.
 */
import { invalidParameter } from '../errors/errors.js';

export type AliyunType = 'String' | 'Integer' | 'Boolean' | 'RepeatList';

export type Rule =
  | { kind: 'text'; min?: number; max?: number; pattern?: RegExp; patternHelp?: string }
  | { kind: 'bytes'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'json'; parse: (value: unknown, name: string) => unknown }
  | { kind: 'custom'; parse: (raw: string, name: string) => unknown };

export interface ParamSpec {
  name: string;
  type: AliyunType;
  required?: boolean;
  help: string;
  rule: Rule;
  /** The value is a secret: never echoed in an error, a dry run or help. */
  sensitive?: boolean;
  /**
   * A RepeatList (aliyun CLI): given as `--Name.1 a --Name.2 b`, or `--Name.1.Key k` when it has
   * `fields`. Its value is an array ordered by N; `rule` checks each element (or field).
   */
  repeat?: { max: number; fields?: readonly string[] };
  /** Filled from the request's region (--region, --RegionId, profile, default), never from a parameter. */
  fromRegion?: boolean;
}

export type ParamValues = Record<string, unknown>;

function checkText(name: string, value: string, rule: Extract<Rule, { kind: 'text' }>): string {
  const { min = 1, max, pattern, patternHelp } = rule;
  if (value.length < min) throw invalidParameter(`${name} must not be empty.`);
  if (max !== undefined && value.length > max) throw invalidParameter(`${name} must be at most ${max} characters.`);
  if (pattern && !pattern.test(value)) throw invalidParameter(`${name} ${patternHelp ?? `must match ${pattern.source}`}.`);
  return value;
}

export function parseBool(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParameter(`${name} must be true or false.`);
}

export function parseIntInRange(name: string, value: string, min: number, max: number): number {
  if (!/^-?\d{1,16}$/.test(value)) throw invalidParameter(`${name} must be an integer from ${min} to ${max}.`);
  const n = Number(value);
  if (n < min || n > max) throw invalidParameter(`${name} must be an integer from ${min} to ${max}.`);
  return n;
}

/** Parses JSON text; nesting deeper than 32 levels is refused before it can cost anything. */
export function parseJsonText(name: string, value: string): unknown {
  let depth = 0;
  let maxDepth = 0;
  let inString = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') maxDepth = Math.max(maxDepth, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  if (maxDepth > 32) throw invalidParameter(`${name} is nested too deeply.`);
  try {
    return JSON.parse(value);
  } catch {
    throw invalidParameter(`${name} must be valid JSON.`);
  }
}

export function validateParam(spec: ParamSpec, raw: string): unknown {
  const { rule, name } = spec;
  switch (rule.kind) {
    case 'text':
      return checkText(name, raw, rule);
    case 'bytes': {
      const size = Buffer.byteLength(raw, 'utf8');
      if (size < rule.min) throw invalidParameter(`${name} must not be empty.`);
      if (size > rule.max) throw invalidParameter(`${name} must be at most ${rule.max} bytes.`);
      return raw;
    }
    case 'bool':
      return parseBool(name, raw);
    case 'int':
      return parseIntInRange(name, raw, rule.min, rule.max);
    case 'enum':
      if (!rule.values.includes(raw)) throw invalidParameter(`${name} must be one of: ${rule.values.join(', ')}.`);
      return raw;
    case 'json':
      return rule.parse(parseJsonText(name, raw), name);
    case 'custom':
      return rule.parse(raw, name);
  }
}

/** For a RepeatList spec, the N (and field) of a name such as `Tag.3.Key`; undefined when it is not one. */
function repeatKey(spec: ParamSpec, name: string): { index: number; field?: string } | undefined {
  if (!spec.repeat || !name.startsWith(`${spec.name}.`)) return undefined;
  const match = /^([1-9]\d{0,8})(?:\.(.+))?$/.exec(name.slice(spec.name.length + 1));
  if (!match) return undefined;
  const field = match[2];
  const fields = spec.repeat.fields;
  if (fields ? field === undefined || !fields.includes(field) : field !== undefined) return undefined;
  return { index: Number(match[1]), ...(field === undefined ? {} : { field }) };
}

/** The spec a parameter name belongs to: an exact name, or `Name.N[.Field]` of a RepeatList. */
export function matchParam(specs: readonly ParamSpec[], name: string): ParamSpec | undefined {
  return specs.find((s) => (s.repeat ? repeatKey(s, name) !== undefined : s.name === name && !s.fromRegion));
}

/** The flag names of a spec as help shows them: `ResourceId.n`, `Tag.n.Key`; `index` replaces n. */
export function flagNames(spec: ParamSpec, index = 'n'): string[] {
  if (!spec.repeat) return [spec.name];
  const fields = spec.repeat.fields;
  return fields ? fields.map((f) => `${spec.name}.${index}.${f}`) : [`${spec.name}.${index}`];
}

function validateRepeat(spec: ParamSpec, raw: Record<string, string>): unknown[] | undefined {
  const items = new Map<number, Record<string, unknown> | unknown>();
  for (const [name, value] of Object.entries(raw)) {
    const key = repeatKey(spec, name);
    if (!key) continue;
    if (key.index > spec.repeat!.max) throw invalidParameter(`${spec.name}.N: N must be from 1 to ${spec.repeat!.max}.`);
    const checked = validateParam({ ...spec, name }, value);
    if (key.field === undefined) items.set(key.index, checked);
    else items.set(key.index, { ...(items.get(key.index) as Record<string, unknown> | undefined), [key.field]: checked });
  }
  if (items.size === 0) return undefined;
  return [...items.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
}

/** Validates every given parameter against its spec; unknown names are the caller's business. */
export function validateParams(specs: readonly ParamSpec[], raw: Record<string, string>): ParamValues {
  const values: ParamValues = {};
  for (const spec of specs) {
    if (spec.repeat) {
      const list = validateRepeat(spec, raw);
      if (list !== undefined) values[spec.name] = list;
      continue;
    }
    if (spec.fromRegion) continue;
    const value = raw[spec.name];
    if (value !== undefined) values[spec.name] = validateParam(spec, value);
  }
  return values;
}
