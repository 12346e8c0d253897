import { readFileSync } from 'node:fs';
import { CliError } from '../errors/errors.js';
import { findOperation, operations } from '../api/operations.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { generalHelp, operationHelp } from './help.js';
import { suggest } from './suggest.js';

export function unknownOperation(name: string): CliError {
  return new CliError(`'${name}' is not a valid api. See \`kms-local help kms\`.`, {
    kind: 'suggestible',
    suggestions: suggest(name, operations.map((op) => op.name)),
  });
}

export async function runHelp(args: ParsedArgv, io: CliIo): Promise<number> {
  const rest = args.words.slice(1);
  if (rest[0]?.toLowerCase() === 'kms') rest.shift();
  if (rest.length === 0) {
    io.stdout(generalHelp());
    return 0;
  }
  const op = findOperation(rest[0]!);
  if (!op) throw unknownOperation(rest[0]!);
  io.stdout(operationHelp(op));
  return 0;
}

export async function runVersion(io: CliIo): Promise<number> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  io.stdout(`${pkg.version}\n`);
  return 0;
}
