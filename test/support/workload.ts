/**
 * Helpers for the concurrency and crash-safety tests: a seeded random source, bounded
 * parallelism, a process that can be killed, a deliberately simple model of the stage rules
 * (docs/design.md §4 rules 1-6, as one map stage -> version id) used to replay the commits a run made, and
 * the store's invariants read back through the CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT, cliEnvironment, runCliAsync, type CliResult, type RunOptions } from './cli.js';

export const LONG = process.env.KMS_LOCAL_LONG_TESTS === '1';

/** A seed for this run: KMS_LOCAL_TEST_SEED when set, so that a failure can be replayed. */
export function seedOf(salt: number): number {
  const fixed = process.env.KMS_LOCAL_TEST_SEED;
  return fixed ? Number(fixed) + salt : (Math.random() * 2 ** 31) >>> 0;
}

/** mulberry32: small, seeded, good enough to pick operations. */
export function randomSource(seed: number): { next: () => number; int: (n: number) => number; pick: <T>(items: readonly T[]) => T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)]! };
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** `2026-03-01T00:00:00Z` plus `seconds`, in the form KMS_LOCAL_NOW and the service use. */
export function timeAt(base: string, seconds: number): string {
  return new Date(Date.parse(base) + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export interface Spawned {
  child: ChildProcess;
  startedAt: number;
  done: Promise<CliResult & { signal: NodeJS.Signals | null; endedAt: number }>;
}

/**
 * Starts kms-local and hands back the process, so that a test can signal it while it runs. With
 * `timeoutMs`, a process still running then is killed (SIGKILL): a hang fails fast, not the suite.
 */
export function spawnCli(args: readonly string[], opts: RunOptions & { timeoutMs?: number }): Spawned {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cliEnvironment(opts) });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => undefined); // a process killed before it read stdin
  child.stdin!.end(opts.input ?? '');
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null; endedAt: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? 128, signal, stdout, stderr, json, endedAt: Date.now() });
    });
  });
  return { child, startedAt, done };
}

// ---------------------------------------------------------------- the stage model

export const ACS_CURRENT = 'ACSCurrent';
export const ACS_PREVIOUS = 'ACSPrevious';

/** A version as ListSecretVersionIds shows it: oldest first here, stages sorted. */
export interface VersionView {
  id: string;
  stages: string[];
}

export type ModelOutcome = { code: 'ok'; read?: string } | { code: string };

/**
 * One secret's versions (oldest first) and stages, with the rules of docs/design.md §4 written as plainly
 * as possible. `evicted` collects the versions the cap rule (rule 5) removed.
 */
export class StageModel {
  versions: string[];
  stageOf: Map<string, string>;
  readonly evicted: string[] = [];

  constructor(firstVersion: string) {
    this.versions = [firstVersion];
    this.stageOf = new Map([[ACS_CURRENT, firstVersion]]);
  }

  clone(): StageModel {
    const copy = new StageModel('x');
    copy.versions = [...this.versions];
    copy.stageOf = new Map(this.stageOf);
    copy.evicted.push(...this.evicted);
    return copy;
  }

  has(id: string): boolean {
    return this.versions.includes(id);
  }

  view(): VersionView[] {
    return this.versions.map((id) => ({ id, stages: [...this.stageOf].filter(([, v]) => v === id).map(([s]) => s).sort() }));
  }

  put(id: string, stages?: string[]): ModelOutcome {
    if (this.has(id)) return { code: 'ok' }; // a retry (the tests never reuse an id with other data)
    const stageOf = new Map(this.stageOf);
    const formerCurrent = stageOf.get(ACS_CURRENT);
    const given = stages ?? [ACS_CURRENT];
    for (const s of given) stageOf.set(s, id);
    if (given.includes(ACS_CURRENT) && formerCurrent !== undefined && !given.includes(ACS_PREVIOUS)) stageOf.set(ACS_PREVIOUS, formerCurrent);
    if (stageOf.size > 8) return { code: 'Rejected.LimitExceeded' };
    const versions = [...this.versions, id];
    const staged = new Set(stageOf.values());
    while (versions.length > 10) {
      const oldestUnstaged = versions.findIndex((v) => !staged.has(v));
      this.evicted.push(versions[oldestUnstaged]!);
      versions.splice(oldestUnstaged, 1);
    }
    this.versions = versions;
    this.stageOf = stageOf;
    return { code: 'ok' };
  }

  update(stage: string, moveTo?: string, removeFrom?: string): ModelOutcome {
    if (moveTo === undefined && removeFrom === undefined) return { code: 'InvalidParameter' };
    const stageOf = new Map(this.stageOf);
    if (removeFrom !== undefined) {
      if (!this.has(removeFrom)) return { code: 'Forbidden.ResourceNotFound' };
      if (stageOf.get(stage) !== removeFrom) return { code: 'InvalidParameter' };
      if (moveTo === undefined) {
        if (stage === ACS_CURRENT || stage === ACS_PREVIOUS) return { code: 'InvalidParameter' };
        stageOf.delete(stage);
      }
    }
    if (moveTo !== undefined) {
      if (!this.has(moveTo)) return { code: 'Forbidden.ResourceNotFound' };
      const formerHolder = stageOf.get(stage);
      stageOf.set(stage, moveTo);
      if (stage === ACS_CURRENT && formerHolder !== undefined && formerHolder !== moveTo) stageOf.set(ACS_PREVIOUS, formerHolder);
    }
    if (stageOf.size > 8) return { code: 'Rejected.LimitExceeded' };
    this.stageOf = stageOf;
    return { code: 'ok' };
  }

  get(id?: string, stage?: string): ModelOutcome {
    if (id !== undefined) {
      if (!this.has(id)) return { code: 'Forbidden.ResourceNotFound' };
      if (stage !== undefined && this.stageOf.get(stage) !== id) return { code: 'InvalidParameter' };
      return { code: 'ok', read: id };
    }
    const holder = this.stageOf.get(stage ?? ACS_CURRENT);
    return holder === undefined ? { code: 'Forbidden.ResourceNotFound' } : { code: 'ok', read: holder };
  }
}

/** The invariants every state of a secret must satisfy; an empty list when it does. */
export function invariantViolations(view: readonly VersionView[]): string[] {
  const problems: string[] = [];
  const ids = view.map((v) => v.id);
  if (new Set(ids).size !== ids.length) problems.push(`a version id is listed twice: ${ids.join(',')}`);
  if (view.length > 10) problems.push(`${view.length} versions (at most 10)`);
  const holders = new Map<string, string[]>();
  for (const v of view) for (const s of v.stages) holders.set(s, [...(holders.get(s) ?? []), v.id]);
  for (const [stage, who] of holders) if (who.length > 1) problems.push(`stage ${stage} is held by ${who.join(', ')}`);
  if ((holders.get(ACS_CURRENT) ?? []).length !== 1) problems.push(`ACSCurrent is held by ${holders.get(ACS_CURRENT)?.length ?? 0} versions`);
  if (holders.size > 8) problems.push(`${holders.size} distinct stages (at most 8)`);
  return problems;
}

/** A secret's versions through the CLI (ListSecretVersionIds, deprecated ones included), oldest first. */
export async function versionsOf(home: string, name: string, env?: Record<string, string>): Promise<VersionView[]> {
  const listed = await runCliAsync(['kms', 'ListSecretVersionIds', '--SecretName', name, '--IncludeDeprecated', 'true', '--PageSize', '100'], { home, env });
  if (listed.code !== 0) throw new Error(`ListSecretVersionIds ${name} failed: ${listed.stderr}`);
  return viewOfListing(listed.json);
}

/** ListSecretVersionIds JSON (newest first) -> versions oldest first. */
export function viewOfListing(json: any): VersionView[] {
  return (json.VersionIds.VersionId as { VersionId: string; VersionStages: { VersionStage: string[] } }[])
    .map((v) => ({ id: v.VersionId, stages: [...v.VersionStages.VersionStage].sort() }))
    .reverse();
}

/**
 * The secrets a region's metadata index saw written, in the order they were written: the journal
 * gets one `{"name","meta"}` line per write, appended while the writer holds the secret's lock, so
 * for one secret its order is the order of the commits. With a distinct KMS_LOCAL_NOW per process,
 * `meta.updateTime` says which process made the commit.
 */
export function journalCommits(home: string, region = 'cn-hangzhou'): { name: string; updateTime: string }[] {
  const dir = join(home, 'store', region, '.index');
  const generation = Number.parseInt(readFileSync(join(dir, 'generation'), 'utf8'), 10);
  const journals = readdirSync(dir).filter((f) => f.startsWith('journal-'));
  // One journal: no compaction threw away lines during the run.
  if (journals.length !== 1 || journals[0] !== `journal-${generation}.jsonl`) throw new Error(`unexpected index files: ${journals.join(', ')}`);
  return readFileSync(join(dir, journals[0]), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { name?: string; meta?: { updateTime: string } })
    .filter((line) => line.name !== undefined && line.meta !== undefined)
    .map((line) => ({ name: line.name!, updateTime: line.meta!.updateTime }));
}

/**
 * The paths under `dir` (relative to it, sorted; hidden folders included) that `choose` takes. A
 * folder is entered unless taken; a folder taken is listed with a trailing slash.
 */
function pathsUnder(dir: string, choose: (entry: Dirent) => boolean): string[] {
  const found: string[] = [];
  const walk = (path: string, rel: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (choose(entry)) found.push(entry.isDirectory() ? `${childRel}/` : childRel);
      else if (entry.isDirectory()) walk(join(path, entry.name), childRel);
    }
  };
  walk(dir, '');
  return found.sort();
}

/** Every file under `dir` whose name matches, as paths relative to it (hidden folders included). */
export function filesMatching(dir: string, pattern: RegExp): string[] {
  return pathsUnder(dir, (entry) => !entry.isDirectory() && pattern.test(entry.name));
}

/**
 * What locks leave under `dir` while held or when their holder died (src/store/lock.ts): lock
 * folders (`<name>.lock/`, with a trailing slash) and the private names they are built and removed
 * under, owner files and lock files of earlier versions, temp files.
 */
export function lockDebris(dir: string): string[] {
  return pathsUnder(dir, (entry) =>
    entry.isDirectory() ? /\.lock$|^lock$|^\.(acquire|broken|released)-/.test(entry.name) : /\.(lock|break|tmp)$|^owner$/.test(entry.name),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a process is stopped (state T in /proc/<pid>/stat). */
export function isStopped(pid: number): boolean {
  try {
    return /^\d+ \(.*\) T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `check` every 10 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}
