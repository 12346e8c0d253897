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

/**
 * kms-local's package.json: the nearest one above this module whose name is kms-local. The compiled
 * module sits at dist/cli/, the bundled chunk at dist/bundle/chunks/, so a fixed relative path breaks.
 */
function readOwnPackage(): { version: string } {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'kms-local') return pkg;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (dir.pathname === '/') throw new Error('cannot find the package.json of kms-local');
  }
}

export async function runVersion(io: CliIo): Promise<number> {
  io.stdout(`${readOwnPackage().version}\n`);
  return 0;
}
