/**
 * Test helpers for end-to-end runs: spawn `node bin/kms-local.js` against a temporary
 * KMS_LOCAL_HOME and capture what a user would see. Nothing here imports src/: the e2e tests see
 * kms-local only from the outside, as a script calling `aliyun kms` would.
 */
import { afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'kms-local.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when stdout is not JSON. */
  json: any;
}

export interface RunOptions {
  /** The KMS_LOCAL_HOME of the run. */
  home: string;
  /** Extra environment variables (undefined removes one). */
  env?: Record<string, string | undefined>;
  /** What the process reads on stdin. */
  input?: string | Buffer;
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const SERVICE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A clean environment: nothing of the caller's kms-local or Alibaba Cloud settings leaks in. */
export function cliEnvironment(opts: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(KMS_LOCAL_|ALIBABA_CLOUD_|ALICLOUD_)/.test(key)) continue;
    if (key === 'NODE_OPTIONS' || key === 'NODE_EXTRA_CA_CERTS' || key === 'NO_COLOR') continue;
    env[key] = value;
  }
  env.KMS_LOCAL_HOME = opts.home;
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function result(code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string): CliResult {
  return { code: code ?? (signal ? 128 : -1), stdout, stderr, json: parseJson(stdout) };
}

/** A child that exits before reading its stdin makes the write fail with EPIPE; its result still counts. */
function isEarlyExit(err: NodeJS.ErrnoException, status: number | null): boolean {
  return err.code === 'EPIPE' && status !== null;
}

function runSync(command: string, argv: readonly string[], opts: RunOptions): CliResult {
  const child = spawnSync(command, argv, {
    cwd: REPO_ROOT,
    env: cliEnvironment(opts),
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (child.error && !isEarlyExit(child.error, child.status)) throw child.error;
  return result(child.status, child.signal, child.stdout, child.stderr);
}

/** Runs kms-local and waits for it. */
export function runCli(args: readonly string[], opts: RunOptions): CliResult {
  return runSync(process.execPath, [BIN, ...args], opts);
}

/** Runs kms-local without blocking, so that many runs can overlap. */
export function runCliAsync(args: readonly string[], opts: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cliEnvironment(opts) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(result(code, signal, stdout, stderr)));
    // A run that fails before reading stdin closes it early: that EPIPE is not the test's concern.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a bash script in which `aliyun` is kms-local, as `alias aliyun=kms-local` would make it. */
export function runShell(script: string, opts: RunOptions): CliResult {
  const prelude = `aliyun() { "${process.execPath}" "${BIN}" "$@"; }\n`;
  return runSync('bash', ['-c', prelude + script], opts);
}

/**
 * A home as a user has it after the first run: its master key made (0600). The first run of
 * kms-local in an empty home says on stderr that it made a key; tests of that use makeEmptyHome.
 */
export function makeHome(): string {
  const home = makeEmptyHome();
  writeFileSync(join(home, 'master.key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return home;
}

/** stderr without the line a first write to an empty home prints about the master key it made. */
export function withoutKeyNotice(stderr: string): string {
  return stderr.replace(/^kms-local: made a new master key in .*\n/, '');
}

/** A home with nothing in it, as before kms-local ever ran. */
export function makeEmptyHome(): string {
  return mkdtempSync(join(tmpdir(), 'kms-local-test-'));
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

/**
 * For a test file (call it at the top level or in a describe): a maker of fresh homes
 * (`make`, makeHome by default), each removed after the file's (or the describe's) last test.
 */
export function homesRemovedAfterAll(make: () => string = makeHome): () => string {
  const homes: string[] = [];
  afterAll(() => homes.forEach(removeHome));
  return () => {
    const home = make();
    homes.push(home);
    return home;
  };
}

/**
 * Two homes standing for two hosts of a team, each running the CLI with `env()` (asked at every
 * call: a shared store's URL is often known only in a beforeAll); removed after the last test.
 */
export function twoHosts(env: () => Record<string, string | undefined>) {
  const newHome = homesRemovedAfterAll();
  const [homeA, homeB] = [newHome(), newHome()];
  return {
    homeA,
    homeB,
    onA: (...args: string[]): CliResult => runCli(args, { home: homeA, env: env() }),
    onB: (...args: string[]): CliResult => runCli(args, { home: homeB, env: env() }),
  };
}

/**
 * A digest of every entry under `dir` (path, type, mode, and a file's bytes): equal digests mean
 * the tree is byte-for-byte unchanged, lock and temp files included. A missing dir hashes too.
 * `skip` leaves out the entries (relative paths) it returns true for.
 */
export function hashTree(dir: string, skip?: (rel: string) => boolean): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    let st;
    try {
      st = statSync(path);
    } catch {
      hash.update(`missing ${relative(dir, path)}\n`);
      return;
    }
    const rel = relative(dir, path) || '.';
    if (skip?.(rel)) return;
    if (st.isDirectory()) {
      hash.update(`dir ${rel} ${st.mode.toString(8)}\n`);
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    } else {
      hash.update(`file ${rel} ${st.mode.toString(8)} ${st.size}\n`);
      hash.update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** Every file under `dir`, as paths relative to it. */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(relative(dir, full));
    }
  };
  walk(dir);
  return files.sort();
}

/**
 * The aliyun CLI's rendering, written independently of src/output: keys sorted by byte order at
 * every level, TAB indentation, one trailing newline. Valid for values without Go-specific escapes.
 */
export function aliyunJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const keys = Object.keys(v as object).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return Object.fromEntries(keys.map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, '\t')}\n`;
}

/** The `ERROR: SDK.ServerError` block of a service error, parsed; undefined when stderr is not one. */
export function serviceError(stderr: string): { code: string; requestId: string; message: string; recommend: string } | undefined {
  const match = /^ERROR: SDK\.ServerError\nErrorCode: (\S+)\nRecommend: (\S+)\nRequestId: (\S+)\nMessage: (.+)\n$/.exec(stderr);
  if (!match) return undefined;
  // The gateway's troubleshooting link names the code and the request.
  const recommend = match[2]!;
  if (recommend !== `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(match[1]!)}&product=Kms&requestId=${match[3]!}`) return undefined;
  return { code: match[1]!, requestId: match[3]!, message: match[4]!, recommend };
}
