/**
 * Shell completion scripts, made when `kms-local completion bash|zsh` runs from the operation
 * table, the built-ins' table and the global flags: a new operation, parameter, command or flag is
 * completed as soon as it is in a table. The scripts are pure functions of the model. They complete
 * `aliyun` too, for the shim that runs kms-local under that name (`kms-local shim`).
 */
import { operations } from '../api/operations.js';
import { flagNames } from '../api/params.js';
import { flagsOf } from './builtin-dispatch.js';
import type { BuiltinSpec } from './builtin-spec.js';
import { HELP_FLAG, builtinCommands } from './builtins.js';
import { globalFlags } from './global-flags.js';

export interface CommandWords {
  /** Words that may follow: sub-commands, or the values of the command's arguments. */
  words: readonly string[];
  flags: readonly string[];
}

export interface CompletionModel {
  /** Operation name -> its flags (`--SecretName`, `--ResourceId.1`, ...). */
  operations: ReadonlyMap<string, readonly string[]>;
  /** Built-in command -> what follows it, and what follows each of its sub-commands. */
  commands: ReadonlyMap<string, CommandWords & { subcommands: ReadonlyMap<string, CommandWords> }>;
  /** Global flags completed after every operation. */
  globals: readonly string[];
  /** Flags that take no value. */
  switches: readonly string[];
}

function wordsOf(spec: BuiltinSpec): CommandWords {
  const flags = [...flagsOf(spec), HELP_FLAG];
  const values = spec.subcommands ? spec.subcommands.map((s) => s.name) : (spec.args ?? []).flatMap((a) => a.values ?? []);
  return { words: values, flags: flags.map((f) => `--${f.name}`) };
}

/** The completion lists, read from the operation table, the built-ins' table and the global flags. */
export function completionModel(): CompletionModel {
  const acted = globalFlags.filter((f) => !f.ignored);
  const builtinSwitches = builtinCommands
    .flatMap((c) => [c, ...(c.subcommands ?? [])])
    .flatMap((c) => flagsOf(c).filter((f) => f.value === undefined))
    .flatMap((f) => [`--${f.name}`, ...(f.aliases ?? []).map((a) => `--${a}`), ...(f.short ? [`-${f.short}`] : [])]);
  const commands = new Map(
    builtinCommands.map((c) => {
      const own = wordsOf(c);
      // `help` is followed by what it can show: operations and commands.
      const words = c.name === 'help' ? ['kms', ...operations.map((op) => op.name), ...builtinCommands.map((b) => b.name)] : own.words;
      return [c.name, { words, flags: own.flags, subcommands: new Map((c.subcommands ?? []).map((sub) => [sub.name, wordsOf(sub)])) }];
    }),
  );
  return {
    operations: new Map(
      operations.map((op) => [op.name, op.params.filter((p) => !p.fromRegion).flatMap((p) => flagNames(p, '1')).map((n) => `--${n}`)]),
    ),
    commands,
    globals: acted.map((f) => `--${f.name}`),
    switches: [...new Set([...acted.filter((f) => f.takes === 'none').flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]), ...builtinSwitches])],
  };
}

const words = (list: readonly string[]): string => list.join(' ');

export function bashScript(model: CompletionModel): string {
  const opNames = [...model.operations.keys()];
  const cmdNames = [...model.commands.keys()];
  const cases: string[] = [];
  for (const [name, flags] of model.operations) cases.push(`        ${name}) candidates="${words(flags)} $globals" ;;`);
  for (const [name, c] of model.commands) {
    if (c.subcommands.size === 0) {
      cases.push(`        ${name}) if [[ -z "$sub" ]]; then candidates="${words([...c.words, ...c.flags])}"; else candidates="${words(c.flags)}"; fi ;;`);
      continue;
    }
    const subs = [...c.subcommands].map(([sub, w]) => `            ${sub}) candidates="${words([...w.words, ...w.flags])}" ;;`);
    cases.push(`        ${name}) case "$sub" in\n            "") candidates="${words([...c.words, ...c.flags])}" ;;\n${subs.join('\n')}\n            esac ;;`);
  }
  return `# kms-local completion for bash, made from kms-local's operation and built-ins' tables.
# It completes kms-local, and aliyun where aliyun is the kms-local shim (kms-local shim --dir DIR).
# Load it with:   source <(kms-local completion bash)
# or install it:  kms-local completion bash > ~/.local/share/bash-completion/completions/kms-local
_kms_local_complete() {
    local cur="\${COMP_WORDS[COMP_CWORD]}"
    local prev="\${COMP_WORDS[COMP_CWORD-1]}"
    local operations="${words(opNames)}"
    local commands="${words(cmdNames)}"
    local globals="${words(model.globals)}"
    local switches="${words(model.switches)}"
    local command="" sub="" word before i candidates=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="\${COMP_WORDS[i]}"
        before="\${COMP_WORDS[i-1]}"
        if [[ -z "$command" ]]; then
            case " $operations $commands " in *" $word "*) command="$word" ;; esac
        elif [[ -z "$sub" && "$word" != -* && "$word" != kms ]]; then
            # The value of a flag is not a sub-command.
            if [[ "$before" != -* || "$before" == *=* || " $switches " == *" $before "* ]]; then sub="$word"; fi
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
complete -o default -F _kms_local_complete kms-local aliyun
`;
}

export function zshScript(model: CompletionModel): string {
  const opNames = [...model.operations.keys()];
  const cmdNames = [...model.commands.keys()];
  const cases: string[] = [];
  for (const [name, flags] of model.operations) cases.push(`    ${name}) candidates=(${words(flags)} $globals) ;;`);
  for (const [name, c] of model.commands) {
    if (c.subcommands.size === 0) {
      cases.push(`    ${name}) if [[ -z $sub ]]; then candidates=(${words([...c.words, ...c.flags])}); else candidates=(${words(c.flags)}); fi ;;`);
      continue;
    }
    const subs = [...c.subcommands].map(([sub, w]) => `        ${sub}) candidates=(${words([...w.words, ...w.flags])}) ;;`);
    cases.push(`    ${name}) case $sub in\n        '') candidates=(${words([...c.words, ...c.flags])}) ;;\n${subs.join('\n')}\n      esac ;;`);
  }
  return `#compdef kms-local aliyun
# kms-local completion for zsh, made from kms-local's operation and built-ins' tables.
# It completes kms-local, and aliyun where aliyun is the kms-local shim (kms-local shim --dir DIR).
# Load it with:   source <(kms-local completion zsh)    (after compinit)
# or install it:  kms-local completion zsh > "\${fpath[1]}/_kms_local"
_kms_local() {
  local -a operations commands globals switches candidates
  operations=(${words(opNames)})
  commands=(${words(cmdNames)})
  globals=(${words(model.globals)})
  switches=(${words(model.switches)})
  local command='' sub='' word before i
  for (( i = 2; i < CURRENT; i++ )); do
    word=\${words[i]}
    before=\${words[i-1]}
    if [[ -z $command ]]; then
      if (( \${operations[(Ie)$word]} || \${commands[(Ie)$word]} )); then command=$word; fi
    elif [[ -z $sub && $word != -* && $word != kms ]]; then
      # The value of a flag is not a sub-command.
      if [[ $before != -* || $before == *=* ]] || (( \${switches[(Ie)$before]} )); then sub=$word; fi
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
  compdef _kms_local kms-local aliyun
fi
`;
}
