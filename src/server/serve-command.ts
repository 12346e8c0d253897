/**
 * `kms-local serve [--host 127.0.0.1] [--port 8080] [--allow-remote true] [--region r] [--tls |
 * --tls-cert f --tls-key f]`: the KMS RPC API over HTTP or HTTPS for SDK clients, on loopback unless told otherwise. Runs until SIGINT or SIGTERM,
 * then stops accepting, lets the requests in flight finish and exits 0.
 */
import { isIP } from 'node:net';
import { once } from 'node:events';
import { CliError } from '../errors/errors.js';
import { clockFrom } from '../api/context.js';
import { Home, type Env } from '../store/home.js';
import { backendOf, closeBackendOf } from '../store/open-backend.js';
import { ReadCache } from '../store/read-cache.js';
import { hasAccessKey } from '../core/principals.js';
import { callerOfPrincipal } from '../api/authorize.js';
import type { PrincipalStorage } from '../store/principals.js';
import type { ParsedArgv } from '../cli/argv.js';
import type { CliIo } from '../cli/io.js';
import { regionFrom } from '../cli/run-operation.js';
import { accessKeySource, ACCESS_KEYS_ENV, type KeyHolder } from './access-keys.js';
import { createKmsServer } from './http-server.js';
import { readTlsFiles, selfSignedCertificate } from './tls.js';
import { tuneHeapForServing } from './heap-tuning.js';

/** Decoded secrets `serve` keeps (oldest out first): the memory target is 10,000 secrets in 150 MB. */
const SERVE_READ_CACHE_ENTRIES = 20_000;
/** Manifest shards: 16 per region and kind (secrets, keys), of the regions in use. */
const SERVE_MANIFEST_CACHE_ENTRIES = 1_024;

const DEFAULT_PORT = 8080;

/** The pairs of every principal of the store that has both halves of an AccessKey, with the caller each stands for. */
export async function principalAccessKeys(principals: PrincipalStorage): Promise<Map<string, KeyHolder>> {
  const keys = new Map<string, KeyHolder>();
  for (const p of await principals.list()) {
    if (!hasAccessKey(p)) continue;
    keys.set(p.accessKeyId, { secret: p.accessKeySecret, caller: callerOfPrincipal(p) });
  }
  return keys;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function option(args: ParsedArgv, name: string): string | undefined {
  return args.params.find((p) => p.name === name)?.value;
}

/** --tls, or --tls-cert with --tls-key, or neither. */
function tlsChoice(args: ParsedArgv): 'self-signed' | 'files' | undefined {
  // A switch in the built-ins' table: present means 'true'.
  const flag = option(args, 'tls') ?? 'false';
  const certFile = option(args, 'tls-cert');
  const keyFile = option(args, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new CliError('--tls-cert and --tls-key go together: the certificate and its private key.');
  if (flag === 'true' && certFile !== undefined) throw new CliError('--tls makes its own certificate; give either --tls or --tls-cert with --tls-key.');
  if (certFile !== undefined) return 'files';
  return flag === 'true' ? 'self-signed' : undefined;
}

export async function runServe(args: ParsedArgv, io: CliIo, env: Env = io.env): Promise<number> {
  // Help, flags and arguments were handled from the built-ins' table (src/cli/builtin-dispatch.ts).

  const host = option(args, 'host') ?? '127.0.0.1';
  const portText = option(args, 'port') ?? String(DEFAULT_PORT);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new CliError(`--port must be a TCP port from 0 to 65535, not '${portText}'.`);
  const allowText = option(args, 'allow-remote') ?? 'false';
  if (allowText !== 'true' && allowText !== 'false') throw new CliError(`--allow-remote must be true or false, not '${allowText}'.`);
  const remote = !isLoopback(host);
  if (remote && allowText !== 'true') {
    throw new CliError(`refusing to listen on ${host}, which is not a loopback address: anyone who can reach it could try AccessKeys. Add --allow-remote true to do it anyway.`, { kind: 'withTip', tip: 'Use --tls (or --tls-cert/--tls-key) so that remote clients connect over https.' });
  }

  const tlsMode = tlsChoice(args);
  tuneHeapForServing();

  const home = new Home(env, io.stderr);
  // Secrets are read many times over: keep them decoded while their files are unchanged.
  home.readCache = new ReadCache(SERVE_READ_CACHE_ENTRIES);
  home.manifestCache = new ReadCache(SERVE_MANIFEST_CACHE_ENTRIES);
  // A `kms-local rekey` while the server runs replaces the key file: read it again then.
  home.watchKeyFiles = true;
  // A listing that skips an unreadable secret file says so in the server's log (unless --quiet).
  if (!args.globals.has('quiet')) home.onWarning = (message) => io.stderr(`WARNING: ${message}\n`);
  // KMS_LOCAL_NOW is read once (a bad one is reported now, not on the first request): a process's
  // environment does not change under it, and reading it cost a lookup in the environment per request.
  const rehearsedNowMs = env.KMS_LOCAL_NOW ? clockFrom(env) : undefined;
  home.keys(); // likewise a bad master key
  const principals = backendOf(home, 'server').principals(); // a shared store gets a pool for requests at once (connected on the first)
  const keys = accessKeySource(env, () => principalAccessKeys(principals));
  await keys.refresh();
  const quiet = args.globals.has('quiet');
  const tls =
    tlsMode === 'files' ? readTlsFiles(option(args, 'tls-cert')!, option(args, 'tls-key')!)
    : tlsMode === 'self-signed' ? await selfSignedCertificate(home, host, Date.now())
    : undefined;
  const server = createKmsServer({
    ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    home,
    defaultRegion: regionFrom(args, io),
    lookup: keys.lookup,
    callerOf: keys.callerOf,
    refreshKeys: keys.refresh,
    storeNowMs: rehearsedNowMs === undefined ? Date.now : () => rehearsedNowMs,
    log: quiet ? undefined : (line) => io.stderr(`${line}\n`),
  });

  server.listen(Number(portText), host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot listen on ${host}:${portText}: ${code ?? (err as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : Number(portText);
  const shown = host.includes(':') ? `[${host}]` : host;
  if (remote && !tls) io.stderr(`WARNING: kms-local serve is listening on ${host}, beyond loopback, over plain HTTP.\n`);
  if (keys.count() === 0) io.stderr(`WARNING: no AccessKey pair is configured; every request will be refused. Add one to a profile or to ${ACCESS_KEYS_ENV}.\n`);
  // The certificate first: whoever waits for the listening line has the certificate by then.
  if (tls) io.stdout(`kms-local serve: TLS certificate ${tls.certPath}${tls.created ? ' (new)' : ''} SHA-256 ${tls.fingerprint}\n`);
  io.stdout(`kms-local serve: listening on ${tls ? 'https' : 'http'}://${shown}:${port} (region ${regionFrom(args, io)}, ${keys.count()} AccessKey pair(s))\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (sig: NodeJS.Signals) => resolve(sig);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.stderr(`kms-local serve: ${signal} received, finishing requests in flight\n`);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still running after 10 s are cut off rather than holding the exit forever.
    setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, 10_000).unref();
  });
  await closeBackendOf(home);
  return 0;
}
