/**
 * The CLI entry: argv -> built-in command or operation -> exit code. Every error ends here and is
 * printed once, in the aliyun CLI's words; nothing else in kms-local prints or exits.
 */
import { randomUUID } from 'node:crypto';
import { CliError, ExitCode, ServiceError, exitCodeFor, storageError } from '../errors/errors.js';
import { findOperation, operations } from '../api/operations.js';
import { plainPainter, renderCliError, renderServiceError, type Painter, type Printed } from '../output/errors.js';
import { parseArgv } from './argv.js';
import { runHelp, runVersion, unknownOperation } from './builtin-help.js';
import { findBuiltinWord, runBuiltin } from './builtin-dispatch.js';
import { builtinCommands } from './builtins.js';
import type { CliIo } from './io.js';
import { runOperation, type OperationRun } from './run-operation.js';
import { suggest } from './suggest.js';
import { importPackage } from '../import-package.js';

async function painterFor(io: CliIo): Promise<Painter> {
  if (!io.stderrIsTty || io.env.NO_COLOR) return plainPainter;
  const { default: chalk } = await importPackage<typeof import('chalk')>('chalk');
  return { error: (t) => chalk.bold.red(t), notice: (t) => chalk.bold.yellow(t) };
}

async function dispatch(argv: readonly string[], io: CliIo, run: OperationRun): Promise<number> {
  const rest = argv[0]?.toLowerCase() === 'kms' ? argv.slice(1) : argv;
  // As most command-line tools answer them, with no operation or command named.
  if (rest.length === 1 && (rest[0] === '--version' || rest[0] === '-V')) return runVersion(io);
  if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) return runHelp({ words: ['help'], params: [], globals: new Map() }, io);
  const builtin = findBuiltinWord(rest);
  if (builtin) return runBuiltin(builtin.spec, [...rest.slice(0, builtin.at), ...rest.slice(builtin.at + 1)], io);
  const args = parseArgv(argv);
  if (args.words[0]?.toLowerCase() === 'kms') args.words.shift();
  const [first] = args.words;
  if (first === undefined) return runHelp({ ...args, words: ['help'] }, io);
  const op = findOperation(first);
  if (op) return runOperation(op, args, io, run);
  if (/^[A-Z]/.test(first)) throw unknownOperation(first);
  throw new CliError(`'${first}' is not a valid command or product. See \`kms-local help\`.`, {
    kind: 'suggestible',
    // `getsecretvalue` is an operation typed in the wrong case more often than a product.
    suggestions: suggest(first, ['kms', ...builtinCommands.map((c) => c.name), ...operations.map((op) => op.name)]),
  });
}

function report(err: unknown, io: CliIo, run: OperationRun, paint: Painter): Printed {
  if (err instanceof ServiceError) return renderServiceError(err, run.ctx?.requestId ?? randomUUID(), paint);
  if (err instanceof CliError) return renderCliError(err, paint);
  // A bug: one line for the user, the stack only on request. Never a value: errors carry none.
  const detail = io.env.KMS_LOCAL_DEBUG === '1' && err instanceof Error ? `\n${err.stack}` : '';
  const message = err instanceof Error ? err.message : String(err);
  return { stdout: '', stderr: `${paint.error(`ERROR: internal error: ${message}`)}${detail}\n(set KMS_LOCAL_DEBUG=1 to see the stack)\n` };
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const run: OperationRun = {};
  try {
    return await dispatch(argv, io, run);
  } catch (caught) {
    // A system error of the home outside an operation's handler (making the home, its key file).
    const err = storageError(caught) ?? caught;
    const printed = report(err, io, run, await painterFor(io));
    if (printed.stderr) io.stderr(printed.stderr);
    if (printed.stdout) io.stdout(printed.stdout);
    return err instanceof ServiceError || err instanceof CliError ? exitCodeFor(err) : ExitCode.error;
  }
}
