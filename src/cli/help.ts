/**
 * Help pages: an operation's from the operation table (as aliyun's openapi/library.go prints them),
 * a built-in command's from the built-ins' table.
 */
import { operations, type OperationSpec } from '../api/operations.js';
import { flagNames } from '../api/params.js';
import type { BuiltinFlag, BuiltinSpec } from './builtin-spec.js';
import { HELP_FLAG, TOOL_FLAGS, builtinCommands } from './builtins.js';

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join('')}`.trimEnd()).join('\n');
}

export function generalHelp(): string {
  return [
    'kms-local: a local Alibaba Cloud KMS Secrets Manager that speaks `aliyun kms`.',
    '',
    'Usage:',
    '  kms-local [kms] <Operation> [--Param value | --Param=value]... [flags]',
    '  kms-local <command> [arguments]',
    '',
    'Operations:',
    columns(operations.map((op) => [op.name, op.summary])),
    '',
    'Commands:',
    columns(builtinCommands.map((c) => [c.name, c.summary])),
    '',
    'Flags:',
    columns([
      ['--region <id>', 'region of the secrets (also --RegionId, ALIBABA_CLOUD_REGION_ID); else the profile region, else cn-hangzhou'],
      ['--profile, -p <name>', 'the profile to use (also ALIBABA_CLOUD_PROFILE); else the current profile'],
      ['--cli-query <JMESPath>', 'print only what the JMESPath expression selects from the response'],
      ['--output cols=A,B [rows=..]', 'print the response as a table (also -o; num=true numbers the rows)'],
      ['--pager [path=..]', 'merge every page of ListSecrets or ListSecretVersionIds into one document'],
      ['--<Param>-FILE <path>', 'read a parameter value from a file, or from stdin with -'],
      ['--quiet, -q', 'print nothing on success'],
      ['--dryrun', 'check the request and print it (secret values masked) without running it'],
      ['--help, -h', 'help for an operation or a command'],
      ['--version, -V', 'the version of kms-local'],
    ]),
    '',
    'Use `kms-local help kms <Operation>` for the parameters of an operation,',
    'and `kms-local help <command>` (or `kms-local <command> --help`) for the usage of a command.',
    '',
  ].join('\n');
}

export function operationHelp(op: OperationSpec): string {
  const params = [...op.params].sort((a, b) => Number(!!b.required) - Number(!!a.required) || a.name.localeCompare(b.name));
  return [
    '',
    'Product: Kms (Key Management Service, local)',
    `Operation: ${op.name}`,
    `  ${op.summary}`,
    '',
    'Parameters:',
    columns(params.flatMap((p) => flagNames(p).map((f) => [`--${f}`, p.type, p.required ? 'Required' : 'Optional', p.help]))),
    '',
  ].join('\n');
}

function flagCell(flag: BuiltinFlag): string {
  const names = [`--${flag.name}`, ...(flag.aliases ?? []).map((a) => `--${a}`), ...(flag.short ? [`-${flag.short}`] : [])];
  return `${names.join(', ')}${flag.value ? ` ${flag.value}` : ''}`;
}

/** A usage line made from the table when the entry has none written out. */
function madeSynopsis(path: readonly BuiltinSpec[]): string {
  const spec = path[path.length - 1]!;
  const words = path.map((c) => c.name);
  if (spec.subcommands) words.push(`[${spec.subcommands.map((s) => s.name).join('|')}]`);
  for (const arg of spec.args ?? []) words.push(arg.required || arg.name.startsWith('[') ? arg.name : `[${arg.name}]`);
  for (const flag of spec.flags ?? []) {
    const text = `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
    words.push(`${flag.required ? text : `[${text}]`}${flag.repeatable ? "..." : ""}`);
  }
  if (spec.tools?.length) words.push('[output flags]');
  if (spec.passthrough) words.push(spec.passthrough);
  return words.join(' ');
}

/** The usage page of a built-in command or sub-command: `kms-local help configure set`, `configure set --help`. */
export function builtinHelp(path: readonly BuiltinSpec[]): string {
  const spec = path[path.length - 1]!;
  const name = path.map((c) => c.name).join(' ');
  const synopsis = spec.synopsis ?? [madeSynopsis(path)];
  const lines = ['Usage:', ...synopsis.map((s) => `  kms-local ${s}`), '', spec.details ?? `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`];
  if (spec.subcommands) {
    lines.push('', 'Commands:', columns(spec.subcommands.map((s) => [s.name, s.summary])));
  }
  if (spec.args?.length) {
    lines.push('', 'Arguments:', columns(spec.args.map((a) => [a.name, a.values ? `${a.help}: ${a.values.join(', ')}` : a.help])));
  }
  lines.push('', 'Flags:', columns([...(spec.flags ?? []), HELP_FLAG].map((f) => [flagCell(f), f.required ? `${f.help} (required)` : f.help])));
  if (spec.tools?.length) {
    lines.push('', 'Output flags (as on an operation):', columns(spec.tools.map((t) => [flagCell(TOOL_FLAGS[t]), TOOL_FLAGS[t].help])));
  }
  if (spec.subcommands) lines.push('', `Use \`kms-local help ${name} <command>\` for the usage of a command.`);
  lines.push('');
  return lines.join('\n');
}
