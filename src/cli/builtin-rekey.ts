/**
 * `kms-local rekey [--NewMasterKeyFile path]`: re-encrypts every secret under a new master key.
 * A progress bar on a terminal; a JSON summary on stdout; exit 1 when any secret failed.
 */
import { CliError } from '../errors/errors.js';
import { clockFrom } from '../api/context.js';
import { Home } from '../store/home.js';
import { rekey } from '../store/rekey.js';
import { renderJson } from '../output/json.js';
import { progressBar } from '../output/progress.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { suggest } from './suggest.js';

export async function runRekey(args: ParsedArgv, io: CliIo): Promise<number> {
  if (args.words.length > 1) throw new CliError('rekey takes no arguments; see `kms-local help`.');
  let newKeyFile: string | undefined;
  for (const p of args.params) {
    if (p.name !== 'NewMasterKeyFile' || p.fromFile) {
      throw new CliError(`'${p.flag}' is not a valid flag of \`kms-local rekey\`.`, {
        kind: 'suggestible',
        suggestions: suggest(`--${p.name}`, ['--NewMasterKeyFile']),
      });
    }
    newKeyFile = p.value;
  }
  const home = new Home(io.env);
  const bar = progressBar('rekey', io.stderr, io.stderrIsTty);
  const summary = rekey(home, { newKeyFile, nowMs: clockFrom(io.env), progress: bar.report });
  bar.finish();
  io.stdout(renderJson(summary));
  return summary.Failed.length > 0 ? 1 : 0;
}
