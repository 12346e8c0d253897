/**
 * Crash safety (issue 5 item 5): writers of bin/kms-local.js killed with SIGKILL at random moments,
 * and at the points the test hook of src/store/fs-safe.ts names (KMS_LOCAL_TEST_CRASH_AT:
 * 'after-temp-write' = temp file written and fsynced, not renamed; 'after-rename' = renamed, folder
 * not yet fsynced), inside secret writes and inside the build of the metadata index.
 *
 * After every crash: the store loads (ListSecrets, and GetSecretValue of every secret, succeed), no
 * file is torn (every *.json parses, and every secret file validates and decrypts), ListSecrets
 * (the index) agrees with the files, the locks of killed writers are recovered within seconds (the
 * next write succeeds quickly, also for writers already waiting), and every write that returned
 * success is there.
 */
import { describe, expect, test } from '@jest/globals';
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { homesRemovedAfterAll, runCli, runCliAsync, serviceError, type CliResult } from '../support/cli.js';
import { filesMatching, invariantViolations, lockDebris, isStopped, LONG, mapLimit, randomSource, seedOf, sleep, spawnCli, waitUntil, type Spawned } from '../support/workload.js';

const REGION = 'cn-hangzhou';
/** How long the write after a crash may take, stale lock recovery included. */
const RECOVERY_MS = 5_000;

const newHome = homesRemovedAfterAll();

function ok(result: CliResult, what: unknown = ''): any {
  expect({ what, code: result.code, stderr: result.stderr }).toEqual({ what, code: 0, stderr: '' });
  return result.json;
}

function kms(home: string, ...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

/** A write that must succeed quickly: the proof that no stale lock is in the way. */
async function timedWrite(home: string, args: string[]): Promise<number> {
  const started = Date.now();
  const result = await runCliAsync(['kms', ...args], { home });
  const took = Date.now() - started;
  ok(result, args);
  expect({ args, took: took < RECOVERY_MS }).toEqual({ args, took: true });
  return took;
}

/**
 * The store loads and nothing is torn: every *.json parses; ListSecrets (the index) lists exactly
 * the secret files, each with the UpdateTime, tags and PlannedDeleteTime of its file; each secret's
 * file validates and decrypts, its versions keep every invariant, and GetSecretValue succeeds (or,
 * while it is pending deletion, fails as it should). Returns each secret's values by version id.
 */
async function checkStore(home: string): Promise<Map<string, Map<string, string>>> {
  for (const file of filesMatching(join(home, 'store'), /\.json$/)) {
    let parses = true;
    try {
      JSON.parse(readFileSync(join(home, 'store', file), 'utf8'));
    } catch {
      parses = false;
    }
    expect({ file, parses }).toEqual({ file, parses: true });
  }
  const keys = new Home({ KMS_LOCAL_HOME: home });
  const store = new SecretStore(keys, REGION, () => Date.now());
  const names = store.names().sort();
  const listed = ok(kms(home, 'ListSecrets', '--PageSize', '100', '--FetchTags', 'true'));
  expect({ listed: listed.SecretList.Secret.map((s: any) => s.SecretName).sort() }).toEqual({ listed: names });
  const values = new Map<string, Map<string, string>>();
  for (const name of names) {
    const record = store.get(name)!;
    values.set(name, new Map(record.versions.map((v) => [v.versionId, keys.keys().openValue(name, v.versionId, v.payload).toString('utf8')])));
    const view = record.versions.map((v) => ({ id: v.versionId, stages: [...v.stages].sort() }));
    expect({ name, problems: invariantViolations(view) }).toEqual({ name, problems: [] });
    const inList = listed.SecretList.Secret.find((s: any) => s.SecretName === name);
    expect({ name, UpdateTime: inList.UpdateTime, Tags: inList.Tags.Tag, PlannedDeleteTime: inList.PlannedDeleteTime }).toEqual({
      name,
      UpdateTime: record.updateTime,
      Tags: record.tags,
      PlannedDeleteTime: record.plannedDeleteTime,
    });
  }
  await mapLimit(names, 4, async (name) => {
    const got = await runCliAsync(['kms', 'GetSecretValue', '--SecretName', name], { home });
    if (store.get(name)!.plannedDeleteTime) expect(serviceError(got.stderr)?.code).toBe('Rejected.ResourceInDeleteWindow');
    else ok(got, name);
  });
  return values;
}

// ---------------------------------------------------------------- random kills

type WriteOp =
  | { kind: 'put'; secret: string; id: string; data: string }
  | { kind: 'update'; secret: string; stage: string; moveTo: string }
  | { kind: 'create'; secret: string; data: string }
  | { kind: 'describe'; secret: string; text: string }
  | { kind: 'tag'; secret: string; value: string };

function writeArgs(op: WriteOp): string[] {
  switch (op.kind) {
    case 'put':
      return ['PutSecretValue', '--SecretName', op.secret, '--VersionId', op.id, '--SecretData', op.data];
    case 'update':
      return ['UpdateSecretVersionStage', '--SecretName', op.secret, '--VersionStage', op.stage, '--MoveToVersion', op.moveTo];
    case 'create':
      return ['CreateSecret', '--SecretName', op.secret, '--VersionId', 'v0', '--SecretData', op.data];
    case 'describe':
      return ['UpdateSecret', '--SecretName', op.secret, '--Description', op.text];
    case 'tag':
      return ['TagResource', '--SecretName', op.secret, '--Tags', JSON.stringify([{ TagKey: 'writer', TagValue: op.value }])];
  }
}

/**
 * Writers over `secrets`: puts (at most 8 per secret, so that with the first version no secret
 * ever reaches the cap of 10 and every acknowledged version must still be there), stage moves,
 * new secrets, descriptions and tags.
 */
function writers(seed: number, secrets: string[], count: number): WriteOp[] {
  const rnd = randomSource(seed);
  const puts = new Map(secrets.map((s) => [s, ['v0']]));
  const ops: WriteOp[] = [];
  for (let i = 0; i < count; i++) {
    const secret = rnd.pick(secrets);
    const ids = puts.get(secret)!;
    const roll = rnd.next();
    if (roll < 0.5 && ids.length < 9) {
      const id = `k${i}`;
      ids.push(id);
      ops.push({ kind: 'put', secret, id, data: `crash-value-${id}-${seed}` });
    } else if (roll < 0.7) ops.push({ kind: 'update', secret, stage: rnd.pick(['ACSCurrent', 'Blue']), moveTo: rnd.pick(ids) });
    else if (roll < 0.8) ops.push({ kind: 'create', secret: `crash/new${i}`, data: `created-${i}-${seed}` });
    else if (roll < 0.9) ops.push({ kind: 'describe', secret, text: `described by writer ${i}` });
    else ops.push({ kind: 'tag', secret, value: `w${i}` });
  }
  return ops;
}

const EXPECTED_REFUSALS = ['Forbidden.ResourceNotFound', 'InvalidParameter'];

async function randomKillRound(round: number, count: number): Promise<{ killed: number; acknowledged: number }> {
  const seed = seedOf(round);
  const context = `seed ${seed} (set KMS_LOCAL_TEST_SEED to replay)`;
  const rnd = randomSource(seed ^ 0x5bd1e995);
  const home = newHome();
  const secrets = Array.from({ length: 8 }, (_, i) => `crash/s${i}`);
  for (const secret of secrets) ok(kms(home, 'CreateSecret', '--SecretName', secret, '--VersionId', 'v0', '--SecretData', `initial-${secret}`));
  ok(kms(home, 'ListSecrets'));

  const ops = writers(seed, secrets, count);
  // How long one write takes here, alone: the kills are timed by it, so that on any machine most
  // of them land after start-up, while the writer is reading, holding the lock or writing.
  // (On a secret of its own: the writers' secrets must stay below the cap of 10 versions.)
  ok(kms(home, 'CreateSecret', '--SecretName', 'crash/timing', '--VersionId', 'v0', '--SecretData', 'initial-crash/timing'));
  const started = Date.now();
  ok(kms(home, 'PutSecretValue', '--SecretName', 'crash/timing', '--VersionId', 'timing', '--SecretData', 'timing'));
  const lifetime = Date.now() - started;
  // Writers start one after another, a few running at any time; about half are killed, each at
  // a random moment between 40% and 130% of a lone writer's lifetime after its start.
  const running: { op: WriteOp; spawned: Spawned }[] = [];
  const killers: Promise<boolean>[] = [];
  for (const op of ops) {
    const spawned = spawnCli(['kms', ...writeArgs(op)], { home });
    running.push({ op, spawned });
    if (rnd.next() < 0.5) {
      const killAfter = lifetime * (0.4 + 0.9 * rnd.next());
      killers.push(
        sleep(killAfter).then(() => (spawned.child.exitCode === null && spawned.child.signalCode === null ? spawned.child.kill('SIGKILL') : false)),
      );
    }
    await sleep(lifetime / 3);
  }
  const results = await Promise.all(running.map((r) => r.spawned.done));
  const killed = (await Promise.all(killers)).filter(Boolean).length;

  // Those that were not killed ended with success or an expected refusal, in the Aliyun shape.
  const unexpected = results
    .map((result, i) => ({ op: ops[i]!, result }))
    .filter(({ result }) => result.signal === null && result.code !== 0 && !EXPECTED_REFUSALS.includes(serviceError(result.stderr)?.code ?? ''))
    .map(({ op, result }) => ({ op, code: result.code, stderr: result.stderr }));
  expect({ context, unexpected }).toEqual({ context, unexpected: [] });

  // Stale locks are recovered at once: one write to every secret (and to every name a killed
  // CreateSecret may have locked), each quick; then no lock is left.
  const existing = await checkNames(home);
  for (const [i, secret] of existing.entries()) await timedWrite(home, ['PutSecretValue', '--SecretName', secret, '--VersionId', `recovered${i}`, '--SecretData', `recovered-${i}`]);
  for (const op of ops) {
    if (op.kind === 'create' && !existing.includes(op.secret)) await timedWrite(home, ['CreateSecret', '--SecretName', op.secret, '--VersionId', 'recovered', '--SecretData', 'recovered']);
  }
  // Nor a temp file of a killed writer: breaking its lock clears them.
  expect(lockDebris(join(home, 'store'))).toEqual([]);
  const values = await checkStore(home);
  // Every acknowledged write is there.
  let acknowledged = 0;
  for (const [i, op] of ops.entries()) {
    if (results[i]!.code !== 0) continue;
    acknowledged++;
    if (op.kind === 'put') expect({ context, op, value: values.get(op.secret)?.get(op.id) }).toEqual({ context, op, value: op.data });
    if (op.kind === 'create') expect({ context, op, value: values.get(op.secret)?.get('v0') }).toEqual({ context, op, value: op.data });
  }
  // And nothing appeared that no writer wrote.
  for (const [secret, versions] of values) {
    for (const [id, value] of versions) {
      const writer = ops.find((op) => (op.kind === 'put' && op.secret === secret && op.id === id) || (op.kind === 'create' && op.secret === secret && id === 'v0'));
      const expected = id.startsWith('recovered') || id === 'timing' ? value : id === 'v0' && !writer ? `initial-${secret}` : (writer as { data: string } | undefined)?.data;
      expect({ secret, id, value }).toEqual({ secret, id, value: expected });
    }
  }
  return { killed, acknowledged };
}

/** The secret names of the region's files (the recovery writes go to each). */
async function checkNames(home: string): Promise<string[]> {
  return new SecretStore(new Home({ KMS_LOCAL_HOME: home }), REGION, () => Date.now()).names().sort();
}

describe('writers killed with SIGKILL at random moments', () => {
  const rounds = LONG ? 5 : 1;
  const count = LONG ? 60 : 40;
  test.each(Array.from({ length: rounds }, (_, i) => i))(`${count} writers, about half killed (round %d): the store loads, nothing torn, locks recovered, acknowledged writes kept`, async (round) => {
    const { killed, acknowledged } = await randomKillRound(round, count);
    // Not vacuous: writers were killed while others completed.
    expect(killed).toBeGreaterThan(0);
    expect(acknowledged).toBeGreaterThan(0);
  }, 180_000);
});

// ---------------------------------------------------------------- injected crash points

interface InjectedCase {
  name: string;
  /** The write that is killed, on secret 'target' (v1 ACSPrevious, v2 ACSCurrent). */
  args: string[];
  /** What shows whether the write happened: a command and a projection of its JSON. */
  probe: { args: string[]; view: (json: any) => unknown };
}

const injected: InjectedCase[] = [
  {
    name: 'CreateSecret',
    args: ['CreateSecret', '--SecretName', 'born', '--VersionId', 'v1', '--SecretData', 'born-value'],
    probe: { args: ['ListSecrets', '--Filters', '[{"Key":"SecretName","Values":["born"]}]'], view: (j) => j.TotalCount },
  },
  {
    name: 'PutSecretValue',
    args: ['PutSecretValue', '--SecretName', 'target', '--VersionId', 'v3', '--SecretData', 'third-value'],
    probe: { args: ['GetSecretValue', '--SecretName', 'target'], view: (j) => j.VersionId },
  },
  {
    name: 'UpdateSecretVersionStage',
    args: ['UpdateSecretVersionStage', '--SecretName', 'target', '--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v1'],
    probe: { args: ['GetSecretValue', '--SecretName', 'target'], view: (j) => j.VersionId },
  },
  {
    name: 'UpdateSecret',
    args: ['UpdateSecret', '--SecretName', 'target', '--Description', 'changed by the killed writer'],
    probe: { args: ['ListSecrets', '--Filters', '[{"Key":"Description","Values":["killed writer"]}]'], view: (j) => j.TotalCount },
  },
  {
    name: 'TagResource',
    args: ['TagResource', '--SecretName', 'target', '--Tags', '[{"TagKey":"crash","TagValue":"yes"}]'],
    probe: { args: ['ListSecrets', '--Filters', '[{"Key":"TagKey","Values":["crash"]}]'], view: (j) => j.TotalCount },
  },
  {
    name: 'DeleteSecret',
    args: ['DeleteSecret', '--SecretName', 'target', '--RecoveryWindowInDays', '7'],
    probe: { args: ['ListSecrets', '--Filters', '[{"Key":"SecretName","Values":["target"]}]'], view: (j) => j.SecretList.Secret[0]?.PlannedDeleteTime !== undefined },
  },
];

let template: string | undefined;

/** 'target' (v1 ACSPrevious, v2 ACSCurrent) and 'bystander', with the metadata index built: a copy per test. */
function preparedHome(): string {
  if (!template) {
    template = newHome();
    ok(kms(template, 'CreateSecret', '--SecretName', 'target', '--VersionId', 'v1', '--SecretData', 'first-value'));
    ok(kms(template, 'PutSecretValue', '--SecretName', 'target', '--VersionId', 'v2', '--SecretData', 'second-value'));
    ok(kms(template, 'CreateSecret', '--SecretName', 'bystander', '--VersionId', 'v1', '--SecretData', 'bystander-value'));
    ok(kms(template, 'ListSecrets'));
  }
  const home = newHome();
  cpSync(template, home, { recursive: true });
  return home;
}

describe('writers killed at the injected points', () => {
  // After the rename the file is new and the index holds only the writer's dirty mark: every
  // operation there; before it, a few (the long run does every one).
  const cases = injected.flatMap((c) =>
    ['after-temp-write', 'after-rename']
      .filter((point) => LONG || point === 'after-rename' || ['PutSecretValue', 'DeleteSecret'].includes(c.name))
      .map((point) => ({ ...c, point })),
  );

  test.each(cases)('$name killed $point: the old state before the rename, the new one after; the lock is recovered at once', async ({ args, probe, point }) => {
    const home = preparedHome();
    const before = probe.view(ok(kms(home, ...probe.args)));
    const killed = await spawnCli(['kms', ...args], { home, env: { KMS_LOCAL_TEST_CRASH_AT: point } }).done;
    expect(killed.signal).toBe('SIGKILL');
    // The lock and the index's dirty mark of the killed writer are still there.
    expect(lockDebris(join(home, 'store', REGION, '.locks')).filter((entry) => entry.endsWith('.lock/')).length).toBeGreaterThan(0);

    // The probe (ListSecrets reads the index, GetSecretValue the file) sees the state of the file.
    const seen = probe.view(ok(kms(home, ...probe.args)));
    if (point === 'after-temp-write') expect(seen).toEqual(before);
    else expect(seen).not.toEqual(before);

    await checkStore(home);
    await timedWrite(home, ['PutSecretValue', '--SecretName', 'bystander', '--VersionId', 'v2', '--SecretData', 'bystander-2']);
    // The killed writer's own secret (its lock is the stale one) takes a write at once too.
    const secret = args[2]!;
    if (point === 'after-rename' && args[0] === 'DeleteSecret') await timedWrite(home, ['RestoreSecret', '--SecretName', secret]);
    if ((await checkNames(home)).includes(secret)) await timedWrite(home, ['PutSecretValue', '--SecretName', secret, '--VersionId', 'v9', '--SecretData', 'after-the-crash']);
    else await timedWrite(home, ['CreateSecret', '--SecretName', secret, '--VersionId', 'v9', '--SecretData', 'after-the-crash']);
    expect(lockDebris(join(home, 'store'))).toEqual([]);
    await checkStore(home);
  }, 60_000);

  test('ListSecrets killed while it builds the metadata index (at each of its writes): the next one builds it and lists everything', async () => {
    const points = LONG ? ['after-temp-write:1', 'after-temp-write:2', 'after-temp-write:3', 'after-rename:1', 'after-rename:2', 'after-rename:3'] : ['after-temp-write:2', 'after-rename:3'];
    for (const point of points) {
      const home = newHome();
      for (const name of ['a', 'b/c', 'd']) ok(kms(home, 'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretData', `${name}-value`));
      rmSync(join(home, 'store', REGION, '.index'), { recursive: true, force: true });
      const killed = await spawnCli(['kms', 'ListSecrets'], { home, env: { KMS_LOCAL_TEST_CRASH_AT: point } }).done;
      expect({ point, signal: killed.signal }).toEqual({ point, signal: 'SIGKILL' });
      const started = Date.now();
      const listed = ok(kms(home, 'ListSecrets'));
      expect(Date.now() - started).toBeLessThan(RECOVERY_MS);
      expect({ point, names: listed.SecretList.Secret.map((s: any) => s.SecretName) }).toEqual({ point, names: ['a', 'b/c', 'd'] });
      // A write after the crash is seen by the next list.
      ok(kms(home, 'CreateSecret', '--SecretName', 'e', '--VersionId', 'v1', '--SecretData', 'e-value'));
      expect(ok(kms(home, 'ListSecrets')).TotalCount).toBe(4);
      expect({ point, left: lockDebris(join(home, 'store')) }).toEqual({ point, left: [] });
      await checkStore(home);
    }
  }, 60_000);
});

// ---------------------------------------------------------------- the metadata index, rebuilt under a dying writer

describe('a writer that dies after its rename while the metadata index is rebuilt under it', () => {
  const DESCRIPTION = 'written by the writer that died';
  const writerArgs = ['UpdateSecret', '--SecretName', 'target', '--Description', DESCRIPTION];
  const inList = (home: string): number => ok(kms(home, 'ListSecrets', '--Filters', JSON.stringify([{ Key: 'Description', Values: ['writer that died'] }]))).TotalCount;

  /** Runs the writer: it stops holding the lock with its temp file written, `meanwhile` runs, then it is continued and dies just after its rename. */
  async function writerDiesAround(home: string, meanwhile: () => void): Promise<void> {
    const writer = spawnCli(['kms', ...writerArgs], { home, env: { KMS_LOCAL_TEST_CRASH_AT: 'after-temp-write:SIGSTOP,after-rename' } });
    await waitUntil('the writer stops before its rename', () => isStopped(writer.child.pid!));
    meanwhile();
    writer.child.kill('SIGCONT');
    expect((await writer.done).signal).toBe('SIGKILL');
    // The file has the new description; the index must say so too.
    expect(ok(kms(home, 'DescribeSecret', '--SecretName', 'target')).Description).toBe(DESCRIPTION);
  }

  test('a compaction of the journal by another writer in between', async () => {
    const home = preparedHome();
    const index = join(home, 'store', REGION, '.index');
    const generation = (): string => readFileSync(join(index, 'generation'), 'utf8').trim();
    // A journal just over the compaction threshold (256 KiB): the next recorded write compacts it.
    const journal = join(index, `journal-${generation()}.jsonl`);
    appendFileSync(journal, '{"name":"padding","removed":true}\n'.repeat(Math.ceil((256 * 1024) / 34) + 1));
    const before = generation();
    await writerDiesAround(home, () => {
      ok(kms(home, 'PutSecretValue', '--SecretName', 'bystander', '--VersionId', 'v2', '--SecretData', 'bystander-2'));
      expect(generation()).not.toBe(before);
    });
    expect(inList(home)).toBe(1);
    await checkStore(home);
  });

  test('the first ListSecrets of the region, building the index, in between', async () => {
    const home = preparedHome();
    rmSync(join(home, 'store', REGION, '.index'), { recursive: true, force: true });
    await writerDiesAround(home, () => {
      expect(ok(kms(home, 'ListSecrets')).TotalCount).toBe(2);
    });
    expect(inList(home)).toBe(1);
    await checkStore(home);
  });
});

// ---------------------------------------------------------------- a writer that dies holding the lock

describe('a writer stopped while it holds the lock, then killed', () => {
  test('writers waiting for it finish within seconds of the kill, and its half-done write is not there', async () => {
    const home = preparedHome();
    const holder: Spawned = spawnCli(['kms', 'PutSecretValue', '--SecretName', 'target', '--VersionId', 'held', '--SecretData', 'held-value'], {
      home,
      env: { KMS_LOCAL_TEST_CRASH_AT: 'after-temp-write:1:SIGSTOP' },
    });
    await waitUntil('the holder stops with its temp file written', () => isStopped(holder.child.pid!));
    const waiting = Array.from({ length: 5 }, (_, i) =>
      runCliAsync(['kms', 'PutSecretValue', '--SecretName', 'target', '--VersionId', `w${i}`, '--SecretData', `waiting-${i}`], { home }),
    );
    let finished = 0;
    void Promise.all(waiting.map((w) => w.then(() => finished++)));
    await sleep(1500);
    // The lock is held by a live (stopped) process: nobody may take it.
    expect(finished).toBe(0);
    const killedAt = Date.now();
    holder.child.kill('SIGKILL');
    const results = await Promise.all(waiting);
    const took = Date.now() - killedAt;
    for (const result of results) ok(result);
    expect(took).toBeLessThan(RECOVERY_MS);
    expect((await holder.done).signal).toBe('SIGKILL');
    const values = await checkStore(home);
    expect([...values.get('target')!.keys()].sort()).toEqual(['v1', 'v2', 'w0', 'w1', 'w2', 'w3', 'w4']);
    expect(lockDebris(join(home, 'store'))).toEqual([]);
  }, 60_000);

  (LONG ? test : test.skip)('a stopped holder that is still alive makes others give up with ServiceUnavailableTemporary, and finishes its write when continued', async () => {
    const home = preparedHome();
    const holder = spawnCli(['kms', 'PutSecretValue', '--SecretName', 'target', '--VersionId', 'held', '--SecretData', 'held-value'], {
      home,
      env: { KMS_LOCAL_TEST_CRASH_AT: 'after-temp-write:1:SIGSTOP' },
    });
    await waitUntil('the holder stops', () => isStopped(holder.child.pid!));
    const started = Date.now();
    const waiter = await runCliAsync(['kms', 'PutSecretValue', '--SecretName', 'target', '--VersionId', 'late', '--SecretData', 'late-value'], { home });
    expect(serviceError(waiter.stderr)?.code).toBe('ServiceUnavailableTemporary');
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(waiter.stderr).not.toContain('late-value');
    holder.child.kill('SIGCONT');
    ok(await holder.done);
    const values = await checkStore(home);
    expect([...values.get('target')!.keys()].sort()).toEqual(['held', 'v1', 'v2']);
    expect(existsSync(join(home, 'store', REGION, '.locks'))).toBe(true);
  }, 60_000);
});
