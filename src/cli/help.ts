/** Help pages, generated from the operation table (as aliyun's openapi/library.go prints them). */
import { operations, type OperationSpec } from '../api/operations.js';
import { flagNames } from '../api/params.js';
import { builtinCommands } from './builtins.js';

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
    // Usages are long: each on its own line, its summary indented below it.
    builtinCommands.map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n'),
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
      ['--help', 'help for an operation'],
    ]),
    '',
    'Use `kms-local help kms <Operation>` for the parameters of an operation.',
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
