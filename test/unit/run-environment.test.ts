/** `kms-local run`: its argv, variable names, spreading and collisions. */
import { describe, expect, test } from '@jest/globals';
import { CliError } from '../../src/errors/errors.js';
import { buildVariables, parseRunArgv, variableName, type RunRequest } from '../../src/run/environment.js';

describe('variableName', () => {
  test.each([
    ['db_cred', 'DB_CRED'],
    ['app/db-password', 'APP_DB_PASSWORD'],
    ['MyOAuthAppSecret', 'MYOAUTHAPPSECRET'],
    ['a.b@c+d=e', 'A_B_C_D_E'],
    ['1password', '_1PASSWORD'],
  ])('%s -> %s', (name, variable) => expect(variableName(name)).toBe(variable));
});

describe('parseRunArgv', () => {
  test('secrets, --Env, --Spread and globals before --; everything after -- is the command, untouched', () => {
    const request = parseRunArgv(['--SecretName', 'a/b', '--Env', 'DB=db_cred', '--Spread=true', '--region', 'cn-shanghai', '--', 'sh', '-c', 'echo --SecretName x', '--']);
    expect(request).toEqual({
      secrets: [{ secretName: 'a/b', variable: 'A_B' }, { secretName: 'db_cred', variable: 'DB' }],
      spread: true,
      globals: new Map([['region', 'cn-shanghai']]),
      command: ['sh', '-c', 'echo --SecretName x', '--'],
    });
  });

  test('an ARN gets the variable of its name', () => {
    const request = parseRunArgv(['--SecretName', 'acs:kms:cn-hangzhou:1234567890123456:secret/app/key', '--', 'true']) as RunRequest;
    expect(request.secrets[0]!.variable).toBe('APP_KEY');
  });

  test.each([
    [['--SecretName', 'a'], /needs the command/],
    [['--SecretName', 'a', '--'], /needs the command/],
    [['--', 'true'], /at least one --SecretName/],
    [['--Secret', 'a', '--', 'true'], /'--Secret' is not a valid flag of run/],
    [['--Env', 'a', '--', 'true'], /--Env must be NAME=/],
    [['--Env', '9X=a', '--', 'true'], /--Env must be NAME=/],
    [['--Spread', 'yes', '--SecretName', 'a', '--', 'true'], /--Spread must be true or false/],
    [['--SecretName', '--', 'true'], /must be assigned with value/],
    [['stray', '--', 'true'], /unexpected argument/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseRunArgv(argv)).toThrow(CliError);
    expect(() => parseRunArgv(argv)).toThrow(message);
  });

  test('--help', () => expect(parseRunArgv(['--help'])).toBe('help'));
});

describe('buildVariables', () => {
  const request = (spread: boolean, ...secrets: [string, string][]): RunRequest => ({
    secrets: secrets.map(([secretName, variable]) => ({ secretName, variable })),
    spread,
    globals: new Map(),
    command: ['true'],
  });

  test('one variable per secret', () => {
    expect(buildVariables(request(false, ['a', 'A'], ['b', 'B']), ['x', '{"k":1}'])).toEqual(new Map([['A', 'x'], ['B', '{"k":1}']]));
  });

  test('spread: one variable per key, prefixed with the variable of the secret', () => {
    const vars = buildVariables(request(true, ['db_cred', 'DB']), ['{"uname":"alice","pwd":"p w","port":5432,"tls":true,"opt":null,"more":{"a":1}}']);
    expect(vars).toEqual(
      new Map([['DB_UNAME', 'alice'], ['DB_PWD', 'p w'], ['DB_PORT', '5432'], ['DB_TLS', 'true'], ['DB_OPT', ''], ['DB_MORE', '{"a":1}']]),
    );
  });

  test('errors name the secret or the variable, never the value', () => {
    const secretValue = 'not-json-but-secret';
    expect(() => buildVariables(request(true, ['s', 'S']), [secretValue])).toThrow(/secret 's' is not a JSON object/);
    expect(() => buildVariables(request(true, ['s', 'S']), [secretValue])).not.toThrow(new RegExp(secretValue));
    expect(() => buildVariables(request(false, ['a/b', 'A_B'], ['a-b', 'A_B']), ['1', '2'])).toThrow(/would set the variable A_B/);
    expect(() => buildVariables(request(false, ['n', 'N']), ['nul\0byte'])).toThrow(/NUL byte/);
    expect(() => buildVariables(request(false, ['n', 'N']), ['nul\0byte'])).not.toThrow(/nul/);
  });
});
