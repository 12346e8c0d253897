/**
 * `--output cols=A,B [rows=<jmespath>] [num=true]`, as the aliyun CLI prints it
 * (openapi/output_filter.go): the response is wrapped as {"RootFilter":[response]}, rows default to
 * the whole response, each column is a JMESPath expression evaluated on a row and printed with Go's
 * `%v`; the table goes through text/tabwriter with the Debug flag (` | ` between columns). Rows that
 * are arrays take columns written `name:index`. Pure.
 */
import { CliError } from '../errors/errors.js';
import { unquote } from './fields.js';
import { goFormat } from './go-format.js';
import { JmesPathError, search } from './query.js';
import { tabwrite } from './tabwriter.js';

export const OUTPUT_FIELDS = ['cols', 'rows', 'num'] as const;

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function parseArrayColumn(col: string): { name: string; index: number } {
  const parts = col.split(':');
  if (parts.length !== 2 || !/^[0-9]*$/.test(parts[1]!) || parts[1] === '') {
    throw new CliError(`colNames: ${col} must be string:number format, like 'name:0', 0 is the array index`);
  }
  return { name: parts[0]!, index: Number(parts[1]) };
}

export function formatTable(response: unknown, fields: ReadonlyMap<string, string>): string {
  const cols = fields.get('cols');
  if (cols === undefined) throw new CliError('you need to assign col=col1,col2,... with --output');
  const rowsExpr = fields.get('rows');
  const rowPath = rowsExpr === undefined ? 'RootFilter' : `RootFilter[0].${rowsExpr}`;
  const num = fields.get('num') === 'true';
  let colNames = unquote(cols).split(',');
  if (num) colNames = ['Num', ...colNames];

  let rows: unknown;
  try {
    rows = search({ RootFilter: [response] }, rowPath);
  } catch (err) {
    if (err instanceof JmesPathError) throw new CliError(`jmespath: '${rowPath}' failed ${err.message}`);
    throw err;
  }
  if (!Array.isArray(rows)) throw new CliError(`jmespath: '${rowPath}' failed Need Array Expr`);

  const arrayRows = rows.length > 0 && Array.isArray(rows[0]);
  let header = colNames;
  let indexes: number[] = [];
  if (arrayRows) {
    const parsed = colNames.filter((c) => c !== 'Num').map(parseArrayColumn);
    header = [...(num ? ['Num'] : []), ...parsed.map((p) => p.name)];
    indexes = parsed.map((p) => p.index);
  }

  const lines = [header.join('\t '), header.map((c) => '-'.repeat(byteLength(c))).join('\t ')];
  rows.forEach((row, i) => {
    const cells: string[] = num ? [String(i)] : [];
    if (arrayRows) {
      for (const index of indexes) cells.push(goFormat(Array.isArray(row) ? row[index] : null));
    } else {
      for (const col of colNames.slice(num ? 1 : 0)) {
        let value: unknown = null;
        try {
          value = search(row, col);
        } catch {
          // The aliyun CLI ignores a column's evaluation error: the cell prints <nil>.
        }
        cells.push(goFormat(value));
      }
    }
    lines.push(cells.join('\t '));
  });
  return tabwrite(lines.map((l) => `${l}\n`).join(''), { minwidth: 0, padding: 1, padchar: ' ', debug: true });
}
