/**
 * `kms-local store copy --to URL [--from URL] [--overwrite] [--dry-run]` and
 * `kms-local store verify --to URL [--from URL]` (src/store/store-copy.ts does the work). Loaded
 * through src/lazy.ts: nothing of it is on the start-up path of other commands.
 *
 * A URL names a store: `postgresql://...` (or `postgres://...`) a database, anything else a
 * kms-local home's files (a path, or a `file://` URL). The source is the current home's store
 * (KMS_LOCAL_STORE, else its files) unless --from names another.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clockFrom } from '../api/context.js';
import { CliError } from '../errors/errors.js';
import { progressBar } from '../output/progress.js';
import { FileBackend } from '../store/backend.js';
import { Home } from '../store/home.js';
import { backendOf, storeUrlOf } from '../store/open-backend.js';
import { PgBackend, describeStore } from '../store/pg/backend.js';
import { inspectSchema } from '../store/pg/schema.js';
import { copyStore, verifyStores, type StoreSide } from '../store/store-copy.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { formatResponse } from './run-operation.js';

type StoreLocation = { kind: 'files'; root: string } | { kind: 'postgresql'; url: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** What a --from or --to value names. The value is never echoed whole: a URL may hold a password. */
export function parseStoreUrl(flag: string, text: string, cwd: string): StoreLocation {
  if (text.trim() === '') throw new CliError(`--${flag} must name a store: a postgresql:// URL, or the path (or file:// URL) of a kms-local home.`);
  if (POSTGRES_URL.test(text)) return { kind: 'postgresql', url: text };
  if (/^file:/i.test(text)) {
    try {
      return { kind: 'files', root: fileURLToPath(text) };
    } catch {
      throw new CliError(`--${flag} is not a valid file:// URL; give an absolute file:///path or a plain path.`);
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme) throw new CliError(`--${flag} names a '${scheme[1]}' store; kms-local keeps stores in postgresql:// databases or in a home's files (a path or file:// URL).`);
  return { kind: 'files', root: resolve(cwd, text) };
}

function filesSide(root: string, io: CliIo): StoreSide {
  const home = new Home({ ...io.env, KMS_LOCAL_HOME: root }, io.stderr);
  return { label: `files:${home.root}`, backend: new FileBackend(home), home, filesRoot: home.root };
}

async function sideOf(location: StoreLocation | undefined, io: CliIo): Promise<StoreSide> {
  if (location === undefined) {
    // The current home's store, whichever it is.
    const home = new Home(io.env, io.stderr);
    const url = storeUrlOf(home);
    if (url === undefined) return { label: `files:${home.root}`, backend: backendOf(home), home, filesRoot: home.root };
    return { label: describeStore(url), backend: new PgBackend(home, url, { poolMax: 2 }), home };
  }
  if (location.kind === 'files') return filesSide(location.root, io);
  // A database goes with the current home: its keys (or KMS_LOCAL_MASTER_KEY) and its audit trail.
  const home = new Home(io.env, io.stderr);
  return { label: describeStore(location.url), backend: new PgBackend(home, location.url, { poolMax: 2 }), home };
}

/** The same folder, whatever way it was named (a link, a relative path). */
function sameRoot(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

async function sidesOf(args: ParsedArgv, io: CliIo): Promise<{ from: StoreSide; to: StoreSide }> {
  const value = (name: string) => args.params.find((p) => p.name === name)?.value;
  const toText = value('to');
  if (toText === undefined) throw new CliError(`\`kms-local ${args.words.join(' ')}\` needs --to <URL>: the store to copy to (a postgresql:// URL, or the path of a kms-local home).`);
  const fromText = value('from');
  const cwd = process.cwd();
  const from = await sideOf(fromText === undefined ? undefined : parseStoreUrl('from', fromText, cwd), io);
  const to = await sideOf(parseStoreUrl('to', toText, cwd), io);
  if (from.filesRoot !== undefined && to.filesRoot !== undefined && sameRoot(from.filesRoot, to.filesRoot)) {
    throw new CliError(`--to names the source store itself (${from.label}): nothing to copy.`);
  }
  if (from.filesRoot === undefined && to.filesRoot === undefined && from.label === to.label) {
    throw new CliError(`--to names the source store itself (${from.label}): nothing to copy.`);
  }
  for (const side of [from, to]) if (side.filesRoot !== undefined) side.home.checkSafe();
  return { from, to };
}

/**
 * A read of a database whose schema is older than this kms-local's would migrate it (every host
 * does that on its first call): a dry run and a verify refuse instead, so that they change nothing.
 */
async function refuseMigration(side: StoreSide, command: string): Promise<void> {
  if (!(side.backend instanceof PgBackend)) return;
  const state = await inspectSchema(side.backend.connection);
  if (state.status === 'behind') {
    throw new CliError(
      `${side.label} has an older schema than this kms-local's: reading it would migrate it, which ${command} never does. Any kms-local command that uses the store (or a store copy without --dry-run) migrates it first. Nothing was changed.`,
    );
  }
}

async function closing<T>(sides: { from: StoreSide; to: StoreSide }, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    await sides.from.backend.close();
    await sides.to.backend.close();
  }
}

export async function runStoreCopy(args: ParsedArgv, io: CliIo): Promise<number> {
  const has = (name: string) => args.params.some((p) => p.name === name);
  const nowMs = clockFrom(io.env);
  const sides = await sidesOf(args, io);
  const dryRun = has('dry-run');
  const bar = progressBar('store copy', io.stderr, io.stderrIsTty && !dryRun);
  const summary = await closing(sides, async () => {
    if (dryRun) for (const side of [sides.from, sides.to]) await refuseMigration(side, 'a dry run');
    return copyStore(sides.from, sides.to, { dryRun, overwrite: has('overwrite'), nowMs, progress: bar.report });
  });
  bar.finish();
  io.stdout(await formatResponse(summary, args));
  return summary.DryRun || summary.Verification?.Verified ? 0 : 1;
}

export async function runStoreVerify(args: ParsedArgv, io: CliIo): Promise<number> {
  const sides = await sidesOf(args, io);
  const summary = await closing(sides, async () => {
    for (const side of [sides.from, sides.to]) await refuseMigration(side, 'store verify');
    return verifyStores(sides.from, sides.to);
  });
  io.stdout(await formatResponse(summary, args));
  return summary.Verified ? 0 : 1;
}
