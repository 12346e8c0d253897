/**
 * The pure half of `kms-local run`: its argv, and the environment variables made from secret values.
 * Errors here name secrets and variables, never a value.
 */
import { CliError } from '../errors/errors.js';
import { secretNameIn } from '../core/model.js';

export interface RunRequest {
  /** Each secret to read and the variable it goes to, in the order given. */
  secrets: { secretName: string; variable: string }[];
  spread: boolean;
  /** Global flags accepted before `--`: region, RegionId, profile. */
  globals: Map<string, string>;
  command: string[];
}

const FLAGS = new Set(['SecretName', 'Env', 'Spread', 'region', 'RegionId', 'profile', 'help']);
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `app/db-password` -> `APP_DB_PASSWORD`; a leading digit gets a `_` in front. */
export function variableName(text: string): string {
  const name = text.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** argv after `run`: flags, then `--`, then the command. */
export function parseRunArgv(argv: readonly string[]): RunRequest | 'help' {
  const cut = argv.indexOf('--');
  const head = cut < 0 ? argv : argv.slice(0, cut);
  const request: RunRequest = { secrets: [], spread: false, globals: new Map(), command: cut < 0 ? [] : argv.slice(cut + 1) };
  for (let i = 0; i < head.length; i++) {
    const arg = head[i]!;
    if (!arg.startsWith('--')) throw new CliError(`unexpected argument '${arg}' before --. See \`kms-local run --help\`.`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!FLAGS.has(name)) {
      throw new CliError(`'--${name}' is not a valid flag of run. See \`kms-local run --help\`.`, { kind: 'suggestible' });
    }
    if (name === 'help') return 'help';
    const value = eq >= 0 ? arg.slice(eq + 1) : head[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new CliError(`--${name} must be assigned with value`);
    if (name === 'SecretName') {
      request.secrets.push({ secretName: value, variable: variableName(secretNameIn(value)) });
    } else if (name === 'Env') {
      const sep = value.indexOf('=');
      const variable = value.slice(0, sep);
      if (sep <= 0 || sep === value.length - 1 || !VARIABLE.test(variable)) {
        throw new CliError(`--Env must be NAME=<secret name> with NAME a variable name (letters, digits, _), not '${value}'.`);
      }
      request.secrets.push({ secretName: value.slice(sep + 1), variable });
    } else if (name === 'Spread') {
      if (value !== 'true' && value !== 'false') throw new CliError(`--Spread must be true or false, not '${value}'.`);
      request.spread = value === 'true';
    } else {
      if (request.globals.has(name)) throw new CliError(`parse failed flag duplicated --${name}`);
      request.globals.set(name, value);
    }
  }
  if (cut < 0 || request.command.length === 0) {
    throw new CliError('run needs the command to run after --: kms-local run --SecretName <name> -- <command> [args...]', { kind: 'withTip', tip: 'use `kms-local run --help` to get more information' });
  }
  if (request.secrets.length === 0) {
    throw new CliError('run needs at least one --SecretName or --Env.', { kind: 'withTip', tip: 'use `kms-local run --help` to get more information' });
  }
  return request;
}

/** A JSON object's values as text: strings as they are, other values as JSON. */
function spreadValues(secretName: string, value: string): [string, string][] {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    data = undefined;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new CliError(`--Spread true: the value of secret '${secretName}' is not a JSON object.`);
  }
  return Object.entries(data as Record<string, unknown>).map(([key, v]) => [key, typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v)]);
}

/** The variables to add: one per secret, or one per key with spread. Two values for one name is an error. */
export function buildVariables(request: RunRequest, values: readonly string[]): Map<string, string> {
  const vars = new Map<string, string>();
  const from = new Map<string, string>();
  const add = (variable: string, value: string, source: string): void => {
    // Checked here: node's own error for a NUL byte in the environment would quote the value.
    if (value.includes('\0')) throw new CliError(`the value for ${variable} (${source}) holds a NUL byte and cannot be an environment variable.`);
    if (vars.has(variable)) {
      throw new CliError(`both ${from.get(variable)} and ${source} would set the variable ${variable}; use --Env to name one differently.`);
    }
    vars.set(variable, value);
    from.set(variable, source);
  };
  request.secrets.forEach(({ secretName, variable }, i) => {
    const value = values[i]!;
    if (!request.spread) {
      add(variable, value, `secret '${secretName}'`);
      return;
    }
    for (const [key, v] of spreadValues(secretName, value)) add(`${variable}_${variableName(key).replace(/^_/, '')}`, v, `key '${key}' of secret '${secretName}'`);
  });
  return vars;
}
