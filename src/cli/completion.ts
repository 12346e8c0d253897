/**
 * Shell completion scripts, made when `kms-local completion bash|zsh` runs from the operation
 * table, the built-in commands and the global flags: a new operation or parameter is completed
 * as soon as it is in the table. The scripts are pure functions of the model.
 */
import { operations } from '../api/operations.js';
import { flagNames } from '../api/params.js';
import { builtinCommands } from './builtins.js';
import { globalFlags } from './global-flags.js';

export interface CompletionModel {
  /** Operation name -> its flags (`--SecretName`, `--ResourceId.1`, ...). */
  operations: ReadonlyMap<string, readonly string[]>;
  /** Built-in command -> the words that follow it (sub-commands, then flags). */
  commands: ReadonlyMap<string, { subcommands: readonly string[]; flags: readonly string[] }>;
  /** Global flags completed after every operation. */
  globals: readonly string[];
  /** Flags that take no value. */
  switches: readonly string[];
}

/** Words completed after the built-in commands that have any. */
const COMMAND_WORDS: Record<string, { subcommands: string[]; flags: string[] }> = {
  configure: { subcommands: ['get', 'set', 'list', 'switch', 'delete'], flags: ['--profile', '--region', '--access-key-id', '--access-key-secret', '--language'] },
  audit: { subcommands: [], flags: ['--SecretName', '--since'] },
  completion: { subcommands: ['bash', 'zsh'], flags: [] },
};

/** The completion lists, read from the operation table, the built-ins and the global flags. */
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

const words = (list: readonly string[]): string => list.join(' ');

export function bashScript(model: CompletionModel): string {
  const opNames = [...model.operations.keys()];
  const cmdNames = [...model.commands.keys()];
  const cases: string[] = [];
  for (const [name, flags] of model.operations) cases.push(`        ${name}) candidates="${words(flags)} $globals" ;;`);
  for (const [name, c] of model.commands) {
    const first = name === 'help' ? ['kms', ...opNames] : c.subcommands;
    cases.push(`        ${name}) if [[ -z "$sub" ]]; then candidates="${words([...first, ...c.flags])}"; else candidates="${words(c.flags)}"; fi ;;`);
  }
  return `# kms-local completion for bash, made from kms-local's operation table.
# Load it with:   source <(kms-local completion bash)
# or install it:  kms-local completion bash > ~/.local/share/bash-completion/completions/kms-local
_kms_local_complete() {
    local cur="\${COMP_WORDS[COMP_CWORD]}"
    local prev="\${COMP_WORDS[COMP_CWORD-1]}"
    local operations="${words(opNames)}"
    local commands="${words(cmdNames)}"
    local globals="${words(model.globals)}"
    local switches="${words(model.switches)}"
    local command="" sub="" word i candidates=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="\${COMP_WORDS[i]}"
        if [[ -z "$command" ]]; then
            case " $operations $commands " in *" $word "*) command="$word" ;; esac
        elif [[ -z "$sub" && "$word" != -* && "$word" != kms ]]; then
            sub="$word"
        fi
    done
    # The value of a flag: file names (for --Name-FILE) and free text are left to the shell.
    if [[ -n "$command" && "$prev" == -* && " $switches " != *" $prev "* && "$cur" != -* ]]; then
        COMPREPLY=()
        return
    fi
    case "$command" in
        "") candidates="kms $operations $commands $globals" ;;
${cases.join('\n')}
    esac
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o default -F _kms_local_complete kms-local
`;
}

export function zshScript(model: CompletionModel): string {
  const opNames = [...model.operations.keys()];
  const cmdNames = [...model.commands.keys()];
  const cases: string[] = [];
  for (const [name, flags] of model.operations) cases.push(`    ${name}) candidates=(${words(flags)} $globals) ;;`);
  for (const [name, c] of model.commands) {
    const first = name === 'help' ? ['kms', ...opNames] : c.subcommands;
    cases.push(`    ${name}) if [[ -z $sub ]]; then candidates=(${words([...first, ...c.flags])}); else candidates=(${words(c.flags)}); fi ;;`);
  }
  return `#compdef kms-local
# kms-local completion for zsh, made from kms-local's operation table.
# Load it with:   source <(kms-local completion zsh)    (after compinit)
# or install it:  kms-local completion zsh > "\${fpath[1]}/_kms_local"
_kms_local() {
  local -a operations commands globals switches candidates
  operations=(${words(opNames)})
  commands=(${words(cmdNames)})
  globals=(${words(model.globals)})
  switches=(${words(model.switches)})
  local command='' sub='' word
  for word in "\${(@)words[2,CURRENT-1]}"; do
    if [[ -z $command ]]; then
      if (( \${operations[(Ie)$word]} || \${commands[(Ie)$word]} )); then command=$word; fi
    elif [[ -z $sub && $word != -* && $word != kms ]]; then
      sub=$word
    fi
  done
  local prev=\${words[CURRENT-1]}
  if [[ -n $command && $prev == -* && \${switches[(Ie)$prev]} -eq 0 && \${words[CURRENT]} != -* ]]; then
    _files
    return
  fi
  case $command in
    '') candidates=(kms $operations $commands $globals) ;;
${cases.join('\n')}
  esac
  compadd -a candidates
}
if [[ "\${funcstack[1]}" == _kms_local ]]; then
  _kms_local "$@"
else
  compdef _kms_local kms-local
fi
`;
}
