/** `kms-local completion bash|zsh`: prints a completion script made from the operation table. */
import { CliError } from '../errors/errors.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { bashScript, completionModel, zshScript } from './completion.js';

export async function runCompletion(args: ParsedArgv, io: CliIo): Promise<number> {
  const shell = args.words[1];
  if (shell === 'bash') io.stdout(bashScript(completionModel()));
  else if (shell === 'zsh') io.stdout(zshScript(completionModel()));
  else throw new CliError('completion needs a shell: `kms-local completion bash` or `kms-local completion zsh`');
  return 0;
}
