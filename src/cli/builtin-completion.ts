/** `kms-local completion bash|zsh`: prints a completion script made from the operation table. */
import { CliError } from '../errors/errors.js';
import { operations } from '../api/operations.js';
import { flagNames } from '../api/params.js';
import type { ParsedArgv } from './argv.js';
import { builtinCommands } from './builtins.js';
import { globalFlags } from './global-flags.js';
import type { CliIo } from './io.js';
import { bashScript, zshScript, type CompletionModel } from './completion.js';

const CONFIGURE_FLAGS = ['--profile', '--region', '--access-key-id', '--access-key-secret', '--language'];
const COMMAND_WORDS: Record<string, { subcommands: string[]; flags: string[] }> = {
  configure: { subcommands: ['get', 'set', 'list', 'switch', 'delete'], flags: CONFIGURE_FLAGS },
  audit: { subcommands: [], flags: ['--SecretName', '--since'] },
  completion: { subcommands: ['bash', 'zsh'], flags: [] },
};

export function completionModel(): CompletionModel {
  const acted = globalFlags.filter((f) => !f.ignored);
  return {
    operations: new Map(
      operations.map((op) => [op.name, op.params.filter((p) => !p.fromRegion).flatMap((p) => flagNames(p, '1')).map((n) => `--${n}`)]),
    ),
    commands: new Map(builtinCommands.map((c) => [c.name, COMMAND_WORDS[c.name] ?? { subcommands: [], flags: [] }])),
    globals: acted.map((f) => `--${f.name}`),
    switches: acted.filter((f) => f.takes === 'none').flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]),
  };
}

export async function runCompletion(args: ParsedArgv, io: CliIo): Promise<number> {
  const shell = args.words[1];
  if (shell === 'bash') io.stdout(bashScript(completionModel()));
  else if (shell === 'zsh') io.stdout(zshScript(completionModel()));
  else throw new CliError(`completion needs a shell: \`kms-local completion bash\` or \`kms-local completion zsh\``);
  return 0;
}
