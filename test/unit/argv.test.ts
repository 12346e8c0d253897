/** src/cli/argv.ts splits argv as the aliyun CLI's parser does (docs/design.md §1). */
import { describe, expect, test } from '@jest/globals';
import { CliError } from '../../src/errors/errors.js';
import { parseArgv } from '../../src/cli/argv.js';

function cliErrorOf(argv: string[]): CliError {
  try {
    parseArgv(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError');
}

describe('parseArgv: parameter forms', () => {
  test.each([
    { name: '--A b', argv: ['--A', 'b'], value: 'b' },
    { name: '--A=b', argv: ['--A=b'], value: 'b' },
    { name: '--A:b', argv: ['--A:b'], value: 'b' },
    { name: '--A=b=c splits at the first =', argv: ['--A=b=c'], value: 'b=c' },
    { name: '--A:b:c splits at the first :', argv: ['--A:b:c'], value: 'b:c' },
    { name: '--A=b:c splits at the first of = and :', argv: ['--A=b:c'], value: 'b:c' },
    { name: '--A= gives an empty value', argv: ['--A='], value: '' },
    { name: '--A=-x gives a value starting with -', argv: ['--A=-x'], value: '-x' },
    { name: '--A ---x takes ---x as a value', argv: ['--A', '---x'], value: '---x' },
    { name: '--A -5 takes a negative number', argv: ['--A', '-5'], value: '-5' },
    { name: '--A with a value holding spaces and JSON', argv: ['--A', '["MyPendingLabel", "x y"]'], value: '["MyPendingLabel", "x y"]' },
  ])('$name', ({ argv, value }) => {
    const parsed = parseArgv(['GetSecretValue', ...argv]);
    expect(parsed.words).toEqual(['GetSecretValue']);
    expect(parsed.params).toEqual([{ name: 'A', flag: '--A', value, fromFile: false }]);
  });

  test('several parameters keep their order, words stay positional', () => {
    const parsed = parseArgv(['kms', 'PutSecretValue', '--SecretName', 'db_cred', '--VersionId=v2', '--SecretData:x']);
    expect(parsed.words).toEqual(['kms', 'PutSecretValue']);
    expect(parsed.params.map((p) => [p.name, p.value])).toEqual([
      ['SecretName', 'db_cred'],
      ['VersionId', 'v2'],
      ['SecretData', 'x'],
    ]);
  });

  test('names are kept exactly as written (case-sensitive)', () => {
    expect(parseArgv(['--secretname', 'x']).params[0]!.name).toBe('secretname');
  });
});

describe('parseArgv: --<Param>-FILE', () => {
  test.each([
    { name: '--SecretData-FILE path', argv: ['--SecretData-FILE', '/tmp/v'], value: '/tmp/v' },
    { name: '--SecretData-FILE=path', argv: ['--SecretData-FILE=/tmp/v'], value: '/tmp/v' },
    { name: '--SecretData-FILE - (stdin)', argv: ['--SecretData-FILE', '-'], value: '-' },
    { name: '--SecretData-FILE=- (stdin)', argv: ['--SecretData-FILE=-'], value: '-' },
  ])('$name reads SecretData from a file', ({ argv, value }) => {
    expect(parseArgv(argv).params).toEqual([{ name: 'SecretData', flag: '--SecretData-FILE', value, fromFile: true }]);
  });

  test('---FILE=x is a positional value word, not a file reference', () => {
    expect(parseArgv(['---FILE=x']).params).toEqual([]);
    expect(parseArgv(['---FILE=x']).words).toEqual(['---FILE=x']);
  });

  test('--X and --X-FILE together are a duplicated flag', () => {
    const err = cliErrorOf(['--SecretData', 'a', '--SecretData-FILE', '/tmp/v']);
    expect(err.message).toBe('parse failed flag duplicated --SecretData');
    expect(err.kind).toBe('plain');
  });
});

describe('parseArgv: errors', () => {
  test.each([
    { name: 'duplicated flag', argv: ['--SecretName', 'a', '--SecretName', 'b'], message: 'parse failed flag duplicated --SecretName', kind: 'plain' },
    { name: 'duplicated flag in two forms', argv: ['--SecretName=a', '--SecretName:b'], message: 'parse failed flag duplicated --SecretName', kind: 'plain' },
    { name: 'bare --', argv: ['GetSecretValue', '--', 'x'], message: "not support '--' in command line", kind: 'plain' },
    { name: 'a flag without value at the end', argv: ['--SecretName'], message: '--SecretName must be assigned with value', kind: 'plain' },
    { name: 'a flag followed by another flag', argv: ['--SecretName', '--VersionId', 'v1'], message: '--SecretName must be assigned with value', kind: 'plain' },
    { name: 'a value starting with - given with a space', argv: ['--SecretData', '-x'], message: '--SecretData must be assigned with value', kind: 'plain' },
    { name: 'an unknown single-dash flag', argv: ['-x'], message: "'-x' is not a valid flag", kind: 'suggestible' },
    { name: 'a duplicated global flag', argv: ['--region', 'a', '--region', 'b'], message: 'parse failed flag duplicated --region', kind: 'plain' },
  ])('$name', ({ argv, message, kind }) => {
    const err = cliErrorOf(argv);
    expect(err.message).toBe(message);
    expect(err.kind).toBe(kind);
  });
});

describe('parseArgv: global flags', () => {
  test('value flags, switches and their short forms', () => {
    const parsed = parseArgv(['GetSecretValue', '--region', 'cn-shanghai', '-q', '--cli-query=SecretData', '--SecretName', 'x']);
    expect(parsed.globals.get('region')).toEqual(['cn-shanghai']);
    expect(parsed.globals.get('quiet')).toEqual([]);
    expect(parsed.globals.get('cli-query')).toEqual(['SecretData']);
    expect(parsed.params.map((p) => p.name)).toEqual(['SecretName']);
  });

  test('--output takes the key=value words that follow it', () => {
    const parsed = parseArgv(['ListSecrets', '--output', 'cols=A,B', 'rows=SecretList.Secret[]', 'num=true', '--PageSize', '5']);
    expect(parsed.globals.get('output')).toEqual(['cols=A,B', 'rows=SecretList.Secret[]', 'num=true']);
    expect(parsed.params).toEqual([{ name: 'PageSize', flag: '--PageSize', value: '5', fromFile: false }]);
  });

  test('--header may repeat', () => {
    expect(parseArgv(['--header', 'a=1', '--header', 'b=2']).globals.get('header')).toEqual(['a=1', 'b=2']);
  });

  test('--RegionId is a global flag of its own', () => {
    expect(parseArgv(['--RegionId', 'cn-beijing']).globals.get('RegionId')).toEqual(['cn-beijing']);
  });
});
