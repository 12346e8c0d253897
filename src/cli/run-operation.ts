/** argv of one operation -> checked parameters -> handler -> printed response. */
import { closeSync, openSync, readSync } from 'node:fs';
import { CliError, invalidParameter } from '../errors/errors.js';
import type { OperationSpec } from '../api/operations.js';
import { acceptedForm, decodeParams, flagNames, paramOf, validateParams, type ParamValues } from '../api/params.js';
import { clockFrom, createContext, type Context } from '../api/context.js';
import { callHandler } from '../api/invoke.js';
import { Home } from '../store/home.js';
import { closeBackendOf } from '../store/open-backend.js';
import { CONFIG_FILE, extraRegionsOf, selectProfile } from '../config/profile-read.js';
import { ALIBABA_CLOUD_REGIONS, isKnownRegion } from '../core/regions.js';
import { isRegionId } from '../core/model.js';
import { renderJson } from '../output/json.js';
import type { ParsedArgv } from './argv.js';
import { globalFlags } from './global-flags.js';
import type { CliIo } from './io.js';
import { operationHelp } from './help.js';
import { suggest } from './suggest.js';

export const DEFAULT_REGION = 'cn-hangzhou';
const TOOL_FLAGS = ['cli-query', 'output', 'pager', 'waiter'];

function checkParamNames(op: OperationSpec, args: ParsedArgv): void {
  for (const param of args.params) {
    if (acceptedForm(op.params, param.name)) continue;
    // A RepeatList is suggested with the N that was typed: `--ResourceID.2` -> `--ResourceId.2`.
    const index = /\.(\d+)(?:\.|$)/.exec(param.name)?.[1] ?? '1';
    const names = op.params.filter((p) => !p.fromRegion).flatMap((p) => flagNames(p, index));
    const candidates = [...names.map((n) => `--${n}`), ...globalFlags.filter((f) => !f.ignored).map((f) => `--${f.name}`)];
    throw new CliError(`'${param.flag}' is not a valid parameter or flag. See \`kms-local help kms ${op.name}\`.`, {
      kind: 'suggestible',
      suggestions: suggest(`--${param.name}`, candidates),
    });
  }
}

function checkRequired(op: OperationSpec, args: ParsedArgv): void {
  const missing = op.params
    .filter((p) => p.required && !p.fromRegion && !args.params.some((a) => paramOf([p], a.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (missing.length === 0) return;
  throw new CliError(`required parameters not assigned: \n${missing.map((p) => `  --${flagNames(p)[0]}`).join('\n')}`, {
    kind: 'withTip',
    tip: `use \`kms-local kms ${op.name} --help\` to get more information`,
  });
}

/** More than any parameter takes (SecretData 30720 bytes, Policy 32768): a file past it is refused unread. */
const FILE_VALUE_MAX_BYTES = 1024 * 1024;

/** A file's bytes, up to the limit: /dev/zero or a huge file is refused instead of read until memory runs out. */
function readFileValue(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks, total);
      total += n;
      if (total > FILE_VALUE_MAX_BYTES) throw new Error(`larger than ${FILE_VALUE_MAX_BYTES} bytes`);
      chunks.push(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** `--Name-FILE path` reads the value from the file, or from stdin when the path is `-`. */
function readValues(args: ParsedArgv, io: CliIo): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const param of args.params) {
    if (!param.fromFile) {
      raw[param.name] = param.value;
      continue;
    }
    let bytes: Buffer;
    try {
      if (param.value === '-' && io.stdinIsTty) {
        // A terminal waits for the user: say what for and how to finish (taken byte for byte).
        io.stderr(`Reading ${param.flag} from the terminal: type the value, then Ctrl-D on a new line (Ctrl-D twice ends it without a newline).\n`);
      }
      bytes = param.value === '-' ? io.readStdin() : readFileValue(param.value);
    } catch (err) {
      throw new CliError(`failed to read ${param.flag} '${param.value}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    raw[param.name] = utf8Text(bytes, param.flag, param.value);
  }
  return raw;
}

/** Made on first use: creating a TextDecoder costs about 0.1 ms, which every start paid. */
let strictUtf8: TextDecoder | undefined;

/**
 * A file's bytes as text, refused when they are not UTF-8: replacing them with U+FFFD would store
 * a value other than the one given. Binary data is given as base64 (SecretDataType binary).
 */
function utf8Text(bytes: Buffer, flag: string, path: string): string {
  try {
    strictUtf8 ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    return strictUtf8.decode(bytes);
  } catch {
    throw invalidParameter(`${flag} '${path}' is not UTF-8 text; give binary data base64-encoded (with --SecretDataType binary for SecretData).`);
  }
}

/**
 * A region that is not Alibaba Cloud's (nor a profile's private one) is refused before anything
 * runs, with the nearest ids: a typo must not become a new, empty namespace.
 */
function checkRegion(region: string, home: Home): void {
  if (!isRegionId(region) || isKnownRegion(region) || isKnownRegion(region, extraRegionsOf(home.path(CONFIG_FILE)))) return;
  throw new CliError(`'${region}' is not an Alibaba Cloud region id. A private region is added with \`kms-local configure set --extra-regions ${region}\`.`, {
    kind: 'suggestible',
    suggestions: suggest(region, ALIBABA_CLOUD_REGIONS),
  });
}

/** `--region`/`--RegionId` > ALIBABA_CLOUD_REGION_ID > the profile's region > cn-hangzhou. */
export function regionFrom(args: ParsedArgv, io: CliIo): string {
  const given = args.globals.get('region')?.[0] ?? args.globals.get('RegionId')?.[0] ?? io.env.ALIBABA_CLOUD_REGION_ID;
  const profile = selectProfile(new Home(io.env).path(CONFIG_FILE), args.globals.get('profile')?.[0], io.env, given === undefined);
  return given ?? (profile?.region_id || DEFAULT_REGION);
}

export interface OperationRun {
  ctx?: Context;
}

export async function runOperation(op: OperationSpec, args: ParsedArgv, io: CliIo, run: OperationRun): Promise<number> {
  if (args.globals.has('help')) {
    io.stdout(operationHelp(op));
    return 0;
  }
  checkParamNames(op, args);
  if (args.words.length > 1) {
    // Values are not echoed: a stray word is often half of an unquoted secret value.
    throw new CliError(`unexpected argument after ${op.name}; quote values that contain spaces.`);
  }
  checkRequired(op, args);
  const raw = readValues(args, io);
  const home = new Home(io.env, io.stderr);
  home.onWarning = (message) => io.stderr(`WARNING: ${message}\n`);
  const region = regionFrom(args, io);
  checkRegion(region, home);
  const ctx = createContext(home, region, clockFrom(io.env));
  run.ctx = ctx;
  const values = validateParams(op.params, decodeParams(op.params, raw).raw);

  if (args.globals.has('dryrun')) {
    const shown = Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, paramOf(op.params, k)?.sensitive ? '******' : v]),
    );
    io.stdout(`Skip invoke in dry-run mode, request is:\n------------------------------------\n${renderJson({ Action: op.name, RegionId: ctx.region, ...shown })}`);
    return 0;
  }

  if (TOOL_FLAGS.some((f) => args.globals.has(f))) (await import('../lazy.js')).checkTools(args.globals);
  try {
    const response = await respond(op, ctx, values, args);
    if (!args.globals.has('quiet')) io.stdout(await formatResponse(response, args));
  } finally {
    // A shared store's connections end with the call, so the process exits at once.
    await closeBackendOf(home);
  }
  return 0;
}

/** One call, or every page merged (`--pager`), or calls until a value is reached (`--waiter`). */
async function respond(op: OperationSpec, ctx: Context, values: ParamValues, args: ParsedArgv): Promise<Record<string, unknown>> {
  const pager = args.globals.get('pager');
  const waiter = args.globals.get('waiter');
  if (pager) return (await import('../lazy.js')).collectPages(op, (v) => callHandler(op, ctx, v), values, pager);
  if (waiter) {
    const { parseWaiter, waitFor } = await import('../lazy.js');
    return waitFor(() => callHandler(op, ctx, values), parseWaiter(waiter));
  }
  return callHandler(op, ctx, values);
}

/** A response (or a built-in's JSON) as printed: JSON, or what --cli-query and --output make of it. */
export async function formatResponse(response: unknown, args: ParsedArgv): Promise<string> {
  const query = args.globals.get('cli-query')?.[0];
  const output = args.globals.get('output');
  if (query !== undefined || output !== undefined) {
    const { formatWithTools } = await import('../lazy.js');
    return formatWithTools(response, { query, output, render: renderJson });
  }
  return renderJson(response);
}
