/**
 * The aliyun CLI's output tools: `--cli-query <JMESPath>` and `--output cols=... rows=... num=true`.
 * A query result is printed as JSON (a string keeps its quotes, no match is `null`); a table is
 * printed as the CLI prints it, with the blank line its Println adds after the tabwriter's output.
 * When both are given, the query runs first and the table is made from its result.
 */
import { CliError } from '../errors/errors.js';
import { parseFields } from './fields.js';
import { checkSyntax, JmesPathError, search } from './query.js';
import { formatTable, OUTPUT_FIELDS } from './table.js';
import { parseWaiter } from './waiter.js';

export interface OutputOptions {
  query?: string;
  output?: string[];
  /**
   * The JSON rendering of responses (json.ts renderJson), handed in by the caller: this module is
   * loaded lazily, and importing json.ts here would split it out of the main chunk.
   */
  render: (value: unknown) => string;
}

export function runQuery(data: unknown, query: string): unknown {
  try {
    return search(data, query);
  } catch (err) {
    if (err instanceof JmesPathError) throw new CliError(`JMESPath query failed: ${err.message}`);
    throw err;
  }
}

export function formatWithTools(response: unknown, options: OutputOptions): string {
  const data = options.query === undefined ? response : runQuery(response, options.query);
  if (options.output === undefined) return options.render(data);
  return `${formatTable(data, parseFields('output', options.output, OUTPUT_FIELDS))}\n`;
}

export const PAGER_FIELDS = ['path', 'PageNumber', 'PageSize', 'TotalCount', 'NextToken'] as const;

/**
 * Checks `--cli-query`, `--output`, `--pager` and `--waiter` before the operation runs, so that a mistake in
 * them never follows a change to the store.
 */
export function checkTools(globals: ReadonlyMap<string, string[]>): void {
  const query = globals.get('cli-query')?.[0];
  const output = globals.get('output');
  const pager = globals.get('pager');
  if (query !== undefined) {
    try {
      checkSyntax(query);
    } catch (err) {
      if (err instanceof JmesPathError) throw new CliError(`JMESPath query failed: ${err.message}`);
      throw err;
    }
  }
  if (output !== undefined) {
    const fields = parseFields('output', output, OUTPUT_FIELDS);
    if (!fields.has('cols')) throw new CliError('you need to assign col=col1,col2,... with --output');
    const rows = fields.get('rows');
    if (rows !== undefined) {
      try {
        checkSyntax(`RootFilter[0].${rows}`);
      } catch (err) {
        if (err instanceof JmesPathError) throw new CliError(`jmespath: 'RootFilter[0].${rows}' failed ${err.message}`);
        throw err;
      }
    }
  }
  if (pager !== undefined) parseFields('pager', pager, PAGER_FIELDS);
  const waiter = globals.get('waiter');
  if (waiter !== undefined) {
    if (pager !== undefined) throw new CliError('flag --waiter is exclusive with --pager');
    parseWaiter(waiter);
  }
}
