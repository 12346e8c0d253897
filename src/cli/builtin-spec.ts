/**
 * The shape of the built-in commands' table (builtins.ts): what a built-in is called, what it
 * takes, what its help page says and what completion offers. The table is read by one mechanism
 * (builtin-dispatch.ts) that prints help, checks flags and arguments, and only then runs a command.
 */
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';

export interface BuiltinFlag {
  /** Without `--`. A name that is also a global flag (profile, region, quiet...) lands in `args.globals`. */
  name: string;
  short?: string;
  /** Other spellings that mean the same flag (`--RegionId` for `--region`). */
  aliases?: readonly string[];
  /** The placeholder of the value in help (`<name>`); absent for a switch, which takes no value. */
  value?: string;
  help: string;
  /**
   * Shown as required in usage and help. The handler reports it missing, in the aliyun CLI's words
   * where it has them (`configure switch`: "the --profile <profileName> is required").
   */
  required?: boolean;
  repeatable?: boolean;
}

export interface BuiltinArg {
  /** As shown in usage: `<shell>`, `[<key>...]`. */
  name: string;
  help: string;
  /** The only values accepted, and the ones completion offers. */
  values?: readonly string[];
  required?: boolean;
  /** Takes any number of words. */
  many?: boolean;
}

/** The aliyun CLI's output flags a built-in can take: they mean on it what they mean on an operation. */
export type ToolFlag = 'quiet' | 'cli-query' | 'output';

export type BuiltinRun = (args: ParsedArgv, io: CliIo, argv: readonly string[]) => Promise<number>;

export interface BuiltinSpec {
  name: string;
  /** One line, in the list of commands. */
  summary: string;
  /** Usage lines after `kms-local `; made from the flags and arguments when absent. */
  synopsis?: readonly string[];
  /** Paragraphs of the help page, below the usage. */
  details?: string;
  args?: readonly BuiltinArg[];
  flags?: readonly BuiltinFlag[];
  /**
   * The output flags this command takes. `quiet` drops what it prints on success; `cli-query` and
   * `output` apply to the JSON it prints. Any other output flag is refused before the command runs.
   */
  tools?: readonly ToolFlag[];
  /** Sub-commands (`configure set`, `target add`): each one its own entry, with its own flags and help. */
  subcommands?: readonly BuiltinSpec[];
  /** What runs. Absent on a command with sub-commands that does nothing alone (`target`). */
  run?: BuiltinRun;
  /**
   * Everything after `--` is not kms-local's (`run -- <command> [args...]`): it is shown in usage
   * as this text, and neither checked nor read for `--help`. The handler gets argv as typed.
   */
  passthrough?: string;
}
