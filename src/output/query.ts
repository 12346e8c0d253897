/** JMESPath evaluation for `--cli-query`, `--output rows=` and `--pager`, with go-jmespath-like error text. */
import jmespath from 'jmespath';

export class JmesPathError extends Error {}

/** Evaluates `expression` against `data`; a field that is not there is null, as in go-jmespath. */
export function search(data: unknown, expression: string): unknown {
  try {
    return jmespath.search(data, expression);
  } catch (err) {
    throw new JmesPathError(describe(err));
  }
}

/** Checks an expression's syntax without evaluating it. */
export function checkSyntax(expression: string): void {
  try {
    jmespath.compile(expression);
  } catch (err) {
    throw new JmesPathError(describe(err));
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'ParserError' || err.name === 'LexerError') return `SyntaxError: ${err.message}`;
  // jmespath.js fails on some incomplete expressions (`a.`) with a JavaScript TypeError.
  if (err.name === 'TypeError') return 'SyntaxError: incomplete expression';
  return err.message;
}
