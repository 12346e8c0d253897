/**
 * `kms-local rotate-due [--dry-run] [--region <id>]`: rotates every secret whose NextRotationDate
 * has passed (KMS_LOCAL_NOW is honoured), purges secrets past their deletion date, prints a JSON
 * summary, and exits 1 if any rotation failed. Meant for cron, a systemd timer or a CI schedule
 * (docs/rotation.md).
 */
import { CliError } from '../errors/errors.js';
import { clockFrom } from '../api/context.js';
import { rotateDue } from '../api/rotate-due.js';
import { renderJson } from '../output/json.js';
import { progressBar } from '../output/progress.js';
import { Home } from '../store/home.js';
import type { CliIo } from './io.js';
import { suggest } from './suggest.js';
import { isRegionId } from '../core/model.js';

const USAGE = 'usage: kms-local rotate-due [--dry-run] [--region <id>]';

export async function runRotateDue(argv: readonly string[], io: CliIo): Promise<number> {
  let dryRun = false;
  let region: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run' || arg === '--dryrun') dryRun = true;
    else if (arg === '--help') {
      io.stdout(`${USAGE}\n\nRotates every ECS and Rds secret whose NextRotationDate has passed (KMS_LOCAL_NOW overrides the clock),\nmakes a new version of every Enabled key with automatic rotation that is due,\npurges secrets past their PlannedDeleteTime, and prints a JSON summary. Exit status 1 if any rotation failed.\nWith --dry-run it only lists what it would do. Without --region every region of the home is scanned.\n`);
      return 0;
    } else if (arg === '--region' || arg === '--RegionId' || arg.startsWith('--region=') || arg.startsWith('--RegionId=')) {
      region = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!region || !isRegionId(region)) throw new CliError(`--region needs a region id. ${USAGE}`);
    } else {
      throw new CliError(`'${arg}' is not a valid flag of \`kms-local rotate-due\`. ${USAGE}`, {
        kind: 'suggestible',
        suggestions: suggest(arg, ['--dry-run', '--region', '--help']),
      });
    }
  }
  const bar = progressBar('rotate-due', io.stderr, io.stderrIsTty);
  const summary = await rotateDue(new Home(io.env), clockFrom(io.env), { dryRun, region, progress: bar.report });
  bar.finish();
  io.stdout(renderJson(summary));
  return summary.Failed.length > 0 ? 1 : 0;
}
