/**
 * The pure parts of the aliyun CLI's output tools: Go's text/tabwriter, `%v` cells, the
 * `--output` table (vectors from aliyun-cli's openapi/output_filter_test.go), query quoting, the
 * key=value fields of --output/--pager, and the pager's merge.
 */
import { describe, expect, test } from '@jest/globals';
import { tabwrite } from '../../src/output/tabwriter.js';
import { goFormat } from '../../src/output/go-format.js';
import { formatTable } from '../../src/output/table.js';
import { parseFields, unquote } from '../../src/output/fields.js';
import { checkTools, formatWithTools as format, type OutputOptions } from '../../src/output/tools.js';
import { renderJson } from '../../src/output/json.js';
import { collectPages, collectionDocument, detectArrayPath } from '../../src/output/pager.js';
import { cliErrorMessage as cliError } from '../support/core.js';
import type { OperationSpec } from '../../src/api/operations.js';

const formatWithTools = (response: unknown, options: Omit<OutputOptions, 'render'>): string => format(response, { ...options, render: renderJson });
const debugTable = { minwidth: 0, padding: 1, padchar: ' ', debug: true };
const fields = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

describe('tabwrite (Go text/tabwriter)', () => {
  test('pads each column block to its widest cell plus padding, | between columns with Debug', () => {
    expect(tabwrite('SecretName\t SecretType\n----------\t ----------\nMyOAuthAppSecret\t Generic\ndb_cred\t Generic\n', debugTable)).toBe(
      'SecretName       | SecretType\n----------       | ----------\nMyOAuthAppSecret | Generic\ndb_cred          | Generic\n',
    );
  });

  test('a line with fewer cells ends a column block: later lines form a block of their own', () => {
    // Go's Example_elastic, left-aligned: the b's and the d's are in different columns.
    const text = 'a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n';
    expect(tabwrite(text, { minwidth: 0, padding: 1, padchar: '.', debug: true })).toBe(
      'a....|b..|c\naa...|bb.|cc\naaa..|\naaaa.|dddd.|eeee\n',
    );
  });

  test('the last cell of a line is not padded; text without a final newline keeps none', () => {
    expect(tabwrite('x\tlast', debugTable)).toBe('x |last');
    expect(tabwrite('only\nlines\n', debugTable)).toBe('only\nlines\n');
  });

  test('minwidth, no Debug (configure list)', () => {
    expect(tabwrite('ab\t| c\nabcdefghij\t| d\n', { minwidth: 8, padding: 1, padchar: ' ', debug: false })).toBe(
      'ab         | c\nabcdefghij | d\n',
    );
  });

  test('widths count characters, not bytes', () => {
    expect(tabwrite('密钥\t x\nabc\t y\n', debugTable)).toBe('密钥  | x\nabc | y\n');
  });
});

describe('goFormat (Go %v)', () => {
  test.each([
    [null, '<nil>'],
    [undefined, '<nil>'],
    ['text', 'text'],
    [42, '42'],
    [true, 'true'],
    [['ACSCurrent', 'ACSPrevious'], '[ACSCurrent ACSPrevious]'],
    [{ b: 1, a: ['x'], c: null }, 'map[a:[x] b:1 c:<nil>]'],
    [[], '[]'],
  ])('%p -> %p', (value, text) => {
    expect(goFormat(value)).toBe(text);
  });
});

describe('formatTable (--output)', () => {
  test('aliyun-cli vectors: rows that are not objects print <nil> cells', () => {
    const v = { User: ['test', 'test'] };
    expect(formatTable(v, fields({ cols: 'name,type,api', rows: 'User' }))).toBe(
      'name  | type  | api\n----  | ----  | ---\n<nil> | <nil> | <nil>\n<nil> | <nil> | <nil>\n',
    );
    expect(formatTable(v, fields({ cols: 'name,type,api', rows: 'User', num: 'true' }))).toBe(
      'Num | name  | type  | api\n--- | ----  | ----  | ---\n0   | <nil> | <nil> | <nil>\n1   | <nil> | <nil> | <nil>\n',
    );
  });

  test('aliyun-cli vectors: rows that are arrays take name:index columns', () => {
    const v = { User: [['test', 'test2'], ['test3', 'test4']] };
    expect(formatTable(v, fields({ cols: 'name:0,type:1', rows: 'User', num: 'true' }))).toBe(
      'Num | name  | type\n--- | ----  | ----\n0   | test  | test2\n1   | test3 | test4\n',
    );
    expect(cliError(() => formatTable(v, fields({ cols: 'name,type:1', rows: 'User' })))).toBe(
      "colNames: name must be string:number format, like 'name:0', 0 is the array index",
    );
  });

  test('rows default to the whole response; columns are JMESPath expressions', () => {
    const response = { SecretName: 'db', VersionStages: { VersionStage: ['ACSCurrent'] } };
    expect(formatTable(response, fields({ cols: 'SecretName,VersionStages.VersionStage,Missing' }))).toBe(
      'SecretName | VersionStages.VersionStage | Missing\n---------- | -------------------------- | -------\ndb         | [ACSCurrent]               | <nil>\n',
    );
  });

  test('quoted cols are unquoted', () => {
    expect(formatTable({ a: 1 }, fields({ cols: '"a"' }))).toBe('a\n-\n1\n');
  });

  test('errors as the aliyun CLI words them', () => {
    expect(cliError(() => formatTable({ User: 'x' }, fields({ cols: 'a', rows: 'User' })))).toBe(
      "jmespath: 'RootFilter[0].User' failed Need Array Expr",
    );
    expect(cliError(() => formatTable({}, fields({ rows: 'User' })))).toBe('you need to assign col=col1,col2,... with --output');
    expect(cliError(() => formatTable({}, fields({ cols: 'a', rows: 'User[' })))).toMatch(/^jmespath: 'RootFilter\[0\]\.User\[' failed SyntaxError: /);
  });
});

describe('--cli-query', () => {
  const response = { RequestId: 'r', SecretData: 'sample-app-secret', VersionStages: { VersionStage: ['ACSCurrent'] }, Count: 3 };

  test('a string result keeps its quotes', () => {
    expect(formatWithTools(response, { query: 'SecretData' })).toBe('"sample-app-secret"\n');
  });

  test('numbers, objects and arrays as the CLI renders JSON; no match is null', () => {
    expect(formatWithTools(response, { query: 'Count' })).toBe('3\n');
    expect(formatWithTools(response, { query: 'VersionStages' })).toBe('{\n\t"VersionStage": [\n\t\t"ACSCurrent"\n\t]\n}\n');
    expect(formatWithTools(response, { query: '{z: SecretData, a: RequestId}' })).toBe('{\n\t"a": "r",\n\t"z": "sample-app-secret"\n}\n');
    expect(formatWithTools(response, { query: 'Nope' })).toBe('null\n');
  });

  test('no HTML escaping in the result', () => {
    expect(formatWithTools({ v: '<a&b>' }, { query: 'v' })).toBe('"<a&b>"\n');
  });

  test('a query and a table: the table is made from the query result, with the CLI Println blank line', () => {
    expect(formatWithTools({ L: { I: [{ n: 'x' }] } }, { query: 'L', output: ['cols=n', 'rows=I[]'] })).toBe('n\n-\nx\n\n');
  });

  test('a bad expression is a CLI error, found before the operation runs', () => {
    expect(cliError(() => formatWithTools(response, { query: 'foo[' }))).toMatch(/^JMESPath query failed: SyntaxError: /);
    expect(cliError(() => checkTools(new Map([['cli-query', ['foo[']]])))).toMatch(/^JMESPath query failed: /);
    expect(cliError(() => checkTools(new Map([['output', ['rows=x']]])))).toBe('you need to assign col=col1,col2,... with --output');
    expect(cliError(() => checkTools(new Map([['pager', ['cols=x']]])))).toBe("--pager can't assign with cols=");
    expect(() => checkTools(new Map([['cli-query', ['a.b']], ['output', ['cols=a', 'num=true']], ['pager', ['path=A.B[]']]]))).not.toThrow();
  });
});

describe('parseFields', () => {
  test('key=value words, split at the first =', () => {
    expect(parseFields('output', ['cols=A,B', 'rows=X[?a==`1`]'], ['cols', 'rows', 'num'])).toEqual(fields({ cols: 'A,B', rows: 'X[?a==`1`]' }));
  });

  test('unknown, duplicated and bare fields', () => {
    expect(cliError(() => parseFields('output', ['path=x'], ['cols']))).toBe("--output can't assign with path=");
    expect(cliError(() => parseFields('output', ['cols=a', 'cols=b'], ['cols']))).toBe('bad flag format --output with field cols= duplicated');
    expect(cliError(() => parseFields('output', ['json'], ['cols']))).toBe("--output can't assign with value");
  });

  test('unquote', () => {
    expect(unquote('"a,b"')).toBe('a,b');
    expect(unquote('"')).toBe('"');
    expect(unquote('a')).toBe('a');
  });
});

describe('pager', () => {
  test('detects the first X.Y[] array', () => {
    expect(detectArrayPath({ PageNumber: 1, RequestId: 'r', SecretList: { Secret: [] }, TotalCount: 0 })).toBe('SecretList.Secret[]');
    expect(detectArrayPath({ VersionIds: { VersionId: [{}] }, SecretName: 'x' })).toBe('VersionIds.VersionId[]');
    expect(detectArrayPath({ A: [1], B: 'x' })).toBeUndefined();
  });

  test('the merged document holds only the collection; an empty merge is null, as Go marshals it', () => {
    expect(collectionDocument('SecretList.Secret[]', [1, 2])).toEqual({ SecretList: { Secret: [1, 2] } });
    expect(collectionDocument('Items[]', [1])).toEqual({ Items: [1] });
    expect(collectionDocument('A.B.C[]', [])).toEqual({ B: { C: null } });
  });

  const items = Array.from({ length: 7 }, (_, i) => ({ Id: `v${i}` }));
  const op = { name: 'ListThings', params: [{ name: 'PageNumber' }, { name: 'PageSize' }] } as unknown as OperationSpec;
  const paged = (calls: unknown[]) => async (values: Record<string, unknown>) => {
    calls.push(values);
    const number = (values.PageNumber as number | undefined) ?? 1;
    const size = (values.PageSize as number | undefined) ?? 3;
    return { PageNumber: number, PageSize: size, TotalCount: items.length, RequestId: 'r', Things: { Thing: items.slice((number - 1) * size, number * size) } };
  };

  test('calls page after page with PageNumber and merges every item', async () => {
    const calls: unknown[] = [];
    const merged = await collectPages(op, paged(calls), { PageSize: 3 }, []);
    expect(merged).toEqual({ Things: { Thing: items } });
    expect(calls).toEqual([{ PageSize: 3 }, { PageSize: 3, PageNumber: 2 }, { PageSize: 3, PageNumber: 3 }]);
  });

  test('path= names the collection; an operation without PageNumber is refused', async () => {
    expect(await collectPages(op, paged([]), {}, ['path=Things.Thing[]'])).toEqual({ Things: { Thing: items } });
    const plain = { name: 'GetThing', params: [{ name: 'Name' }] } as unknown as OperationSpec;
    await expect(collectPages(plain, paged([]), {}, [])).rejects.toThrow("--pager can't be used with GetThing");
  });

  test('a response with no X.Y[] array needs path=', async () => {
    await expect(collectPages(op, async () => ({ PageNumber: 1, PageSize: 1, TotalCount: 1 }), {}, [])).rejects.toThrow(
      "call failed can't auto recognize collections path: you need add `--pager path=[jmespath]` to assign manually",
    );
  });
});
