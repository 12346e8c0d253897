/**
 * `kms-local rekey [--NewMasterKeyFile path]`: re-encrypts every secret, key and alias table of the
 * home's store (files or PostgreSQL) under a new master key. A progress bar on a terminal; a JSON
 * summary on stdout; exit 1 when any record failed.
 */
import { clockFrom } from '../api/context.js';
import { Home } from '../store/home.js';
import { rekey } from '../store/rekey.js';
import { progressBar } from '../output/progress.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { formatResponse } from './run-operation.js';
import { CliError } from '../errors/errors.js';
import { backendOf, closeBackendOf, storeUrlOf } from '../store/open-backend.js';
import { describeStore } from '../store/pg/connection.js';

/**
 * rekey rewrites every secret file and replaces the master key: it runs only when asked twice, by
 * --yes or by an answer at the terminal. A script without --yes is refused (exit 1, nothing
 * changed) rather than let a stray `rekey` in a pipeline go ahead.
 */
async function confirm(args: ParsedArgv, io: CliIo, home: Home, storeUrl: string | undefined): Promise<void> {
  if (args.globals.has('yes')) return;
  if (!io.stdinIsTty || !io.ask) {
    throw new CliError('rekey re-encrypts every secret and replaces the master key: pass --yes to run it without a terminal to confirm on. Nothing was changed.');
  }
  const where = storeUrl === undefined ? home.root : `${describeStore(storeUrl)} (every host using it must then be given the new key)`;
  const answer = await io.ask(`Re-encrypt every secret in ${where} under a new master key? The current key is kept beside it. [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('rekey cancelled; nothing was changed.');
}

export async function runRekey(args: ParsedArgv, io: CliIo): Promise<number> {
  // Its flags were checked against the built-ins' table (builtin-dispatch.ts) before this runs.
  const newKeyFile = args.params.find((p) => p.name === 'NewMasterKeyFile')?.value;
  const home = new Home(io.env, io.stderr);
  const storeUrl = storeUrlOf(home);
  await confirm(args, io, home, storeUrl);
  const bar = progressBar('rekey', io.stderr, io.stderrIsTty);
  let summary;
  try {
    summary = await rekey(home, backendOf(home), { newKeyFile, nowMs: clockFrom(io.env), progress: bar.report, storeUrl });
  } finally {
    await closeBackendOf(home);
  }
  bar.finish();
  io.stdout(await formatResponse(summary, args));
  return summary.Failed.length > 0 ? 1 : 0;
}
