/** The lowercase built-in commands, beside the PascalCase operations. */
import type { CliIo } from './io.js';
import type { ParsedArgv } from './argv.js';

export interface BuiltinCommand {
  name: string;
  usage: string;
  summary: string;
  run: (args: ParsedArgv, io: CliIo) => Promise<number>;
}

export const builtinCommands: readonly BuiltinCommand[] = [
  {
    name: 'help',
    usage: 'help [kms [<Operation>]]',
    summary: 'this page, or the parameters of an operation',
    run: async (args, io) => (await import('./builtin-help.js')).runHelp(args, io),
  },
  {
    name: 'version',
    usage: 'version',
    summary: 'the version of kms-local',
    run: async (_args, io) => (await import('./builtin-help.js')).runVersion(io),
  },
];

export function findBuiltin(name: string): BuiltinCommand | undefined {
  return builtinCommands.find((c) => c.name === name);
}
