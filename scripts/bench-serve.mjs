// The serve figures of the benchmark (used by scripts/bench.mjs; runs alone too, after npm run build:
//   node scripts/bench-serve.mjs [--quick]).
//
// One load generator for every server: 8 keep-alive clients (2 worker threads of 4), each sending
// GetSecretValue requests one at a time, every request freshly signed (V1 HMAC-SHA1, a new
// SignatureNonce and Timestamp, as the aliyun CLI and the core SDK sign), every answer checked for
// the secret's value. It runs against
//   - the floor: a bare node:http server that reads each request and answers a fixed body, and
//   - `kms-local serve`, on a home holding one secret (the CPU row) or 10,000 (the memory row).
// Server CPU per request is the server process's user+system time (/proc/<pid>/stat) over the
// measured period divided by the answers in it; a warm-up precedes every measured period. Both
// servers share the machine with the generator, so the ratio compares like with like.
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BENCH_MASTER_KEY } from './bench-populate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kms-local.js');
const AK_ID = 'LTAIbenchKeyId';
const AK_SECRET = 'bench-secret-not-a-real-key';
const SECRET_VALUE = 'bench-value-0123456789abcdefghijklmnopq';
const WORKERS = 2;
const CLIENTS_PER_WORKER = 4;

// ---- the load generator (worker threads) ----

const encode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A V1-signed GetSecretValue query string, as the aliyun CLI sends it. */
function signedQuery(secretName) {
  const params = {
    AccessKeyId: AK_ID,
    Action: 'GetSecretValue',
    Format: 'JSON',
    SecretName: secretName,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: randomUUID(),
    SignatureVersion: '1.0',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Version: '2016-01-20',
  };
  const canonical = Object.keys(params).sort().map((k) => `${encode(k)}=${encode(params[k])}`).join('&');
  const signature = createHmac('sha1', `${AK_SECRET}&`).update(`GET&%2F&${encode(canonical)}`).digest('base64');
  return `${canonical}&Signature=${encode(signature)}`;
}

function get(agent, port, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One worker: CLIENTS_PER_WORKER loops for `ms`; answers counted, latencies kept when asked. */
async function generate({ port, names, ms, keepLatencies }) {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS_PER_WORKER });
  const until = performance.now() + ms;
  const latencies = [];
  let answers = 0;
  let errors = 0;
  let next = Math.floor(Math.random() * names.length);
  await Promise.all(
    Array.from({ length: CLIENTS_PER_WORKER }, async () => {
      while (performance.now() < until) {
        const name = names[next++ % names.length];
        const t0 = performance.now();
        try {
          const { status, body } = await get(agent, port, `/?${signedQuery(name)}`);
          if (status === 200 && JSON.parse(body).SecretData === SECRET_VALUE) answers++;
          else errors++;
        } catch {
          errors++;
        }
        if (keepLatencies) latencies.push(performance.now() - t0);
      }
    }),
  );
  agent.destroy();
  return { answers, errors, latencies };
}

if (!isMainThread) {
  parentPort.postMessage(await generate(workerData));
}

// ---- the servers ----

function cleanEnv(extra) {
  const env = { ...process.env, ...extra };
  for (const key of ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'KMS_LOCAL_NOW']) delete env[key];
  return env;
}

/** The floor: reads the request, answers one fixed body the generator accepts. */
const FLOOR_SERVER = `
const body = JSON.stringify({ RequestId: '00000000-0000-4000-8000-000000000000', SecretData: ${JSON.stringify(SECRET_VALUE)}, SecretName: 'x', VersionId: 'v1' });
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8', 'Content-Length': Buffer.byteLength(body) }); res.end(body); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening on http://127.0.0.1:' + server.address().port + '\\n'));
`;

function startServer(argv, env) {
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const match = /listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    };
    child.stderr.setEncoding('utf8').on('data', onData);
    child.stdout.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** user+system CPU ms of a process so far, from /proc (Linux). */
function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
}

/** Resident and peak resident memory of a process, MB. */
function memoryMbOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function load(port, names, ms, keepLatencies) {
  const results = await Promise.all(
    Array.from({ length: WORKERS }, () =>
      new Promise((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { port, names, ms, keepLatencies }, env: cleanEnv({}) });
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
    ),
  );
  return {
    answers: results.reduce((n, r) => n + r.answers, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    latencies: results.flatMap((r) => r.latencies).sort((a, b) => a - b),
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/** Warm-up, then a measured period: requests/s, latency percentiles, server CPU per answer. */
async function measureServer(child, port, names, { warmupMs, measureMs }) {
  await load(port, names, warmupMs, false);
  const cpuBefore = cpuMsOf(child.pid);
  const run = await load(port, names, measureMs, true);
  const cpu = cpuMsOf(child.pid) - cpuBefore;
  return {
    rps: run.answers / (measureMs / 1000),
    p50: percentile(run.latencies, 50),
    p99: percentile(run.latencies, 99),
    errors: run.errors,
    cpuPerRequest: cpu / run.answers,
  };
}

export function serveEnv(home) {
  return cleanEnv({
    KMS_LOCAL_HOME: home,
    KMS_LOCAL_MASTER_KEY: BENCH_MASTER_KEY,
    KMS_LOCAL_SERVE_ACCESS_KEYS: `${AK_ID}:${AK_SECRET}`,
  });
}

export const BENCH_SECRET_VALUE = SECRET_VALUE;

/**
 * The CPU rows: the floor and kms-local serve on a home with one secret `bench/app-token`.
 * `populate(home, names)` fills a home in-process (scripts/bench.mjs owns it).
 */
export async function benchServeCpu({ quick, populate }) {
  const timing = { warmupMs: quick ? 1000 : 2000, measureMs: quick ? 3000 : 8000 };
  const names = ['bench/app-token'];
  const floorServer = await startServer(['-e', FLOOR_SERVER], cleanEnv({}));
  let floor;
  try {
    floor = await measureServer(floorServer.child, floorServer.port, names, timing);
  } finally {
    await stopServer(floorServer.child);
  }
  const home = mkdtempSync(join(tmpdir(), 'kms-local-bench-serve-'));
  try {
    await populate(home, names);
    const served = await startServer([bin, 'serve', '--port', '0', '--quiet'], serveEnv(home));
    try {
      return { floor, kms: await measureServer(served.child, served.port, names, timing), seconds: timing.measureMs / 1000 };
    } finally {
      await stopServer(served.child);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * The memory row: kms-local serve on `home` (already holding `names`), `requests` GetSecretValue
 * answers spread over every name, then its resident memory.
 */
export async function benchServeMemory({ home, names, requests }) {
  const served = await startServer([bin, 'serve', '--port', '0', '--quiet'], serveEnv(home));
  try {
    let answered = 0;
    let errors = 0;
    const started = performance.now();
    while (answered < requests) {
      // Slices of about 5 s, until the count is reached.
      const run = await load(served.port, names, 5000, false);
      answered += run.answers;
      errors += run.errors;
    }
    return { requests: answered, errors, seconds: (performance.now() - started) / 1000, ...memoryMbOf(served.child.pid) };
  } finally {
    await stopServer(served.child);
  }
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const { populateHome } = await import('./bench-populate.mjs');
  const result = await benchServeCpu({ quick: process.argv.includes('--quick'), populate: populateHome });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
