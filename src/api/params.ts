/**
 * Parameter specs and their validation. A spec says everything the table knows of a parameter:
 * its aliyun type (for help), whether it is required, its help text and the rule its value obeys.
 * Values arrive as strings (from argv or an HTTP query) and leave typed, or as InvalidParameter.
 */
import { invalidParameter } from '../errors/errors.js';

export type AliyunType = 'String' | 'Integer' | 'Boolean';

export type Rule =
  | { kind: 'text'; min?: number; max?: number; pattern?: RegExp; patternHelp?: string }
  | { kind: 'bytes'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'json'; parse: (value: unknown, name: string) => unknown };

export interface ParamSpec {
  name: string;
  type: AliyunType;
  required?: boolean;
  help: string;
  rule: Rule;
  /** The value is a secret: never echoed in an error, a dry run or help. */
  sensitive?: boolean;
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
  }
}

/** Validates every given parameter against its spec; unknown names are the caller's business. */
export function validateParams(specs: readonly ParamSpec[], raw: Record<string, string>): ParamValues {
  const values: ParamValues = {};
  for (const spec of specs) {
    const value = raw[spec.name];
    if (value !== undefined) values[spec.name] = validateParam(spec, value);
  }
  return values;
}
