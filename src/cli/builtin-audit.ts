/**
 * `kms-local audit [--SecretName name] [--KeyId id] [--since T]`: the store's audit trail of mutating operations, as
 * JSON lines (one record per line, oldest first, exactly as stored), so it pipes into `jq` or
 * `grep`. `--since` takes an ISO-8601 time or a duration back from now (30m, 24h, 7d). With
 * --cli-query or --output, the records are one document, {"Records": [...]}. Its flags are checked
 * from the built-ins' table (builtin-dispatch.ts) before this runs.
 */
import { CliError } from '../errors/errors.js';
import { clockFrom } from '../api/context.js';
import { parseTime } from '../core/time.js';
import { secretNameIn } from '../core/model.js';
import { Home } from '../store/home.js';
import { backendOf, closeBackendOf } from '../store/open-backend.js';
import { formatResponse } from './run-operation.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseSince(value: string, nowMs: number, parseTime: (text: string) => number | undefined): number {
  const duration = /^(\d{1,9})([smhd])$/.exec(value);
  if (duration) return nowMs - Number(duration[1]) * UNIT_MS[duration[2]!]!;
  const at = parseTime(value);
  if (at === undefined) {
    throw new CliError(`--since takes an ISO-8601 time such as 2026-01-31T12:00:00Z or a duration such as 30m, 24h or 7d, not '${value}'`);
  }
  return at;
}

export async function runAudit(args: ParsedArgv, io: CliIo): Promise<number> {
  const given: Record<string, string> = {};
  for (const param of args.params) given[param.name] = param.value;
  const since = given.since === undefined ? undefined : parseSince(given.since, clockFrom(io.env), parseTime);
  // An ARN names the same secret: the log holds names.
  const name = given.SecretName === undefined ? undefined : secretNameIn(given.SecretName);
  const keyId = given.KeyId?.replace(/^acs:kms:[^:]*:[^:]*:key\//, '');
  const home = new Home(io.env);
  let entries;
  try {
    // The store's trail: audit.log for the home's files, every host's records on a shared store.
    entries = await backendOf(home).audit().read();
  } finally {
    await closeBackendOf(home);
  }
  const kept = entries.filter(
    ({ record }) =>
      (name === undefined || record.secretName === name) &&
      (keyId === undefined || record.keyId === keyId) &&
      (since === undefined || (parseTime(record.time) ?? 0) >= since),
  );
  if (args.globals.has('cli-query') || args.globals.has('output')) {
    io.stdout(await formatResponse({ Records: kept.map(({ record }) => record) }, args));
    return 0;
  }
  io.stdout(kept.map(({ line }) => `${line}\n`).join(''));
  return 0;
}
