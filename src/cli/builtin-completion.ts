/** `kms-local completion bash|zsh`: prints a completion script made from the operation and built-ins' tables. */
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { bashScript, completionModel, zshScript } from './completion.js';

export async function runCompletion(args: ParsedArgv, io: CliIo): Promise<number> {
  // The table allows bash and zsh only (builtin-dispatch.ts checks it before this runs).
  io.stdout(args.words[1] === 'zsh' ? zshScript(completionModel()) : bashScript(completionModel()));
  return 0;
}
