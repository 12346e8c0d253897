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

/**
 * `true` / `false` in any case: the Python SDKs send `str(True)` = `True`, the Go and Java SDKs
 * and the aliyun CLI `true`; the service takes all of them.
 */
export function parseBool(name: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
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

/**
 * The spec a name given in a request belongs to, in any form a client sends it: the exact name, a
 * RepeatList's `Name.N[.Field]` (or its bare `Name`, as a JSON array), or the flattened form
 * `Name.Key.Sub` of a parameter. Undefined when no spec of `specs` claims the name.
 */
export function paramOf(specs: readonly ParamSpec[], name: string): ParamSpec | undefined {
  const exact = matchParam(specs, name);
  if (exact) return exact;
  // The longest spec name first: `ExtendedConfig.CustomData.X` is CustomData's, not ExtendedConfig's.
  let best: ParamSpec | undefined;
  for (const spec of specs) {
    if (spec.fromRegion) continue;
    if ((name === spec.name || name.startsWith(`${spec.name}.`)) && (!best || spec.name.length > best.name.length)) best = spec;
  }
  return best;
}

/**
 * The spec of `name` when it is a form decodeParams accepts (exact, `Name.N[.Field]`, a bare
 * RepeatList, or a flattened JSON-typed parameter); undefined otherwise. The CLI takes these flags
 * and calls every other name not a valid parameter, as the aliyun CLI does.
 */
export function acceptedForm(specs: readonly ParamSpec[], name: string): ParamSpec | undefined {
  const spec = paramOf(specs, name);
  if (!spec || name === spec.name || matchParam([spec], name)) return spec;
  return !spec.repeat && spec.rule.kind === 'json' ? spec : undefined;
}

/** Puts `value` at `path` of `tree`; a path that is both a value and a structure is refused. */
function insertAt(tree: Record<string, unknown>, path: readonly string[], value: string, name: string): void {
  let node = tree;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    const existing = node[segment];
    if (segment === '' || (existing !== undefined && (last || typeof existing !== 'object'))) {
      throw invalidParameter(`${name} conflicts with another parameter of the same structure.`);
    }
    if (last) node[segment] = value;
    else node = (node[segment] ??= {}) as Record<string, unknown>;
  });
}

/** Objects whose keys are all 1, 2, ... become arrays in that order (a flattened list: `X.1`, `X.2`). */
function listsFromIndexes(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, listsFromIndexes(v)] as const);
  const indexes = entries.map(([k]) => (/^[1-9]\d{0,8}$/.test(k) ? Number(k) : NaN));
  if (entries.length > 0 && indexes.every((n) => !Number.isNaN(n))) {
    return entries.map((e, i) => [indexes[i]!, e[1]] as const).sort(([a], [b]) => a - b).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

export interface DecodedParams {
  /** One raw string value per parameter (RepeatLists as `Name.N[.Field]`), ready for validateParams. */
  raw: Record<string, string>;
  /** Names no spec claims: the server ignores them, as the service does; the CLI refuses them. */
  unknown: string[];
}

/**
 * The one decoder of request parameters, for the CLI, query strings and form bodies alike. It takes
 * every form the SDKs send (Appendix B of the API reference):
 * - a flattened structure, `ExtendedConfig.CustomData.DBName=app1` or `Tags.1.TagKey=k`, becomes
 *   the JSON text the JSON-typed parameter takes (`{"DBName":"app1"}`); `X.1`, `X.2` become a list;
 * - a RepeatList stays `Name.N[.Field]`; given bare as a JSON array (`ResourceId=["a","b"]`) it is
 *   spread into that form;
 * - a flattened form of a parameter that takes no structure (`SecretName.1=x`), or a RepeatList
 *   name with a wrong N or field, is InvalidParameter: never silently dropped.
 */
export function decodeParams(specs: readonly ParamSpec[], sent: Readonly<Record<string, string>>): DecodedParams {
  const raw: Record<string, string> = {};
  const unknown: string[] = [];
  const trees = new Map<ParamSpec, Record<string, unknown>>();
  for (const [name, value] of Object.entries(sent)) {
    const spec = paramOf(specs, name);
    if (!spec) {
      unknown.push(name);
      continue;
    }
    if (spec.repeat) {
      if (repeatKey(spec, name)) raw[name] = value;
      else if (name === spec.name) spreadRepeatList(spec, value, raw);
      else throw invalidParameter(`${name} is not a form of ${flagNames(spec).join(' / ')}.`);
      continue;
    }
    if (name === spec.name) {
      raw[name] = value;
      continue;
    }
    if (spec.rule.kind !== 'json') throw invalidParameter(`${spec.name} takes a single value; ${name} is not one of its forms.`);
    let tree = trees.get(spec);
    if (!tree) trees.set(spec, (tree = {}));
    insertAt(tree, name.slice(spec.name.length + 1).split('.'), value, name);
  }
  for (const [spec, tree] of trees) {
    if (raw[spec.name] !== undefined) throw invalidParameter(`${spec.name} is given both as JSON text and in flattened form.`);
    raw[spec.name] = JSON.stringify(listsFromIndexes(tree));
  }
  return { raw, unknown };
}

/** `ResourceId=["a","b"]` -> `ResourceId.1=a`, `ResourceId.2=b` (`Tag=[{"Key":..}]` -> `Tag.1.Key`). */
function spreadRepeatList(spec: ParamSpec, text: string, raw: Record<string, string>): void {
  const list = parseJsonText(spec.name, text);
  if (!Array.isArray(list)) throw invalidParameter(`${spec.name} must be given as ${flagNames(spec).join(' / ')} or a JSON array.`);
  list.forEach((item, i) => {
    const fields = spec.repeat!.fields;
    if (!fields) {
      if (typeof item !== 'string') throw invalidParameter(`${spec.name} must be a JSON array of strings.`);
      raw[`${spec.name}.${i + 1}`] = item;
      return;
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidParameter(`${spec.name} must be a JSON array of objects.`);
    for (const [field, value] of Object.entries(item as Record<string, unknown>)) {
      if (!fields.includes(field) || typeof value !== 'string') throw invalidParameter(`${spec.name}: each item has string fields ${fields.join(', ')} only.`);
      raw[`${spec.name}.${i + 1}.${field}`] = value;
    }
  });
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
