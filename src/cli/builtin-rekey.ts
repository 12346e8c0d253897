/**
 * `kms-local rekey [--NewMasterKeyFile path]`: re-encrypts every secret under a new master key.
 * A progress bar on a terminal; a JSON summary on stdout; exit 1 when any secret failed.
 */
import { clockFrom } from '../api/context.js';
import { Home } from '../store/home.js';
import { rekey } from '../store/rekey.js';
import { storeUrlOf } from '../store/open-backend.js';
import { progressBar } from '../output/progress.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { formatResponse } from './run-operation.js';
import { CliError } from '../errors/errors.js';

/**
 * rekey rewrites every secret file and replaces the master key: it runs only when asked twice, by
 * --yes or by an answer at the terminal. A script without --yes is refused (exit 1, nothing
 * changed) rather than let a stray `rekey` in a pipeline go ahead.
 */
async function confirm(args: ParsedArgv, io: CliIo, home: Home): Promise<void> {
  if (args.globals.has('yes')) return;
  if (!io.stdinIsTty || !io.ask) {
    throw new CliError('rekey re-encrypts every secret and replaces the master key: pass --yes to run it without a terminal to confirm on. Nothing was changed.');
  }
  const answer = await io.ask(`Re-encrypt every secret in ${home.root} under a new master key? The current key is kept beside it. [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('rekey cancelled; nothing was changed.');
}

export async function runRekey(args: ParsedArgv, io: CliIo): Promise<number> {
  // Its flags were checked against the built-ins' table (builtin-dispatch.ts) before this runs.
  const newKeyFile = args.params.find((p) => p.name === 'NewMasterKeyFile')?.value;
  const home = new Home(io.env, io.stderr);
  // A shared store's records would stay under the old key while the hosts' key changed.
  if (storeUrlOf(home) !== undefined) {
    throw new CliError("rekey moves the secrets and keys of a home's files; this home uses a PostgreSQL store (KMS_LOCAL_STORE or `configure set --store`), which rekey does not move. Nothing was changed.");
  }
  await confirm(args, io, home);
  const bar = progressBar('rekey', io.stderr, io.stderrIsTty);
  const summary = rekey(home, { newKeyFile, nowMs: clockFrom(io.env), progress: bar.report });
  bar.finish();
  io.stdout(await formatResponse(summary, args));
  return summary.Failed.length > 0 ? 1 : 0;
}
