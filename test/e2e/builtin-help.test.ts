/**
 * Nothing a user types to learn a built-in changes anything (issue 9, item 1): for every built-in
 * command and sub-command of the built-ins' table (so that a new one is covered without a new
 * test), `<command> --help`, `<command> -h` and `help <command>` print its usage page on stdout,
 * exit 0, and leave a home that holds secrets, a profile, a target and an audit log byte for byte
 * as it was, even where the command would otherwise prompt (configure), print values (audit) or
 * re-encrypt the store (rekey). Then the flags: an unknown one is refused from the table with
 * "Did you mean", and the output flags mean what they mean on an operation or are refused, checked
 * before any work.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinCommands, type BuiltinSpec } from '../../src/cli/builtins.js';
import { hashTree, makeHome, removeHome, REPO_ROOT, runCli, type CliResult } from '../support/cli.js';

/** What an interactive `configure` would read and save, were it to run. */
const ANSWERS = 'LTAIwouldBeSaved\nwouldBeSavedSecret\ncn-shanghai\n';

/** Every command and sub-command of the table, as the words that name it. */
const PATHS: string[][] = builtinCommands.flatMap((c: BuiltinSpec) => [[c.name], ...(c.subcommands ?? []).map((s) => [c.name, s.name])]);
const specOf = (path: readonly string[]): BuiltinSpec => {
  const command = builtinCommands.find((c) => c.name === path[0])!;
  return path.length === 1 ? command : command.subcommands!.find((s) => s.name === path[1])!;
};

let home: string;
// The home keeps its own master key (master.key), as a user's does: `rekey` would replace it.
const cli = (args: readonly string[], env: Record<string, string | undefined> = {}, at = home): CliResult =>
  runCli(args, { home: at, env, input: ANSWERS });
const ok = (args: readonly string[]): CliResult => {
  const result = cli(args);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return result;
};

beforeAll(() => {
  home = makeHome();
  ok(['configure', 'set', '--profile', 'dev', '--region', 'cn-hangzhou', '--access-key-id', 'LTAIhelpTest', '--access-key-secret', 'helpTestSecret']);
  ok(['kms', 'CreateSecret', '--SecretName', 'app/db', '--SecretData', 'db-value', '--VersionId', 'v1']);
  ok(['kms', 'CreateSecret', '--SecretName', 'app/api', '--SecretData', 'api-value', '--VersionId', 'v1']);
  ok(['kms', 'DeleteSecret', '--SecretName', 'app/api', '--RecoveryWindowInDays', '7']);
  ok(['target', 'add', '--DBInstanceId', 'rm-help', '--Engine', 'postgresql', '--Host', '127.0.0.1']);
});
afterAll(() => removeHome(home));

/** Runs `args` and checks that the home is byte for byte what it was. */
function unchanged(args: readonly string[], env?: Record<string, string | undefined>): CliResult {
  const before = hashTree(home);
  const result = cli(args, env);
  expect(hashTree(home)).toBe(before);
  return result;
}

describe.each(PATHS.map((path) => [path.join(' '), path] as const))('%s', (_name, path) => {
  test('--help, -h and `help <command>` print the same usage page on stdout, exit 0, and change nothing', () => {
    const page = unchanged([...path, '--help']);
    expect(page).toMatchObject({ code: 0, stderr: '' });
    expect(page.stdout).toMatch(new RegExp(`^Usage:\n  kms-local ${path.join(' ')}( |\n)`));
    expect(unchanged([...path, '-h'])).toMatchObject({ code: 0, stderr: '', stdout: page.stdout });
    expect(unchanged(['help', ...path])).toMatchObject({ code: 0, stderr: '', stdout: page.stdout });
    expect(unchanged(['kms', ...path, '--help'])).toMatchObject({ code: 0, stderr: '', stdout: page.stdout });
    // Help wins over everything else typed with it, even a flag the command does not have.
    expect(unchanged([...path, '--NoSuchFlag', 'x', '--help'])).toMatchObject({ code: 0, stdout: page.stdout });
    // And a clock past every deletion window does not make a help page purge anything.
    expect(unchanged([...path, '-h'], { KMS_LOCAL_NOW: '2099-01-01T00:00:00Z' })).toMatchObject({ code: 0, stdout: page.stdout });
  });

  test('the page lists every flag, argument and sub-command the table gives it', () => {
    const page = cli([...path, '--help']).stdout;
    const spec = specOf(path);
    for (const flag of spec.flags ?? []) expect(page).toMatch(new RegExp(`^  --${flag.name}\\b.*  ${flag.help.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    for (const tool of spec.tools ?? []) expect(page).toContain(`--${tool}`);
    for (const arg of spec.args ?? []) expect(page).toContain(arg.name);
    for (const sub of spec.subcommands ?? []) expect(page).toMatch(new RegExp(`^  ${sub.name} +${sub.summary.slice(0, 20)}`, 'm'));
    expect(page).toMatch(/^ {2}--help, -h +print this page/m);
  });

  test('an unknown flag is refused from the table, before anything runs', () => {
    const result = unchanged([...path, '--NoSuchFlag', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ERROR: '--NoSuchFlag' is not a valid flag of \`kms-local ${path.join(' ')}\`. See \`kms-local ${path.join(' ')} --help\`.\n`);
  });

  test('a misspelled flag is refused with "Did you mean" the flag', () => {
    for (const flag of specOf(path).flags ?? []) {
      if (flag.name.length < 5) continue;
      const typo = `--${flag.name.slice(0, -1)}`;
      const result = unchanged([...path, typo, 'x']);
      expect(result.code).toBe(2);
      expect(result.stdout).toContain(`Did you mean:\n  --${flag.name}\n`);
    }
  });

  test('--pager, and output flags the command does not take, are refused with why, before anything runs', () => {
    const pager = unchanged([...path, '--pager']);
    expect(pager).toMatchObject({ code: 1, stdout: '' });
    expect(pager.stderr).toContain('--pager merges the pages of ListSecrets or ListSecretVersionIds');
    const tools = specOf(path).tools ?? [];
    if (specOf(path).flags?.some((f) => f.name === 'quiet')) return; // serve's own --quiet
    for (const [flag, args] of [['quiet', ['--quiet']], ['cli-query', ['--cli-query', 'x']], ['output', ['--output', 'cols=x']]] as const) {
      if ((tools as readonly string[]).includes(flag)) continue;
      const result = unchanged([...path, ...args]);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(new RegExp(`^ERROR: --${flag} does not apply to \`kms-local ${path.join(' ')}\``));
    }
  });
});

test('control: the same home check sees what rekey and an interactive configure change when they do run', () => {
  const other = makeHome();
  try {
    expect(cli(['kms', 'CreateSecret', '--SecretName', 'app/db', '--SecretData', 'db-value', '--VersionId', 'v1'], {}, other).code).toBe(0);
    for (const args of [['rekey', '--yes'], ['configure']]) {
      const before = hashTree(other);
      expect(cli(args, {}, other).code).toBe(0);
      expect(hashTree(other)).not.toBe(before);
    }
  } finally {
    removeHome(other);
  }
});

describe('help pages at the top', () => {
  test('`help configure` no longer says it is not a valid api; an unknown topic has Did you mean', () => {
    expect(cli(['help', 'configure'])).toMatchObject({ code: 0, stdout: cli(['configure', '--help']).stdout });
    const result = unchanged(['help', 'configur']);
    expect(result).toMatchObject({ code: 2, stderr: "ERROR: 'configur' is not a valid command or operation. See `kms-local help`.\n" });
    expect(result.stdout).toContain('Did you mean:\n  configure\n');
    expect(unchanged(['help', 'configure', 'sett'])).toMatchObject({ code: 2, stderr: "ERROR: 'sett' is not a valid command\n" });
  });

  test('kms-local -h and --help print the general help; -h on an operation is its help', () => {
    const general = cli(['help']).stdout;
    expect(general).toContain('Commands:');
    for (const args of [['-h'], ['--help'], ['kms', '-h'], ['kms', '--help']]) expect(unchanged(args)).toMatchObject({ code: 0, stderr: '', stdout: general });
    const op = cli(['help', 'kms', 'GetSecretValue']).stdout;
    expect(unchanged(['GetSecretValue', '-h'])).toMatchObject({ code: 0, stdout: op });
    expect(unchanged(['kms', 'GetSecretValue', '--SecretName', 'app/db', '-h'])).toMatchObject({ code: 0, stdout: op });
  });

  test('kms-local --version and -V print the version, as `kms-local version` does', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['-V'], ['kms', '--version'], ['version']]) {
      expect(unchanged(args)).toMatchObject({ code: 0, stderr: '', stdout: `${version}\n` });
    }
  });

  test('flags before the command are the command\'s: kms-local --profile dev configure get region', () => {
    expect(cli(['--profile', 'dev', 'configure', 'get', 'region'])).toMatchObject({ code: 0, stdout: 'cn-hangzhou\n' });
    expect(unchanged(['--profile', 'dev', 'configure', '--help'])).toMatchObject({ code: 0, stdout: cli(['configure', '--help']).stdout });
  });
});

describe('output flags on built-ins mean what they mean on an operation', () => {
  test('--cli-query and --output on the JSON of audit, target list, rotate-due, configure get and rekey', () => {
    expect(cli(['audit', '--SecretName', 'app/db', '--cli-query', 'Records[].operation'])).toMatchObject({ code: 0, stdout: '[\n\t"CreateSecret"\n]\n' });
    expect(cli(['audit', '--SecretName', 'app/api', '--output', 'cols=operation,outcome', 'rows=Records'])).toMatchObject({
      code: 0,
      // With the blank line the aliyun CLI prints after a table, as on an operation.
      stdout: 'operation    | outcome\n---------    | -------\nCreateSecret | success\nDeleteSecret | success\n\n',
    });
    expect(cli(['target', 'list', '--cli-query', 'Targets.Target[].DBInstanceId'])).toMatchObject({ code: 0, stdout: '[\n\t"rm-help"\n]\n' });
    expect(cli(['rotate-due', '--dry-run', '--cli-query', 'length(Rotated)'])).toMatchObject({ code: 0, stdout: '0\n' });
    expect(cli(['configure', 'get', '--profile', 'dev', '--cli-query', 'region_id'])).toMatchObject({ code: 0, stdout: '"cn-hangzhou"\n' });
    expect(cli(['configure', 'get', '--profile', 'dev', '--cli-query', 'access_key_secret']).stdout).not.toContain('helpTestSecret');
  });

  test('--quiet prints nothing and does the work', () => {
    expect(cli(['target', 'add', '--InstanceId', 'i-quiet', '--Host', '127.0.0.1', '-q'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(cli(['target', 'list', '--cli-query', 'Targets.Target[].InstanceId']).stdout).toContain('i-quiet');
    expect(cli(['target', 'remove', '--InstanceId', 'i-quiet', '--quiet'])).toMatchObject({ code: 0, stdout: '' });
    expect(cli(['audit', '--quiet'])).toMatchObject({ code: 0, stdout: '' });
  });

  test('a bad --cli-query or --output is refused before a write: no target added, no rekey, no profile', () => {
    const badQuery = unchanged(['target', 'add', '--InstanceId', 'i-never', '--Host', '127.0.0.1', '--cli-query', 'Target.[']);
    expect(badQuery.code).toBe(1);
    expect(badQuery.stderr).toMatch(/^ERROR: JMESPath query failed/);
    const badOutput = unchanged(['rekey', '--output', 'rows=Failed']);
    expect(badOutput).toMatchObject({ code: 1, stderr: 'ERROR: you need to assign col=col1,col2,... with --output\n' });
    expect(unchanged(['configure', 'set', '--profile', 'never', '--region', 'cn-hangzhou', '--cli-query', 'x']).code).toBe(1);
    expect(unchanged(['configure', 'get', 'region', '--cli-query', 'region_id']).code).toBe(1);
  });
});
