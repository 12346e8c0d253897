// `npm run bench`: kms-local's speed and memory targets, each measured against its floor in the
// same run, printed as Markdown with the target beside every figure. Exits 1 when a target is
// missed. `--quick` measures less (and says what it left out); `--write` also puts the report
// into docs/benchmarks.md.
//
// Method (docs/benchmarks.md has the long form):
// - CLI: whole processes, as scripts call kms-local. NODE_EXTRA_CA_CERTS and NODE_OPTIONS are
//   removed for every process (the CA bundle alone adds ~36 ms to a node start here). Each round
//   runs `node -e 0` and then the command, so floor and command share the machine's moment; the
//   ratio is median(command) / median(floor) over the rounds.
// - serve: scripts/bench-serve.mjs (one load generator for a bare node:http server and for serve).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_MASTER_KEY, populateHome } from './bench-populate.mjs';
import { benchServeCpu, benchServeMemory } from './bench-serve.mjs';
import { startBenchPostgres } from './bench-postgres.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kms-local.js');
const args = process.argv.slice(2);
const WRITE = args.includes('--write');
const QUICK = args.includes('--quick');
const LARGE = 10_000;
const SIZES = QUICK ? [10, 1000] : [10, LARGE];
const ROUNDS = QUICK ? 9 : 21;
const WARMUP = 3;
const MEMORY_REQUESTS = QUICK ? 20_000 : 200_000;
const left = QUICK
  ? [
      `the ${LARGE.toLocaleString('en')}-secret store and the minute's wait after writing it (CLI rows at 1,000 secrets instead, right after writing them; the memory row over 1,000 secrets)`,
      `${MEMORY_REQUESTS.toLocaleString('en')} requests for the memory row instead of 200,000`,
      `${ROUNDS} rounds per CLI row instead of 21, shorter serve periods`,
    ]
  : [];

function cleanEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  for (const key of ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'KMS_LOCAL_NOW']) delete env[key];
  return env;
}

function timeOnce(argv, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Rounds of (floor, command): medians of both and their ratio. */
function measure(makeArgv, env) {
  const floorEnv = cleanEnv();
  for (let i = 0; i < WARMUP; i++) timeOnce(makeArgv(`w${i}`), env);
  const floor = [];
  const command = [];
  for (let i = 0; i < ROUNDS; i++) {
    floor.push(timeOnce(['-e', '0'], floorEnv));
    command.push(timeOnce(makeArgv(`r${i}`), env));
  }
  const result = { floor: median(floor), ms: median(command), min: Math.min(...command), max: Math.max(...command) };
  return { ...result, ratio: result.ms / result.floor };
}

const targets = [];
function target(name, value, limit, format, passes = value <= limit) {
  targets.push({ name, figure: format(value), limit: format(limit), passes });
}
const times = (x) => `${x.toFixed(2)}x`;
const percent = (x) => `${(x * 100).toFixed(1)}%`;
const mb = (x) => `${x.toFixed(0)} MB`;

/**
 * Writing 10,000 secrets in half a minute makes and removes some 80,000 files and folders (temp
 * files, locks). For a minute after, ext4 passes over every inode freed that recently when it looks
 * for a free one (`recently_deleted`), which made each write's files and lock folders slower: a
 * PutSecretValue took 3 ms more right after populating than 75 s later. The rows measure a store in
 * use, not the minute after a bulk import, so the large one waits that minute out.
 */
const SETTLE_MS = 65_000;
async function settle(size) {
  process.stderr.write(`bench: waiting ${SETTLE_MS / 1000} s after writing ${size} secrets, for the file system's minute of recently freed inodes\n`);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

const secretNames = (count) => Array.from({ length: count }, (_, i) => (i === 0 ? 'bench-target' : `app/service-${String(i).padStart(5, '0')}/db-password`));

// ---- CLI ----
const cliRows = [];
const getAt = {};
let largeHome;
for (const size of SIZES) {
  const home = mkdtempSync(join(tmpdir(), `kms-local-bench-${size}-`));
  const env = cleanEnv({ KMS_LOCAL_HOME: home, KMS_LOCAL_MASTER_KEY: BENCH_MASTER_KEY });
  const started = Date.now();
  const names = secretNames(size);
  await populateHome(home, names);
  process.stderr.write(`bench: ${size} secrets written in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (size === LARGE) await settle(size);
  const cases = [
    ['GetSecretValue', () => [bin, 'kms', 'GetSecretValue', '--SecretName', 'bench-target'], 1.5],
    ['PutSecretValue', (tag) => [bin, 'kms', 'PutSecretValue', '--SecretName', 'bench-target', '--SecretData', `new-${tag}`, '--VersionId', `b-${tag}-${process.hrtime.bigint()}`], 1.7],
    ['GetRandomPassword', () => [bin, 'kms', 'GetRandomPassword']],
    ['ListSecrets (PageSize 100)', () => [bin, 'kms', 'ListSecrets', '--PageSize', '100']],
  ];
  const results = {};
  for (const [label, makeArgv, limit] of cases) {
    const m = measure(makeArgv, env);
    results[label] = m;
    cliRows.push([label, size.toLocaleString('en'), `${m.ms.toFixed(1)} (${m.min.toFixed(1)}-${m.max.toFixed(1)})`, m.floor.toFixed(1), times(m.ratio)]);
    if (limit) target(`${label} / \`node -e 0\`, ${size.toLocaleString('en')} secrets`, m.ratio, limit, times);
  }
  getAt[size] = results.GetSecretValue.ratio;
  if (size === SIZES[SIZES.length - 1]) {
    target(`ListSecrets first page / GetSecretValue, ${size.toLocaleString('en')} secrets`, results['ListSecrets (PageSize 100)'].ms / results.GetSecretValue.ms, 2, times);
    largeHome = { home, names };
  } else {
    rmSync(home, { recursive: true, force: true });
  }
}
// The PostgreSQL store (a server on loopback, its database shared by a team's hosts): the same
// one-secret reads and writes, with the connection, TLS-less login and round trips they cost.
const pg = await startBenchPostgres();
if (pg) {
  try {
    const home = mkdtempSync(join(tmpdir(), 'kms-local-bench-pg-home-'));
    const env = cleanEnv({ KMS_LOCAL_HOME: home, KMS_LOCAL_MASTER_KEY: BENCH_MASTER_KEY, KMS_LOCAL_STORE: pg.url });
    const names = secretNames(SIZES[0]);
    await populateHome(home, names, undefined, pg.url);
    const cases = [
      ['GetSecretValue, PostgreSQL store', () => [bin, 'kms', 'GetSecretValue', '--SecretName', 'bench-target']],
      ['PutSecretValue, PostgreSQL store', (tag) => [bin, 'kms', 'PutSecretValue', '--SecretName', 'bench-target', '--SecretData', `new-${tag}`, '--VersionId', `b-${tag}-${process.hrtime.bigint()}`]],
    ];
    for (const [label, makeArgv] of cases) {
      const m = measure(makeArgv, env);
      cliRows.push([label, names.length.toLocaleString('en'), `${m.ms.toFixed(1)} (${m.min.toFixed(1)}-${m.max.toFixed(1)})`, m.floor.toFixed(1), times(m.ratio)]);
    }
    rmSync(home, { recursive: true, force: true });
  } finally {
    pg.stop();
  }
} else {
  left.push('the PostgreSQL-store rows (no PostgreSQL server binaries found)');
}

const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
const growth = getAt[large] / getAt[small] - 1;
target(`GetSecretValue at ${large.toLocaleString('en')} secrets vs at ${small}`, growth, 0.05, percent);

// ---- serve ----
const serveNames = ['bench/app-token'];
const cpu = await benchServeCpu({ quick: QUICK, populate: (home) => populateHome(home, serveNames) });
target('serve CPU per GetSecretValue / bare node:http server', cpu.kms.cpuPerRequest / cpu.floor.cpuPerRequest, 2.5, times);
// The memory row reuses the largest CLI store, without the secret the CLI rows rewrote.
let memory;
const memoryNames = largeHome.names.slice(1);
try {
  memory = await benchServeMemory({ home: largeHome.home, names: memoryNames, requests: MEMORY_REQUESTS });
} finally {
  rmSync(largeHome.home, { recursive: true, force: true });
}
const memoryLabel = `serve RSS after ${memory.requests.toLocaleString('en')} requests over ${memoryNames.length.toLocaleString('en')} secrets`;
target(memoryLabel, memory.rss, 150, mb, memory.rss < 150 && memory.errors === 0);

// ---- report ----
const row = (cells) => `| ${cells.join(' | ')} |`;
const serveRow = (label, r) => row([label, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.errors, r.cpuPerRequest.toFixed(3)]);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const report = [
  row(['CLI command', 'Secrets in store', 'Median ms (min-max)', '`node -e 0` ms', 'x floor']),
  row(['---', '---:', '---:', '---:', '---:']),
  ...cliRows.map(row),
  '',
  row(['GetSecretValue over loopback, 8 keep-alive clients, V1-signed', 'Requests/s', 'p50 ms', 'p99 ms', 'Errors', 'Server CPU ms/request']),
  row(['---', '---:', '---:', '---:', '---:', '---:']),
  serveRow('bare node:http server, fixed body (floor)', cpu.floor),
  serveRow('`kms-local serve`, 1 secret', cpu.kms),
  '',
  `Memory: \`kms-local serve\` over ${memoryNames.length.toLocaleString('en')} secrets, ${memory.requests.toLocaleString('en')} requests in ${memory.seconds.toFixed(0)} s (${memory.errors} errors): RSS ${mb(memory.rss)}, peak ${mb(memory.peak)}.`,
  '',
  row(['Target', 'Measured', 'Limit', '']),
  row(['---', '---:', '---:', '---']),
  ...targets.map((t) => row([t.name, t.figure, t.limit, t.passes ? 'met' : '**MISSED**'])),
  '',
  ...(left.length ? [`Left out${QUICK ? ' (--quick)' : ''}: ${left.join('; ')}.`, ''] : []),
  `Machine: ${machine}. CLI rows: ${WARMUP} warm-up runs, then ${ROUNDS} rounds of (\`node -e 0\`, command); serve rows: ${cpu.seconds} s measured after a warm-up.`,
  '',
].join('\n');
process.stdout.write(report);

if (WRITE) {
  const path = join(root, 'docs', 'benchmarks.md');
  const doc = readFileSync(path, 'utf8');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  writeFileSync(path, doc.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${report}${end}`));
  process.stderr.write(`bench: figures written to ${path}\n`);
}
const missed = targets.filter((t) => !t.passes);
if (missed.length > 0) {
  process.stderr.write(`bench: ${missed.length} target(s) missed: ${missed.map((t) => t.name).join('; ')}\n`);
  process.exitCode = 1;
}
