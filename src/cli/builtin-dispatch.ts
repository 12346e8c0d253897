/**
 * The one way a built-in command runs, read from the table (builtins.ts):
 *   1. find the command and its sub-command;
 *   2. `--help` or `-h` anywhere: print the usage page, exit 0, and do nothing else;
 *   3. every flag and argument checked against the table (an unknown one refused, with "Did you
 *      mean"), output flags a command does not take refused, the ones it takes checked;
 *   4. only then the handler runs.
 * Nothing a handler does can happen before help or a refusal.
 */
import { CliError } from '../errors/errors.js';
import { isValueWord, isWord, splitFlag, type ParsedArgv } from './argv.js';
import type { BuiltinFlag, BuiltinSpec } from './builtin-spec.js';
import { HELP_FLAG, TOOL_FLAGS, findBuiltin, builtinCommands } from './builtins.js';
import { FIELD_WORD, findGlobalFlag } from './global-flags.js';
import { builtinHelp } from './help.js';
import type { CliIo } from './io.js';
import { suggest } from './suggest.js';

/** A command and, when it has one, its sub-command: [configure, set]. */
export type CommandPath = readonly BuiltinSpec[];

export const commandName = (path: CommandPath): string => `kms-local ${path.map((c) => c.name).join(' ')}`;

/** The flags a command takes: its own and its output flags. `--help` is answered before these are read. */
export function flagsOf(spec: BuiltinSpec): BuiltinFlag[] {
  return [...(spec.flags ?? []), ...(spec.tools ?? []).map((t) => TOOL_FLAGS[t])];
}

function findFlag(flags: readonly BuiltinFlag[], arg: string, name: string): BuiltinFlag | undefined {
  if (arg.startsWith('--')) return flags.find((f) => f.name === name || f.aliases?.includes(name));
  return flags.find((f) => f.short === name);
}

/** `--output` takes key=value words, as on an operation; other flags one value or none. */
const takesFields = (flag: BuiltinFlag): boolean => findGlobalFlag(flag.name)?.takes === 'fields';

const isHelpWord = (arg: string): boolean => arg === '--help' || arg === '-h';

/** argv up to `--` for a command that passes what follows to another program (`run`). */
function headOf(spec: BuiltinSpec, argv: readonly string[]): readonly string[] {
  if (!spec.passthrough) return argv;
  const cut = argv.indexOf('--');
  return cut < 0 ? argv : argv.slice(0, cut);
}

/**
 * Where the first positional word is, skipping flags and their values; -1 when there is none, or
 * (with `stopAtUnknown`) when an unknown flag comes first, since whether it takes the next word is
 * not known: the caller's parse then reports that flag.
 */
function firstWordAt(argv: readonly string[], flags: readonly BuiltinFlag[], stopAtUnknown = false): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isWord(arg)) return i;
    const { name, inline } = splitFlag(arg);
    const flag = findFlag(flags, arg, name) ?? findGlobalFlag(name);
    if (!flag && stopAtUnknown) return -1;
    if (!flag || inline !== undefined) continue;
    const takes = 'takes' in flag ? flag.takes : flag.value === undefined ? 'none' : takesFields(flag) ? 'fields' : 'value';
    if (takes === 'value' && isValueWord(argv[i + 1])) i++;
    if (takes === 'fields') while (i + 1 < argv.length && FIELD_WORD.test(argv[i + 1]!)) i++;
  }
  return -1;
}

/**
 * The command path argv names, and argv without the sub-command's word. A word that is no
 * sub-command is refused, unless `forHelp`: then the page of the command itself answers.
 */
export function resolveCommand(spec: BuiltinSpec, argv: readonly string[], forHelp = false): { path: CommandPath; rest: readonly string[] } {
  if (!spec.subcommands) return { path: [spec], rest: argv };
  const head = headOf(spec, argv);
  const at = firstWordAt(head, [...flagsOf(spec), ...spec.subcommands.flatMap(flagsOf)], true);
  if (at < 0) return { path: [spec], rest: argv };
  const word = head[at]!;
  const sub = spec.subcommands.find((s) => s.name === word);
  if (!sub && forHelp) return { path: [spec], rest: argv };
  if (!sub) {
    // In the aliyun CLI's words (`aliyun configure lst`).
    throw new CliError(`'${word}' is not a valid command`, {
      kind: 'suggestible',
      suggestions: suggest(word, spec.subcommands.map((s) => s.name)),
    });
  }
  return { path: [spec, sub], rest: [...argv.slice(0, at), ...argv.slice(at + 1)] };
}

/** Why an output flag the command does not take is refused, in words that say what it is for. */
function refuseTool(path: CommandPath, flagName: string): CliError | undefined {
  const where = `\`${commandName(path)}\``;
  switch (flagName) {
    case 'pager':
      return new CliError(`--pager merges the pages of ListSecrets or ListSecretVersionIds; ${where} has no pages.`);
    case 'waiter':
      return new CliError(`--waiter repeats an operation until a value is reached; it does not apply to ${where}.`);
    case 'cli-query':
    case 'output':
      return new CliError(`--${flagName} does not apply to ${where}, which prints no JSON.`);
    case 'quiet':
      return new CliError(`--quiet does not apply to ${where}.`);
    default:
      return undefined;
  }
}

function unknownFlag(path: CommandPath, arg: string, name: string, flags: readonly BuiltinFlag[]): CliError {
  const global = arg.startsWith('--') ? findGlobalFlag(name) : findGlobalFlag(name)?.short === name ? findGlobalFlag(name) : undefined;
  const refusal = global && refuseTool(path, global.name);
  if (refusal) return refusal;
  const shown = arg.startsWith('--') ? `--${name}` : arg;
  return new CliError(`'${shown}' is not a valid flag of \`${commandName(path)}\`. See \`${commandName(path)} --help\`.`, {
    kind: 'suggestible',
    suggestions: suggest(shown, [...flags, HELP_FLAG].flatMap((f) => [f.name, ...(f.aliases ?? [])]).map((n) => `--${n}`)),
  });
}

/**
 * argv (after the command and sub-command words) as the handlers read it: flags that are also
 * global flags (profile, region, quiet, output...) in `globals` under their own name, the command's
 * own flags in `params` (a switch with the value 'true'), positional words after the command words.
 */
export function parseCommandArgv(path: CommandPath, argv: readonly string[]): ParsedArgv {
  const spec = path[path.length - 1]!;
  const flags = flagsOf(spec);
  const parsed: ParsedArgv = { words: path.map((c) => c.name), params: [], globals: new Map() };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') throw new CliError("not support '--' in command line");
    if (isWord(arg)) {
      parsed.words.push(arg);
      continue;
    }
    const { name, inline } = splitFlag(arg);
    const flag = findFlag(flags, arg, name);
    if (!flag) throw unknownFlag(path, arg, name, flags);
    if (seen.has(flag.name) && !flag.repeatable) throw new CliError(`parse failed flag duplicated --${flag.name}`);
    seen.add(flag.name);
    let values: string[];
    if (flag.value === undefined) {
      if (inline !== undefined) throw new CliError(`--${flag.name} takes no value`);
      values = [];
    } else if (takesFields(flag)) {
      values = inline === undefined ? [] : [inline];
      while (i + 1 < argv.length && FIELD_WORD.test(argv[i + 1]!)) values.push(argv[++i]!);
    } else {
      const value = inline ?? (isValueWord(argv[i + 1]) ? argv[++i] : undefined);
      if (value === undefined) throw new CliError(`--${flag.name} must be assigned with value`);
      values = [value];
    }
    if (findGlobalFlag(flag.name)) parsed.globals.set(flag.name, [...(parsed.globals.get(flag.name) ?? []), ...values]);
    else parsed.params.push({ name: flag.name, flag: `--${flag.name}`, value: values[0] ?? 'true', fromFile: false });
  }
  checkArguments(path, parsed.words.slice(path.length));
  return parsed;
}

function checkArguments(path: CommandPath, words: readonly string[]): void {
  const spec = path[path.length - 1]!;
  const args = spec.args ?? [];
  const last = args[args.length - 1];
  if (words.length > args.length && !last?.many) {
    // The word is not echoed: a stray word is often half of an unquoted value.
    throw new CliError(`unexpected argument after \`${commandName(path)}\`; quote values that contain spaces. See \`${commandName(path)} --help\`.`);
  }
  words.forEach((word, i) => {
    const arg = args[Math.min(i, args.length - 1)]!;
    if (arg.values && !arg.values.includes(word)) {
      throw new CliError(`'${word}' is not a valid ${arg.name} of \`${commandName(path)}\`; one of: ${arg.values.join(', ')}.`, {
        kind: 'suggestible',
        suggestions: suggest(word, arg.values),
      });
    }
  });
  const missing = args.slice(words.length).find((a) => a.required);
  if (missing) {
    const choice = missing.values ? ` (${missing.values.join(' or ')})` : '';
    throw new CliError(`\`${commandName(path)}\` needs ${missing.name}${choice}. See \`${commandName(path)} --help\`.`);
  }
}

/**
 * Runs the built-in `spec` with argv (the words after the command's name): help first, then the
 * checks, then the handler.
 */
export async function runBuiltin(spec: BuiltinSpec, argv: readonly string[], io: CliIo): Promise<number> {
  if (headOf(spec, argv).some(isHelpWord)) {
    io.stdout(builtinHelp(resolveCommand(spec, argv, true).path));
    return 0;
  }
  const { path, rest } = resolveCommand(spec, argv);
  const command = path[path.length - 1]!;
  const args = parseCommandArgv(path, headOf(command, rest));
  if (!command.run) {
    const subs = (command.subcommands ?? []).map((s) => s.name);
    throw new CliError(`\`${commandName(path)}\` needs a sub-command: ${subs.join(', ')}.`, {
      kind: 'withTip',
      tip: `use \`${commandName(path)} --help\` to get more information`,
    });
  }
  if (args.globals.has('cli-query') || args.globals.has('output')) (await import('../lazy.js')).checkTools(args.globals);
  const quiet = command.tools?.includes('quiet') && args.globals.has('quiet');
  return command.run(args, quiet ? { ...io, stdout: () => undefined } : io, rest);
}

/**
 * Where the built-in command of argv is: its index, or -1 when argv names an operation (or
 * nothing). Flags may come before the command, as in `kms-local --profile dev configure get`.
 */
export function findBuiltinWord(argv: readonly string[]): { spec: BuiltinSpec; at: number } | undefined {
  const first = argv[0] === undefined ? undefined : findBuiltin(argv[0]);
  if (first) return { spec: first, at: 0 };
  if (argv[0] === undefined || isWord(argv[0])) return undefined;
  const at = firstWordAt(argv, builtinCommands.flatMap((c) => [...flagsOf(c), ...(c.subcommands ?? []).flatMap(flagsOf)]));
  const spec = at < 0 ? undefined : findBuiltin(argv[at]!);
  return spec && { spec, at };
}
