/**
 * `kms-local rekey [--NewMasterKeyFile path]`: re-encrypts every secret under a new master key.
 * A progress bar on a terminal; a JSON summary on stdout; exit 1 when any secret failed.
 */
import { clockFrom } from '../api/context.js';
import { Home } from '../store/home.js';
import { rekey } from '../store/rekey.js';
import { progressBar } from '../output/progress.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { formatResponse } from './run-operation.js';

export async function runRekey(args: ParsedArgv, io: CliIo): Promise<number> {
  // Its flags were checked against the built-ins' table (builtin-dispatch.ts) before this runs.
  const newKeyFile = args.params.find((p) => p.name === 'NewMasterKeyFile')?.value;
  const home = new Home(io.env, io.stderr);
  const bar = progressBar('rekey', io.stderr, io.stderrIsTty);
  const summary = rekey(home, { newKeyFile, nowMs: clockFrom(io.env), progress: bar.report });
  bar.finish();
  io.stdout(await formatResponse(summary, args));
  return summary.Failed.length > 0 ? 1 : 0;
}
