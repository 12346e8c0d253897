/**
 * Splits argv the way the aliyun CLI does (cli/parser.go): `--Name value`, `--Name=value`,
 * `--Name:value`; a value that starts with `-` must be given with `=`; `---x` is a value; a bare
 * `--` is refused. What a flag means (a global flag or an operation parameter) is decided here only
 * for global flags; operation parameters are checked against the table by the caller.
 */
import { CliError } from '../errors/errors.js';
import { FIELD_WORD, findGlobalFlag } from './global-flags.js';

export interface ParamArg {
  /** The parameter name, without `--` and without a `-FILE` suffix. */
  name: string;
  /** As written, for error messages. */
  flag: string;
  value: string;
  /** `--Name-FILE path`: `value` is the path to read. */
  fromFile: boolean;
}

export interface ParsedArgv {
  /** Positional words (product, operation, built-in command and its arguments), in order. */
  words: string[];
  params: ParamArg[];
  globals: Map<string, string[]>;
}

const FILE_SUFFIX = '-FILE';

export function splitFlag(arg: string): { name: string; inline: string | undefined } {
  const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  // The first '=' or ':' (string searches: this runs at every start, before any other expression).
  const equals = body.indexOf('=');
  const colon = body.indexOf(':');
  const cut = equals < 0 ? colon : colon < 0 ? equals : Math.min(equals, colon);
  return cut < 0 ? { name: body, inline: undefined } : { name: body.slice(0, cut), inline: body.slice(cut + 1) };
}

/**
 * A word that can be a flag's value: not itself a flag, unless it is `---x`, a negative number, or a
 * lone `-` (stdin, as in `--SecretData-FILE -`).
 */
export function isValueWord(word: string | undefined): word is string {
  return word !== undefined && (!word.startsWith('-') || word === '-' || word.startsWith('---') || /^-\d/.test(word));
}

/** A positional word, not a flag: `---x` and a lone `-` are words too. */
export function isWord(arg: string): boolean {
  return !arg.startsWith('-') || arg.startsWith('---') || arg === '-';
}

export function parseArgv(argv: readonly string[]): ParsedArgv {
  const parsed: ParsedArgv = { words: [], params: [], globals: new Map() };
  const seen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') throw new CliError("not support '--' in command line");
    if (isWord(arg)) {
      parsed.words.push(arg);
      continue;
    }
    const { name, inline } = splitFlag(arg);
    const global = findGlobalFlag(name);
    if (global && (arg.startsWith('--') || global.short === name)) {
      const key = global.name;
      if (parsed.globals.has(key) && !global.repeatable) throw new CliError(`parse failed flag duplicated --${key}`);
      const values = parsed.globals.get(key) ?? [];
      if (global.takes === 'value') {
        const value = inline ?? (isValueWord(argv[i + 1]) ? argv[++i] : undefined);
        if (value === undefined) throw new CliError(`--${key} must be assigned with value`);
        values.push(value);
      } else if (global.takes === 'fields') {
        if (inline !== undefined) values.push(inline);
        while (i + 1 < argv.length && FIELD_WORD.test(argv[i + 1]!)) values.push(argv[++i]!);
      }
      parsed.globals.set(key, values);
      continue;
    }
    if (!arg.startsWith('--')) throw new CliError(`'${arg}' is not a valid flag`, { kind: 'suggestible' });
    const fromFile = name.endsWith(FILE_SUFFIX) && name.length > FILE_SUFFIX.length;
    const paramName = fromFile ? name.slice(0, -FILE_SUFFIX.length) : name;
    if (seen.has(paramName)) throw new CliError(`parse failed flag duplicated --${paramName}`);
    seen.add(paramName);
    const value = inline ?? (isValueWord(argv[i + 1]) ? argv[++i] : undefined);
    if (value === undefined) throw new CliError(`--${name} must be assigned with value`);
    parsed.params.push({ name: paramName, flag: `--${name}`, value, fromFile });
  }
  return parsed;
}
