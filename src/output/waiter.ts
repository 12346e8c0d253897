/**
 * `--waiter expr=<JMESPath> to=<value> [timeout=180] [interval=5]`, as the aliyun CLI has it
 * (openapi/waiter.go): call the operation again and again until the expression, which must give a
 * string, equals `to`; give up after `timeout` seconds. Not with `--pager`.
 */
import { CliError } from '../errors/errors.js';
import { goFormat } from './go-format.js';
import { JmesPathError, search } from './query.js';
import { parseFields } from './fields.js';

export const WAITER_FIELDS = ['expr', 'to', 'timeout', 'interval'] as const;

export interface WaiterSpec {
  expr: string;
  to: string;
  timeoutMs: number;
  intervalMs: number;
}

function seconds(field: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback * 1000;
  if (!/^-?\d+$/.test(text)) throw new CliError(`--waiter ${field}=${text} must be integer`);
  const n = Number(text);
  if (n <= 0) throw new CliError(`--waiter ${field}=${text} must be a positive number of seconds`);
  return n * 1000;
}

export function parseWaiter(words: readonly string[]): WaiterSpec {
  const fields = parseFields('waiter', words, WAITER_FIELDS);
  for (const required of ['expr', 'to']) {
    if (!fields.has(required)) throw new CliError(`bad flag format --waiter with field ${required}= required`);
  }
  return {
    expr: fields.get('expr')!,
    to: fields.get('to')!,
    timeoutMs: seconds('timeout', fields.get('timeout'), 180),
    intervalMs: seconds('interval', fields.get('interval'), 5),
  };
}

function evaluate(response: unknown, expr: string): string {
  let value: unknown;
  try {
    value = search(response, expr);
  } catch (err) {
    if (err instanceof JmesPathError) throw new CliError(`jmes search failed ${err.message}`);
    throw err;
  }
  if (typeof value !== 'string') throw new CliError(`object ${goFormat(value)} isn't string`);
  return value;
}

export interface WaitClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const realClock: WaitClock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** Calls until the expression gives `to`, and returns that response. */
export async function waitFor<T>(call: () => Promise<T>, spec: WaiterSpec, clock: WaitClock = realClock): Promise<T> {
  const begin = clock.now();
  for (;;) {
    const response = await call();
    const value = evaluate(response, spec.expr);
    if (value === spec.to) return response;
    if (clock.now() - begin > spec.timeoutMs) {
      throw new CliError(`wait '${spec.expr}' to '${spec.to}' timeout(${spec.timeoutMs / 1000}seconds), last='${value}'`);
    }
    await clock.sleep(spec.intervalMs);
  }
}
