/**
 * `kms-local rotate-due [--dry-run] [--region <id>]`: rotates every secret whose NextRotationDate
 * has passed (KMS_LOCAL_NOW is honoured), purges secrets past their deletion date, prints a JSON
 * summary, and exits 1 if any rotation failed. Meant for cron, a systemd timer or a CI schedule
 * (docs/rotation.md).
 */
import { clockFrom } from '../api/context.js';
import { rotateDue } from '../api/rotate-due.js';
import { progressBar } from '../output/progress.js';
import { Home } from '../store/home.js';
import { closeBackendOf } from '../store/open-backend.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { formatResponse } from './run-operation.js';
import { isRegionId } from '../core/model.js';
import { CliError } from '../errors/errors.js';

export async function runRotateDue(args: ParsedArgv, io: CliIo): Promise<number> {
  // Its flags were checked against the built-ins' table (builtin-dispatch.ts) before this runs.
  const dryRun = args.params.some((p) => p.name === 'dry-run');
  const region = args.globals.get('region')?.[0];
  if (region !== undefined && !isRegionId(region)) throw new CliError(`--region needs a region id, not '${region}'. See \`kms-local rotate-due --help\`.`);
  const bar = progressBar('rotate-due', io.stderr, io.stderrIsTty);
  const home = new Home(io.env, io.stderr);
  let summary;
  try {
    summary = await rotateDue(home, clockFrom(io.env), { dryRun, region, progress: bar.report });
  } finally {
    await closeBackendOf(home);
  }
  bar.finish();
  io.stdout(await formatResponse(summary, args));
  return summary.Failed.length > 0 ? 1 : 0;
}
