// `npm run bench`: whole-process timings of kms-local against `node -e 0`, measured in the same run
// and the same clean environment, at several store sizes. Prints a Markdown table; with --write it
// also replaces the figures in docs/benchmarks.md.
//
// Method: NODE_EXTRA_CA_CERTS and NODE_OPTIONS are removed for every process (on these machines the
// CA bundle alone adds ~36 ms to each node start and would hide the tool's own cost). Each command
// runs WARMUP times unmeasured, then RUNS times; the table shows the median and min-max in ms.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kms-local.js');
const args = process.argv.slice(2);
const WRITE = args.includes('--write');
const QUICK = args.includes('--quick');
const SIZES = QUICK ? [10, 1000] : [10, 1000, 10000];
const RUNS = QUICK ? 7 : 15;
const WARMUP = 3;
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

function cleanEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  delete env.KMS_LOCAL_NOW;
  return env;
}

function timeOnce(argv, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
  return ms;
}

function measure(makeArgv, env) {
  for (let i = 0; i < WARMUP; i++) timeOnce(makeArgv(`w${i}`), env);
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(timeOnce(makeArgv(`r${i}`), env));
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

/** Fills a home with `count` secrets in-process, through the same handler the CLI runs. */
async function populate(home, count) {
  process.env.KMS_LOCAL_MASTER_KEY = MASTER_KEY;
  const { Home } = await import(join(root, 'dist/store/home.js'));
  const { createContext } = await import(join(root, 'dist/api/context.js'));
  const { handler } = await import(join(root, 'dist/api/handlers/create-secret.js'));
  const ctx = createContext(new Home({ KMS_LOCAL_HOME: home, KMS_LOCAL_MASTER_KEY: MASTER_KEY }), 'cn-hangzhou', Date.now());
  for (let i = 0; i < count; i++) {
    const name = i === 0 ? 'bench-target' : `app/service-${String(i).padStart(5, '0')}/db-password`;
    await handler(ctx, { SecretName: name, VersionId: 'v1', SecretData: `value-${i}-${'x'.repeat(40)}` });
  }
}

function hasOperation(env, name) {
  return spawnSync(process.execPath, [bin, 'help', 'kms', name], { env }).status === 0;
}

async function concurrentWriters(env, writers) {
  spawnSync(process.execPath, [bin, 'kms', 'CreateSecret', '--SecretName', 'contended', '--SecretData', 'v0', '--VersionId', 'v0'], { env });
  const start = process.hrtime.bigint();
  const codes = await Promise.all(
    Array.from({ length: writers }, (_, i) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [bin, 'kms', 'PutSecretValue', '--SecretName', 'contended', '--SecretData', `value-${i}`, '--VersionId', `w${i}`], { env, stdio: 'ignore' });
        child.on('exit', resolve);
      }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (codes.some((c) => c !== 0)) throw new Error(`a concurrent writer failed: ${codes}`);
  return ms;
}

const fmt = (m) => `${m.median.toFixed(1)} (${m.min.toFixed(1)}-${m.max.toFixed(1)})`;

const rows = [];
const floorEnv = cleanEnv();
const floor = measure(() => ['-e', '0'], floorEnv);
rows.push(['`node -e 0` (floor)', '-', fmt(floor), '1.00']);
let listRatio;
let getAt = {};
let writersMs;

for (const size of SIZES) {
  const home = mkdtempSync(join(tmpdir(), `kms-local-bench-${size}-`));
  try {
    const env = cleanEnv({ KMS_LOCAL_HOME: home, KMS_LOCAL_MASTER_KEY: MASTER_KEY });
    const started = Date.now();
    await populate(home, size);
    process.stderr.write(`bench: ${size} secrets written in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const cases = [
      ['GetSecretValue', () => [bin, 'kms', 'GetSecretValue', '--SecretName', 'bench-target']],
      ['PutSecretValue', (tag) => [bin, 'kms', 'PutSecretValue', '--SecretName', 'bench-target', '--SecretData', `new-${tag}`, '--VersionId', `b-${tag}-${process.hrtime.bigint()}`]],
      ['GetRandomPassword', () => [bin, 'kms', 'GetRandomPassword']],
    ];
    if (hasOperation(env, 'ListSecrets')) cases.push(['ListSecrets (PageSize 100)', () => [bin, 'kms', 'ListSecrets', '--PageSize', '100']]);
    const results = {};
    for (const [label, makeArgv] of cases) {
      results[label] = measure(makeArgv, env);
      rows.push([label, String(size), fmt(results[label]), (results[label].median / floor.median).toFixed(2)]);
    }
    getAt[size] = results.GetSecretValue.median;
    if (results['ListSecrets (PageSize 100)'] && size === SIZES[SIZES.length - 1]) {
      listRatio = results['ListSecrets (PageSize 100)'].median / results.GetSecretValue.median;
    }
    if (size === SIZES[0]) writersMs = await concurrentWriters(env, 20);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const largest = SIZES[SIZES.length - 1];
const table = [
  '| Command | Secrets in store | Median ms (min-max) | x floor |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const targets = [
  `- GetSecretValue / floor: ${(getAt[SIZES[0]] / floor.median).toFixed(2)} (target at most 2.00)`,
  `- GetSecretValue with ${largest} secrets vs with ${SIZES[0]}: ${(((getAt[largest] / getAt[SIZES[0]]) - 1) * 100).toFixed(1)}% (target within 5%)`,
  listRatio === undefined
    ? '- ListSecrets: not available in this build'
    : `- ListSecrets first page over ${largest} secrets / GetSecretValue: ${listRatio.toFixed(2)} (target at most 2.00)`,
  `- 20 concurrent PutSecretValue processes on one secret: ${writersMs.toFixed(0)} ms wall time, all succeeded`,
].join('\n');
// The serve figure (scripts/bench-serve.mjs): GetSecretValue requests/s over loopback, 8 SDK clients.
const { benchServe, serveTable } = await import('./bench-serve.mjs');
const served = await benchServe({ clients: 8, quick: QUICK });
const serveReport = `${serveTable(served)}\n\n(\`kms-local serve\` in its own process; each client a worker thread looping one request at a time; ${served.seconds} s measured per row after a warm-up; method in docs/serve.md.)`;
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const report = `${table}\n\nTargets:\n${targets}\n\n${serveReport}\n\nMachine: ${machine}. Runs: ${WARMUP} warm-up + ${RUNS} measured per row.\n`;
process.stdout.write(`${report}`);

if (WRITE) {
  const path = join(root, 'docs', 'benchmarks.md');
  const doc = readFileSync(path, 'utf8');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const updated = doc.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${report}${end}`);
  writeFileSync(path, updated);
  process.stderr.write(`bench: figures written to ${path}\n`);
}
