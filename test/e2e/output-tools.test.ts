/**
 * The aliyun CLI's output tools through bin/kms-local.js: --cli-query, --output, --quiet and
 * --pager print exactly what the aliyun CLI prints for the same response (docs/reference/aliyun-kms-api.md §6.2 and the
 * transcripts), and a mistake in them changes nothing in the store.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { aliyunJson, hashTree, makeHome, removeHome, runCli, runCliAsync, type CliResult } from '../support/cli.js';

let home: string;

function kms(...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

function ok(result: CliResult): string {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return result.stdout;
}

beforeAll(() => {
  home = makeHome();
  ok(kms('CreateSecret', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'initial-value', '--VersionId', 'v1'));
  ok(kms('PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'sample-app-secret', '--VersionId', 'v2'));
  ok(kms('CreateSecret', '--SecretName', 'db_cred', '--SecretData', '{"pwd":"x"}', '--VersionId', 'v1'));
  // Seven versions, newest first: v7 (ACSCurrent), v6 (ACSPrevious), then five without a stage.
  ok(kms('CreateSecret', '--SecretName', 'paged', '--SecretData', 'd1', '--VersionId', 'v1'));
  for (let i = 2; i <= 7; i++) ok(kms('PutSecretValue', '--SecretName', 'paged', '--SecretData', `d${i}`, '--VersionId', `v${i}`));
});

afterAll(() => removeHome(home));

describe('--cli-query', () => {
  test('a string result keeps its quotes (transcript)', () => {
    expect(ok(kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret', '--cli-query', 'SecretData'))).toBe('"sample-app-secret"\n');
  });

  test('objects and arrays in the aliyun rendering; no match is null', () => {
    expect(ok(kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret', '--cli-query', 'VersionStages'))).toBe(
      '{\n\t"VersionStage": [\n\t\t"ACSCurrent"\n\t]\n}\n',
    );
    expect(ok(kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret', '--cli-query', '[SecretName,VersionId]'))).toBe(
      '[\n\t"MyOAuthAppSecret",\n\t"v2"\n]\n',
    );
    expect(ok(kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret', '--cli-query', 'NoSuchField'))).toBe('null\n');
  });

  test('a bad expression: ERROR on stderr, exit 1, and a mutating operation does not run', () => {
    const before = hashTree(home);
    const result = kms('PutSecretValue', '--SecretName', 'db_cred', '--SecretData', 'new', '--VersionId', 'v9', '--cli-query', 'foo[');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERROR: JMESPath query failed: SyntaxError: .+\n$/);
    expect(hashTree(home)).toBe(before);
  });
});

describe('--output', () => {
  test('the transcript table: ` | ` between columns, dashes as long as the names, the CLI blank line', () => {
    expect(ok(kms('ListSecrets', '--output', 'cols=SecretName,SecretType', 'rows=SecretList.Secret[]'))).toBe(
      'SecretName       | SecretType\n' +
        '----------       | ----------\n' +
        'MyOAuthAppSecret | Generic\n' +
        'db_cred          | Generic\n' +
        'paged            | Generic\n' +
        '\n',
    );
  });

  test('num=true numbers rows from 0; -o is --output', () => {
    expect(ok(kms('ListSecretVersionIds', '--SecretName', 'MyOAuthAppSecret', '-o', 'cols=VersionId,VersionStages.VersionStage', 'rows=VersionIds.VersionId[]', 'num=true'))).toBe(
      'Num | VersionId | VersionStages.VersionStage\n' +
        '--- | --------- | --------------------------\n' +
        '0   | v2        | [ACSCurrent]\n' +
        '1   | v1        | [ACSPrevious]\n' +
        '\n',
    );
  });

  test('rows default to the whole response', () => {
    expect(ok(kms('GetSecretValue', '--SecretName', 'db_cred', '--output', 'cols=SecretName,VersionId,SecretDataType'))).toBe(
      'SecretName | VersionId | SecretDataType\n---------- | --------- | --------------\ndb_cred    | v1        | text\n\n',
    );
  });

  test('errors as the aliyun CLI words them, exit 1', () => {
    const notArray = kms('GetSecretValue', '--SecretName', 'db_cred', '--output', 'cols=SecretName', 'rows=SecretName');
    expect({ code: notArray.code, stdout: notArray.stdout, stderr: notArray.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: "ERROR: jmespath: 'RootFilter[0].SecretName' failed Need Array Expr\n",
    });
    const noCols = kms('GetSecretValue', '--SecretName', 'db_cred', '--output', 'rows=x');
    expect(noCols.stderr).toBe('ERROR: you need to assign col=col1,col2,... with --output\n');
    expect(noCols.code).toBe(1);
    const badField = kms('GetSecretValue', '--SecretName', 'db_cred', '--output', 'cols=a', 'path=x');
    expect(badField.stderr).toBe("ERROR: --output can't assign with path=\n");
  });

  test('a bad --output does not let a mutating operation run', () => {
    const before = hashTree(home);
    const result = kms('PutSecretValue', '--SecretName', 'db_cred', '--SecretData', 'new', '--VersionId', 'v9', '--output', 'rows=x');
    expect(result.code).toBe(1);
    expect(hashTree(home)).toBe(before);
  });
});

describe('--quiet', () => {
  test('prints nothing on success, and the change is made', () => {
    const result = kms('CreateSecret', '--SecretName', 'quiet-one', '--SecretData', 'q', '--VersionId', 'v1', '--quiet');
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(ok(kms('GetSecretValue', '--SecretName', 'quiet-one', '--cli-query', 'SecretData', '-q'))).toBe('');
    expect(ok(kms('GetSecretValue', '--SecretName', 'quiet-one', '--cli-query', 'SecretData'))).toBe('"q"\n');
  });
});

describe('--pager', () => {
  const all = (): unknown[] =>
    JSON.parse(ok(kms('ListSecretVersionIds', '--SecretName', 'paged', '--IncludeDeprecated', 'true', '--PageSize', '100'))).VersionIds.VersionId;

  test('merges every page of ListSecretVersionIds into one document of the collection', () => {
    const items = all();
    expect(items).toHaveLength(7);
    const merged = kms('ListSecretVersionIds', '--SecretName', 'paged', '--IncludeDeprecated', 'true', '--PageSize', '2', '--pager');
    expect(ok(merged)).toBe(aliyunJson({ VersionIds: { VersionId: items } }));
  });

  test('the pages are the pages one would fetch by hand', () => {
    const byHand: unknown[] = [];
    for (let page = 1; page <= 3; page++) {
      const json = JSON.parse(
        ok(kms('ListSecretVersionIds', '--SecretName', 'paged', '--IncludeDeprecated', 'true', '--PageSize', '3', '--PageNumber', String(page))),
      );
      byHand.push(...json.VersionIds.VersionId);
    }
    const merged = JSON.parse(ok(kms('ListSecretVersionIds', '--SecretName', 'paged', '--IncludeDeprecated', 'true', '--PageSize', '3', '--pager')));
    expect(merged.VersionIds.VersionId).toEqual(byHand);
  });

  test('path= and the other tools on the merged document', () => {
    expect(
      ok(kms('ListSecretVersionIds', '--SecretName', 'paged', '--IncludeDeprecated', 'true', '--PageSize', '2', '--pager', 'path=VersionIds.VersionId[]', '--cli-query', 'VersionIds.VersionId[].VersionId')),
    ).toBe(aliyunJson(['v7', 'v6', 'v5', 'v4', 'v3', 'v2', 'v1']));
    expect(ok(kms('ListSecretVersionIds', '--SecretName', 'paged', '--IncludeDeprecated', 'true', '--PageSize', '3', '--pager', '--output', 'cols=VersionId', 'rows=VersionIds.VersionId[]'))).toBe(
      'VersionId\n---------\nv7\nv6\nv5\nv4\nv3\nv2\nv1\n\n',
    );
  });

  test('ListSecrets pages too', () => {
    const merged = JSON.parse(ok(kms('ListSecrets', '--PageSize', '1', '--pager')));
    expect(merged.SecretList.Secret.map((s: { SecretName: string }) => s.SecretName).sort()).toEqual(['MyOAuthAppSecret', 'db_cred', 'paged', 'quiet-one']);
  });

  test('an operation that is not paged is refused', () => {
    const result = kms('GetSecretValue', '--SecretName', 'db_cred', '--pager');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: --pager can't be used with GetSecretValue/);
  });
});

describe('--waiter', () => {
  test('returns once another process has changed the value the expression reads', async () => {
    ok(kms('CreateSecret', '--SecretName', 'waited', '--SecretData', 'x', '--VersionId', 'v1', '--Description', 'provisioning'));
    const waiting = runCliAsync(['kms', 'DescribeSecret', '--SecretName', 'waited', '--waiter', 'expr=Description', 'to=ready', 'interval=1', 'timeout=30', '--cli-query', 'Description'], { home });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    ok(kms('UpdateSecret', '--SecretName', 'waited', '--Description', 'ready'));
    const done = await waiting;
    expect({ code: done.code, stdout: done.stdout, stderr: done.stderr }).toEqual({ code: 0, stdout: '"ready"\n', stderr: '' });
  });

  test('times out with the last value, exit 1', () => {
    const result = kms('DescribeSecret', '--SecretName', 'db_cred', '--waiter', 'expr=SecretType', 'to=Rds', 'interval=1', 'timeout=1');
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: "ERROR: wait 'SecretType' to 'Rds' timeout(1seconds), last='Generic'\n" });
  });

  test.each([
    [['--waiter', 'to=x'], 'ERROR: bad flag format --waiter with field expr= required\n'],
    [['--waiter', 'expr=SecretName', 'to=x', '--pager'], 'ERROR: flag --waiter is exclusive with --pager\n'],
  ])('%j is refused before the operation runs', (flags, stderr) => {
    const before = hashTree(home);
    const result = kms('UpdateSecret', '--SecretName', 'db_cred', '--Description', 'changed', ...flags);
    expect(result).toMatchObject({ code: 1, stderr });
    expect(hashTree(home)).toBe(before);
  });
});
