// The serve figure of the benchmark: GetSecretValue requests per second over loopback, with 8
// concurrent clients, through the real SDKs. Used by scripts/bench.mjs; runs alone too:
//   node scripts/bench-serve.mjs [--quick]      (after npm run build)
//
// Method: `kms-local serve --quiet` runs as its own process on a free loopback port, on a fresh home
// holding one 40-byte Generic secret, with NODE_EXTRA_CA_CERTS and NODE_OPTIONS removed. Each
// client is a worker thread with its own SDK client that calls GetSecretValue in a loop, one
// request at a time, for a warm-up then a measured period; the figure is the number of successful
// responses in the measured period over its length, and every response is checked. Two rows: the
// `@alicloud/kms20160120` 1.2.0 client (V1 HMAC-SHA1 signatures) and `@alicloud/openapi-client`
// callApi (ACS3-HMAC-SHA256). Both clients share the machine with the server, so the figure is a
// floor of what the server alone could do.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kms-local.js');
const AK_ID = 'LTAIbenchKeyId';
const AK_SECRET = 'bench-secret-not-a-real-key';
const SECRET_NAME = 'bench/app-token';
const SECRET_VALUE = 'bench-value-0123456789abcdefghijklmnopq';

async function clientLoop({ endpoint, kind, warmupMs, measureMs }) {
  const require = createRequire(import.meta.url);
  let call;
  if (kind === 'v1') {
    const Kms = require('@alicloud/kms20160120');
    const client = new Kms.default({ accessKeyId: AK_ID, accessKeySecret: AK_SECRET, endpoint, protocol: 'http', regionId: 'cn-hangzhou' });
    const request = new Kms.GetSecretValueRequest({ secretName: SECRET_NAME });
    call = async () => (await client.getSecretValue(request)).secretData;
  } else {
    const OpenApi = require('@alicloud/openapi-client');
    const TeaUtil = require('@alicloud/tea-util');
    const client = new OpenApi.default(new OpenApi.Config({ accessKeyId: AK_ID, accessKeySecret: AK_SECRET, endpoint, protocol: 'http', regionId: 'cn-hangzhou' }));
    const params = new OpenApi.Params({ action: 'GetSecretValue', version: '2016-01-20', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    const runtime = new TeaUtil.RuntimeOptions({ autoretry: false });
    call = async () => (await client.callApi(params, new OpenApi.OpenApiRequest({ query: { SecretName: SECRET_NAME } }), runtime)).body.SecretData;
  }
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const until = measureFrom + measureMs;
  const latencies = [];
  let errors = 0;
  let total = 0;
  for (;;) {
    const t0 = performance.now();
    if (t0 >= until) break;
    let ok = false;
    try {
      ok = (await call()) === SECRET_VALUE;
    } catch {
      ok = false;
    }
    const t1 = performance.now();
    total++;
    if (t0 >= measureFrom && t1 <= until) {
      if (ok) latencies.push(t1 - t0);
      else errors++;
    }
  }
  return { latencies, errors, total };
}

if (!isMainThread) {
  parentPort.postMessage(await clientLoop(workerData));
}

function cleanEnv(extra) {
  const env = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  delete env.KMS_LOCAL_NOW;
  return env;
}

function startServer(env) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--quiet'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve({ child, endpoint: `127.0.0.1:${match[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`kms-local serve exited (${code}): ${out}`)));
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return undefined;
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/** Runs both rows; resolves to { clients, seconds, rows: [{ label, rps, p50, p99, requests, errors }] }. */
export async function benchServe({ clients = 8, quick = false } = {}) {
  const warmupMs = quick ? 1000 : 2000;
  const measureMs = quick ? 3000 : 10000;
  const home = mkdtempSync(join(tmpdir(), 'kms-local-bench-serve-'));
  const env = cleanEnv({
    KMS_LOCAL_HOME: home,
    KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
    KMS_LOCAL_SERVE_ACCESS_KEYS: `${AK_ID}:${AK_SECRET}`,
  });
  const created = spawnSync(process.execPath, [bin, 'kms', 'CreateSecret', '--SecretName', SECRET_NAME, '--VersionId', 'v1', '--SecretData', SECRET_VALUE], { env });
  if (created.status !== 0) throw new Error(`CreateSecret failed: ${created.stderr}`);
  const { child, endpoint } = await startServer(env);
  const rows = [];
  try {
    for (const [kind, label] of [['v1', '@alicloud/kms20160120 1.2.0 (V1 HMAC-SHA1)'], ['acs3', '@alicloud/openapi-client callApi (ACS3-HMAC-SHA256)']]) {
      const cpuBefore = cpuMsOf(child.pid);
      const results = await Promise.all(
        Array.from({ length: clients }, () =>
          new Promise((resolve, reject) => {
            const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { endpoint, kind, warmupMs, measureMs }, env: cleanEnv({}) });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
        ),
      );
      const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const errors = results.reduce((n, r) => n + r.errors, 0);
      const cpuAfter = cpuMsOf(child.pid);
      // Server CPU per request, warm-up included in both terms: what one request costs the server,
      // whatever the clients on the same machine cost.
      const served = results.reduce((n, r) => n + r.total, 0);
      const cpuPerRequest = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / served;
      rows.push({ label, rps: latencies.length / (measureMs / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), requests: latencies.length, errors, cpuPerRequest });
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
  return { clients, seconds: measureMs / 1000, rows };
}

export function serveTable(result) {
  return [
    `| GetSecretValue over loopback, ${result.clients} concurrent clients | Requests/s | p50 ms | p99 ms | Errors | Server CPU ms/request |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...result.rows.map((r) => `| ${r.label} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} | ${r.cpuPerRequest === undefined ? 'n/a' : r.cpuPerRequest.toFixed(2)} |`),
  ].join('\n');
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await benchServe({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${serveTable(result)}\n\n${result.seconds} s measured per row after a warm-up.\n`);
}
