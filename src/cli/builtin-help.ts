import { CliError } from '../errors/errors.js';
import { findOperation, operations } from '../api/operations.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { builtinHelp, generalHelp, operationHelp } from './help.js';
import { builtinCommands, findBuiltin } from './builtins.js';
import { commandName, resolveCommand } from './builtin-dispatch.js';
import { ownPackage } from './own-package.js';
import { suggest } from './suggest.js';

export function unknownOperation(name: string): CliError {
  return new CliError(`'${name}' is not a valid api. See \`kms-local help kms\`.`, {
    kind: 'suggestible',
    suggestions: suggest(name, operations.map((op) => op.name)),
  });
}

/**
 * `kms-local help [kms] [<Operation>]` and `kms-local help <command> [<sub-command>]`: the same pages
 * as `<Operation> --help` and `<command> [<sub-command>] --help`.
 */
export async function runHelp(args: ParsedArgv, io: CliIo): Promise<number> {
  const rest = args.words.slice(1);
  if (rest[0]?.toLowerCase() === 'kms') rest.shift();
  const [topic, sub] = rest;
  if (topic === undefined) {
    io.stdout(generalHelp());
    return 0;
  }
  const command = findBuiltin(topic);
  if (command) {
    // resolveCommand refuses a sub-command the command does not have, with "Did you mean".
    const { path } = resolveCommand(command, sub === undefined ? [] : [sub]);
    if (rest.length > path.length) throw new CliError(`\`kms-local help ${rest.join(' ')}\`: \`${commandName(path)}\` has no sub-command '${rest[path.length]}'. See \`kms-local help ${topic}\`.`);
    io.stdout(builtinHelp(path));
    return 0;
  }
  const op = findOperation(topic);
  if (op && rest.length === 1) {
    io.stdout(operationHelp(op));
    return 0;
  }
  if (op) throw new CliError(`\`kms-local help ${rest.join(' ')}\`: an operation has no sub-command. See \`kms-local help kms ${op.name}\`.`);
  if (/^[A-Z]/.test(topic)) throw unknownOperation(topic);
  throw new CliError(`'${topic}' is not a valid command or operation. See \`kms-local help\`.`, {
    kind: 'suggestible',
    suggestions: suggest(topic, [...builtinCommands.map((c) => c.name), ...operations.map((o) => o.name)]),
  });
}

export async function runVersion(io: CliIo): Promise<number> {
  io.stdout(`${ownPackage().version}\n`);
  return 0;
}
