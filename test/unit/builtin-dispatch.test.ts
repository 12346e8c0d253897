/**
 * src/cli/builtin-dispatch.ts: built-in commands are parsed, checked and answered from their table.
 * A small table of its own (a `tool` command with sub-commands, arguments, switches, aliases and
 * output flags) pins each rule; the real table is then checked for what the mechanism relies on.
 */
import { describe, expect, test } from '@jest/globals';
import { CliError } from '../../src/errors/errors.js';
import type { ParsedArgv } from '../../src/cli/argv.js';
import type { BuiltinSpec } from '../../src/cli/builtin-spec.js';
import { findBuiltinWord, parseCommandArgv, resolveCommand, runBuiltin } from '../../src/cli/builtin-dispatch.js';
import { builtinCommands, HELP_FLAG, TOOL_FLAGS } from '../../src/cli/builtins.js';
import type { CliIo } from '../../src/cli/io.js';
import { cliErrorMessage } from '../support/core.js';

/** What a run printed and which handler ran with what. */
interface Trace {
  stdout: string;
  ran: { command: string; args: ParsedArgv; argv: readonly string[] }[];
}

function traced(trace: Trace, command: string): BuiltinSpec['run'] {
  return async (args, io, argv) => {
    trace.ran.push({ command, args, argv });
    io.stdout(`${command} ran\n`);
    return 0;
  };
}

function toolTable(trace: Trace): BuiltinSpec {
  return {
    name: 'tool',
    summary: 'a command for the tests',
    flags: [{ name: 'profile', short: 'p', value: '<name>', help: 'a profile' }],
    run: traced(trace, 'tool'),
    subcommands: [
      {
        name: 'make',
        summary: 'makes things',
        args: [{ name: '<kind>', help: 'what to make', values: ['a', 'b'], required: true }],
        flags: [
          { name: 'Size', value: '<n>', help: 'how big' },
          { name: 'dry-run', aliases: ['dryrun'], help: 'only say what it would do' },
          { name: 'Tag', value: '<t>', help: 'a tag', repeatable: true },
          { name: 'region', aliases: ['RegionId'], value: '<id>', help: 'a region' },
        ],
        tools: ['quiet', 'cli-query', 'output'],
        run: traced(trace, 'make'),
      },
      { name: 'show', summary: 'shows things', args: [{ name: '[<key>...]', help: 'keys', many: true }], run: traced(trace, 'show') },
    ],
  };
}

function setup(): { trace: Trace; spec: BuiltinSpec; io: CliIo } {
  const trace: Trace = { stdout: '', ran: [] };
  const io: CliIo = { env: {}, stdout: (t) => (trace.stdout += t), stderr: () => undefined, readStdin: () => Buffer.alloc(0), stderrIsTty: false };
  return { trace, spec: toolTable(trace), io };
}

function refusal(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError');
}

async function refusalOf(promise: Promise<unknown>): Promise<CliError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

describe('resolveCommand: the sub-command is the first word that is not a flag or a flag value', () => {
  const { spec } = setup();
  test.each([
    { name: 'no word: the command itself', argv: ['--profile', 'p'], path: ['tool'], rest: ['--profile', 'p'] },
    { name: 'the sub-command first', argv: ['make', 'a'], path: ['tool', 'make'], rest: ['a'] },
    { name: 'a flag and its value before the sub-command', argv: ['--profile', 'make', 'show'], path: ['tool', 'show'], rest: ['--profile', 'make'] },
    { name: 'a short flag and its value before it', argv: ['-p', 'x', 'make', 'b'], path: ['tool', 'make'], rest: ['-p', 'x', 'b'] },
    { name: 'an inline value does not take the next word', argv: ['--profile=x', 'show'], path: ['tool', 'show'], rest: ['--profile=x'] },
    { name: 'a switch of a sub-command does not take the next word', argv: ['--dry-run', 'make', 'a'], path: ['tool', 'make'], rest: ['--dry-run', 'a'] },
  ])('$name', ({ argv, path, rest }) => {
    const resolved = resolveCommand(spec, argv);
    expect(resolved.path.map((c) => c.name)).toEqual(path);
    expect(resolved.rest).toEqual(rest);
  });

  test('a word that is no sub-command is refused with Did you mean, in the aliyun CLI words', () => {
    const err = refusal(() => resolveCommand(spec, ['mak']));
    expect(err.message).toBe("'mak' is not a valid command");
    expect(err.kind).toBe('suggestible');
    expect(err.suggestions).toEqual(['make']);
  });

  test('for help, a word that is no sub-command gives the command itself', () => {
    expect(resolveCommand(spec, ['mak', '--help'], true).path.map((c) => c.name)).toEqual(['tool']);
  });

  test('an unknown flag stops the search, so that the parse reports the flag rather than its value', () => {
    expect(resolveCommand(spec, ['--bogus', 'x']).path.map((c) => c.name)).toEqual(['tool']);
  });
});

describe('parseCommandArgv: flags as the table declares them', () => {
  const { spec } = setup();
  const make = resolveCommand(spec, ['make']).path;
  const parse = (argv: string[]) => parseCommandArgv(make, argv);

  test('a value flag takes --Name value, --Name=value and --Name:value', () => {
    for (const argv of [['--Size', '3'], ['--Size=3'], ['--Size:3']]) expect(parse(['a', ...argv]).params).toEqual([{ name: 'Size', flag: '--Size', value: '3', fromFile: false }]);
  });

  test('a switch takes no value, is true when given, and the next word stays an argument', () => {
    const parsed = parse(['--dry-run', 'a']);
    expect(parsed.params).toEqual([{ name: 'dry-run', flag: '--dry-run', value: 'true', fromFile: false }]);
    expect(parsed.words).toEqual(['tool', 'make', 'a']);
    expect(cliErrorMessage(() => parse(['a', '--dry-run=yes']))).toBe('--dry-run takes no value');
  });

  test('an alias is the flag under its own name', () => {
    expect(parse(['a', '--dryrun']).params.map((p) => p.name)).toEqual(['dry-run']);
    expect(parse(['a', '--RegionId', 'cn-beijing']).globals.get('region')).toEqual(['cn-beijing']);
  });

  test('a flag that is also a global flag lands in globals; its short form too', () => {
    const parsed = parseCommandArgv(resolveCommand(spec, []).path, ['-p', 'dev']);
    expect(parsed.globals.get('profile')).toEqual(['dev']);
    expect(parsed.params).toEqual([]);
  });

  test('--output takes the key=value words that follow it, as on an operation', () => {
    const parsed = parse(['a', '--output', 'cols=A,B', 'rows=X', '-q']);
    expect(parsed.globals.get('output')).toEqual(['cols=A,B', 'rows=X']);
    expect(parsed.globals.has('quiet')).toBe(true);
  });

  test('a flag given twice is refused unless the table says it repeats', () => {
    expect(cliErrorMessage(() => parse(['a', '--Size', '1', '--Size', '2']))).toBe('parse failed flag duplicated --Size');
    expect(cliErrorMessage(() => parse(['a', '--region', 'x', '--RegionId', 'y']))).toBe('parse failed flag duplicated --region');
    expect(parse(['a', '--Tag', 'x', '--Tag', 'y']).params.map((p) => p.value)).toEqual(['x', 'y']);
  });

  test('a value flag with no value is refused', () => {
    expect(cliErrorMessage(() => parse(['a', '--Size']))).toBe('--Size must be assigned with value');
  });

  test('an unknown flag is refused with Did you mean from the command\'s flags, exit 2', () => {
    const err = refusal(() => parse(['a', '--Sise', '1']));
    expect(err.message).toBe("'--Sise' is not a valid flag of `kms-local tool make`. See `kms-local tool make --help`.");
    expect(err.kind).toBe('suggestible');
    expect(err.suggestions).toEqual(['--Size']);
  });

  test('an output flag the command does not take is refused with what it is for', () => {
    const show = resolveCommand(spec, ['show']).path;
    expect(cliErrorMessage(() => parseCommandArgv(show, ['--cli-query', 'x']))).toBe('--cli-query does not apply to `kms-local tool show`, which prints no JSON.');
    expect(cliErrorMessage(() => parseCommandArgv(show, ['-q']))).toBe('--quiet does not apply to `kms-local tool show`.');
    expect(cliErrorMessage(() => parse(['a', '--pager']))).toMatch(/^--pager merges the pages of ListSecrets/);
    expect(cliErrorMessage(() => parse(['a', '--waiter', 'expr=x', 'to=y']))).toMatch(/^--waiter repeats an operation/);
  });

  test('a bare -- is refused where nothing is passed through', () => {
    expect(cliErrorMessage(() => parse(['a', '--']))).toBe("not support '--' in command line");
  });
});

describe('arguments as the table declares them', () => {
  const { spec } = setup();
  const make = resolveCommand(spec, ['make']).path;
  const show = resolveCommand(spec, ['show']).path;

  test('a value outside the listed ones is refused with Did you mean', () => {
    const err = refusal(() => parseCommandArgv(make, ['c']));
    expect(err.message).toBe("'c' is not a valid <kind> of `kms-local tool make`; one of: a, b.");
    expect(err.suggestions).toEqual(['a', 'b']);
  });

  test('a required argument that is missing is named', () => {
    expect(cliErrorMessage(() => parseCommandArgv(make, []))).toBe('`kms-local tool make` needs <kind> (a or b). See `kms-local tool make --help`.');
  });

  test('a word more than the command takes is refused without echoing it (it may be half a value)', () => {
    const message = cliErrorMessage(() => parseCommandArgv(make, ['a', 'half-of-a-secret']));
    expect(message).toMatch(/^unexpected argument after `kms-local tool make`; quote values that contain spaces/);
    expect(message).not.toContain('half-of-a-secret');
  });

  test('an argument that takes many words takes them all', () => {
    expect(parseCommandArgv(show, ['x', 'y', 'z']).words).toEqual(['tool', 'show', 'x', 'y', 'z']);
  });
});

describe('runBuiltin: help and every refusal come before the handler', () => {
  test.each([
    ['--help'],
    ['-h'],
    ['make', '--help'],
    ['make', 'c', '--Bogus', '-h'],
    ['mak', '--help'],
  ])('%s ... prints a usage page and runs nothing', async (...argv) => {
    const { trace, spec, io } = setup();
    expect(await runBuiltin(spec, argv, io)).toBe(0);
    expect(trace.ran).toEqual([]);
    expect(trace.stdout).toMatch(/^Usage:\n {2}kms-local tool/);
  });

  test.each([
    { name: 'an unknown flag', argv: ['make', 'a', '--Bogus', '1'] },
    { name: 'a bad argument', argv: ['make', 'x'] },
    { name: 'a bad --cli-query', argv: ['make', 'a', '--cli-query', 'Items[['] },
    { name: 'an --output without cols', argv: ['make', 'a', '--output', 'rows=Items'] },
  ])('$name is refused and nothing runs', async ({ argv }) => {
    const { trace, spec, io } = setup();
    await refusalOf(runBuiltin(spec, argv, io));
    expect(trace.ran).toEqual([]);
  });

  test('--quiet on a command that takes it: the handler runs, its output is dropped', async () => {
    const { trace, spec, io } = setup();
    expect(await runBuiltin(spec, ['make', 'a', '--quiet'], io)).toBe(0);
    expect(trace.ran.map((r) => r.command)).toEqual(['make']);
    expect(trace.stdout).toBe('');
  });

  test('a command with sub-commands and no handler of its own asks for one', async () => {
    const { spec, io } = setup();
    const bare: BuiltinSpec = { ...spec, run: undefined };
    const err = await refusalOf(runBuiltin(bare, [], io));
    expect(err.message).toBe('`kms-local tool` needs a sub-command: make, show.');
    expect(err.kind).toBe('withTip');
  });

  test('a passthrough command: --help after -- is not its own, and the handler gets argv as typed', async () => {
    const trace: Trace = { stdout: '', ran: [] };
    const io: CliIo = { env: {}, stdout: (t) => (trace.stdout += t), stderr: () => undefined, readStdin: () => Buffer.alloc(0), stderrIsTty: false };
    const spec: BuiltinSpec = {
      name: 'exec',
      summary: 'runs a command',
      flags: [{ name: 'Name', value: '<n>', help: 'a name', repeatable: true }],
      passthrough: '-- <command> [args...]',
      run: traced(trace, 'exec'),
    };
    const argv = ['--Name', 'a', '--', 'ls', '--help', '--Bogus'];
    expect(await runBuiltin(spec, argv, io)).toBe(0);
    expect(trace.ran[0]!.argv).toEqual(argv);
    expect(trace.ran[0]!.args.params.map((p) => p.value)).toEqual(['a']);
    await refusalOf(runBuiltin(spec, ['--Bogus', '--', 'ls'], io));
  });
});

describe('findBuiltinWord: where the built-in is in argv', () => {
  test.each([
    { name: 'first', argv: ['configure', 'list'], found: ['configure', 0] },
    { name: 'after a global flag and its value', argv: ['--profile', 'dev', 'configure', 'get'], found: ['configure', 2] },
    { name: 'after a built-in flag and its value that is a command name', argv: ['--profile', 'audit', 'audit'], found: ['audit', 2] },
    { name: 'an operation is not a built-in', argv: ['GetSecretValue', '--SecretName', 'audit'], found: undefined },
    { name: 'an operation after a flag', argv: ['--region', 'cn-hangzhou', 'GetSecretValue'], found: undefined },
    { name: 'nothing', argv: [], found: undefined },
  ])('$name', ({ argv, found }) => {
    const hit = findBuiltinWord(argv);
    expect(hit && [hit.spec.name, hit.at]).toEqual(found);
  });
});

describe('the built-ins table holds what the mechanism relies on', () => {
  const entries = builtinCommands.flatMap((c) => [[c.name, c] as const, ...(c.subcommands ?? []).map((s) => [`${c.name} ${s.name}`, s] as const)]);

  test.each(entries)('%s: a summary, flags with help and distinct names, no flag of its own for help', (_name, spec) => {
    expect(spec.summary.length).toBeGreaterThan(10);
    const flags = [...(spec.flags ?? []), ...(spec.tools ?? []).map((t) => TOOL_FLAGS[t])];
    const longs = flags.flatMap((f) => [f.name, ...(f.aliases ?? [])]);
    const shorts = flags.flatMap((f) => (f.short ? [f.short] : []));
    expect(new Set(longs).size).toBe(longs.length);
    expect(new Set(shorts).size).toBe(shorts.length);
    expect(longs).not.toContain(HELP_FLAG.name);
    expect(shorts).not.toContain(HELP_FLAG.short);
    for (const flag of flags) expect(flag.help.length).toBeGreaterThan(5);
    const args = spec.args ?? [];
    args.slice(0, -1).forEach((a) => expect(a.many).toBeFalsy());
    // Something runs it, or it has sub-commands that do.
    expect(spec.run !== undefined || (spec.subcommands ?? []).length > 0).toBe(true);
  });

  test('command names are distinct and none is an operation name (PascalCase)', () => {
    const names = builtinCommands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z-]*$/);
  });
});
