/**
 * The HTTP endpoint of `kms-local serve`: the Alibaba Cloud KMS RPC API (POST or GET `/`, parameters
 * in the query or a form body) in front of the same operation path as the CLI (src/api/invoke.ts).
 *
 * Load safety: a body larger than MAX_BODY_BYTES is refused before it is read; node's
 * headersTimeout and requestTimeout drop clients that send slowly, so they hold a socket, never
 * the event loop; handlers run one at a time on the event loop and take the store's
 * inter-process locks, exactly as concurrent CLI processes do.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import { CliError, errorResponse, ServiceError, storageError } from '../errors/errors.js';
import { findOperation } from '../api/operations.js';
import { invoke } from '../api/invoke.js';
import type { Home } from '../store/home.js';
import type { AccessKeyLookup } from './access-keys.js';
import type { Caller } from '../api/authorize.js';
import { authenticate, parseParams, type RawRequest } from './authenticate.js';
import { ReplayGuard, type SpentNonce } from './replay.js';
import { LogNonceLedger } from './nonce-log.js';
import { logField, logText } from './log-line.js';
import { backendOf } from '../store/open-backend.js';
import type { NonceClaims } from '../store/backend.js';
import { isRegionId, secretNameIn } from '../core/model.js';

/** SecretData is at most 30720 bytes; form encoding can triple it. */
export const MAX_BODY_BYTES = 256 * 1024;
const MAX_URL_BYTES = 128 * 1024;

export interface ServerOptions {
  home: Home;
  /** The region of requests that name none (SDK clients send no RegionId). */
  defaultRegion: string;
  lookup: AccessKeyLookup;
  /** The caller an AccessKey stands for (its profile and policies); absent: every key unrestricted. */
  callerOf?: (accessKeyId: string) => Caller | undefined;
  /** Brings `lookup` and `callerOf` up to date (the store's principals, read at most once a second); undefined when they are. */
  refreshKeys?: () => Promise<void> | undefined;
  /** The store's clock for each request (KMS_LOCAL_NOW or the real time). */
  storeNowMs: () => number;
  /** The real clock, for signature timestamps. */
  wireNowMs?: () => number;
  /** One line per request, without values or signatures; omitted: silent. */
  log?: (line: string) => void;
  replay?: ReplayGuard;
  /** Serve https with this certificate and key (serve --tls, --tls-cert/--tls-key); plain http without. */
  tls?: { cert: string; key: string };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string, close = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json;charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'x-acs-request-id': requestId,
  };
  if (close) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

const NO_BODY = Buffer.alloc(0);
/** The form of a request without one (never changed: authenticate only reads it). */
const NO_PARAMS: ReadonlyMap<string, string> = new Map();

/** Whether a body follows the headers: HTTP/1.1 says so with Content-Length or Transfer-Encoding only (RFC 9112 6.3). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** HostId of an error body: the host the client addressed, as the gateway names its own. */
function hostIdOf(req: IncomingMessage): string {
  const host = req.headers.host;
  return host && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? host : 'kms-local';
}

function isForm(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type === undefined || /^application\/x-www-form-urlencoded\b/i.test(type);
}

/**
 * Spends a nonce the local guard accepted in the store every host's replicas share too. Fails
 * closed: a request whose nonce could not be recorded there is refused, never run.
 */
async function claimShared(claims: NonceClaims, spent: SpentNonce): Promise<void> {
  let first: boolean;
  try {
    first = await claims.claim(spent.accessKeyId, spent.nonceHash, spent.expiresAtMs);
  } catch (err) {
    // The store's errors name it without its password (src/store/pg/connection.ts).
    const detail = err instanceof Error ? err.message : String(err);
    throw new ServiceError('ServiceUnavailableTemporary', `The request's SignatureNonce could not be recorded in the shared store, so the request was not run: ${detail} Send it again with a new nonce.`);
  }
  if (!first) throw new ServiceError('SignatureNonceUsed');
}

interface Outcome {
  status: number;
  action: string;
  code?: string;
  accessKeyId?: string;
}

export function createKmsServer(opts: ServerOptions): Server {
  // Nonces are spent in the home: shared with every other `serve` on it, kept across restarts.
  const replay = opts.replay ?? new ReplayGuard({ ledger: new LogNonceLedger(opts.home.root) });
  const wireNow = opts.wireNowMs ?? (() => Date.now());
  // A shared store's nonces (PostgreSQL), learnt on the first request; null until then. Files: none.
  let sharedNonces: NonceClaims | undefined | null = null;
  const sharedNoncesOf = (): NonceClaims | undefined => (sharedNonces === null ? (sharedNonces = backendOf(opts.home).nonces?.()) : sharedNonces);

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string, outcome: Outcome): Promise<void> {
    const url = req.url ?? '/';
    const cut = url.indexOf('?');
    const path = cut < 0 ? url : url.slice(0, cut);
    const method = req.method ?? 'GET';
    if ((method !== 'GET' && method !== 'POST') || path !== '/' || url.length > MAX_URL_BYTES) {
      req.resume();
      throw new ServiceError('InvalidAction.NotFound');
    }
    // A GET carries none: no stream to wait on (node discards what is left of a request once answered).
    const body = hasBody(req) ? await readBody(req) : NO_BODY;
    const raw: RawRequest = {
      method,
      path,
      query: parseParams(cut < 0 ? '' : url.slice(cut + 1), 'query'),
      form: isForm(req) && body.length > 0 ? parseParams(body.toString('utf8'), 'body') : NO_PARAMS,
      headers: req.headers,
      body,
    };
    const refreshing = opts.refreshKeys?.();
    if (refreshing) await refreshing;
    // Replicas on other hosts share the store, not this home's nonce log: the store spends it too.
    const shared = sharedNoncesOf();
    const auth = authenticate(raw, { lookup: opts.lookup, replay, nowMs: wireNow() });
    // Nothing yields between authenticate and takeSpent, so the nonce taken is this request's.
    const spent = shared ? replay.takeSpent() : undefined;
    // The home's log answers once the nonces of this turn of the event loop are written together.
    if (auth.nonceSpent) await auth.nonceSpent;
    if (shared) await claimShared(shared, spent!);
    outcome.action = auth.action;
    outcome.accessKeyId = auth.accessKeyId;
    const op = findOperation(auth.action);
    if (!op) throw new ServiceError('InvalidAction.NotFound', `Specified api ${auth.action} is not found, please check your url and method.`);
    // Parameters the operation does not take are ignored (invoke decodes), as the service ignores them.
    const known = auth.params;
    const region = auth.region ?? opts.defaultRegion;
    // The store's lock waits synchronously, which is right for a CLI process but would stop this
    // server answering anyone while another process holds a secret's lock: wait here instead.
    // Every write also takes the region's metadata index lock for a moment: a CLI process stopped
    // holding it must hold up only the writes of that region, not every request.
    if (op.mutates && isRegionId(region)) {
      await backendOf(opts.home).secrets(region, Date.now).writable(known.SecretName ? secretNameIn(known.SecretName) : undefined);
    }
    const response = await invoke(op, known, {
      home: opts.home,
      region,
      nowMs: opts.storeNowMs(),
      requestId,
      caller: opts.callerOf?.(auth.accessKeyId) ?? { profile: '-', accessKeyId: auth.accessKeyId, policies: undefined },
    });
    send(res, 200, response, requestId);
    outcome.status = 200;
  }

  function fail(caught: unknown, req: IncomingMessage, res: ServerResponse, requestId: string, outcome: Outcome): void {
    const err = storageError(caught) ?? caught;
    const hostId = hostIdOf(req);
    if (err instanceof BodyTooLarge) {
      const refusal = new ServiceError('InvalidParameter', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
      const { status, body } = errorResponse(refusal, requestId, hostId, 413);
      send(res, status, body, requestId, true);
      Object.assign(outcome, { status, code: refusal.code });
      return;
    }
    if (err instanceof ServiceError) {
      const { status, body } = errorResponse(err, requestId, hostId);
      send(res, status, body, requestId);
      Object.assign(outcome, { status, code: err.code });
      return;
    }
    // Configuration problems (a bad master key) and bugs: the detail goes to the server's log,
    // which never holds a value (errors carry none); the client gets InternalFailure.
    const failure = new ServiceError('InternalFailure');
    const { status, body } = errorResponse(failure, requestId, hostId);
    send(res, status, body, requestId);
    Object.assign(outcome, { status, code: failure.code });
    opts.log?.(`ERROR request ${requestId}: ${logText(err instanceof CliError || err instanceof Error ? err.message : String(err))}`);
  }

  /** One request: answered, or failed with the service's error; logged; the socket dropped if even that fails. */
  async function serveRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = opts.log ? process.hrtime.bigint() : 0n;
    const requestId = randomUUID();
    const outcome: Outcome = { status: 0, action: '-' };
    try {
      try {
        await handle(req, res, requestId, outcome);
      } catch (err) {
        fail(err, req, res, requestId, outcome);
      }
      if (!opts.log) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const who = outcome.accessKeyId ? ` ${logField(outcome.accessKeyId)}` : '';
      const code = outcome.code ? ` ${outcome.code}` : '';
      opts.log(`${new Date().toISOString()} ${logField(req.method ?? '-')} ${logField(outcome.action)}${who} ${outcome.status}${code} ${ms.toFixed(1)}ms ${requestId}`);
    } catch {
      res.destroy();
    }
  }

  // One async function rather than a chain of catch/then/catch: a promise per request, not four.
  const listener: RequestListener = (req, res) => void serveRequest(req, res);
  // node's https.Server is an http.Server over TLS sockets: the same limits and the same handler.
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);

  // A slow client holds its own socket only: headers within 10 s, the whole request within 30 s.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.maxRequestsPerSocket = 10_000;
  // Beyond this, new connections are refused at once rather than exhausting file descriptors.
  server.maxConnections = 1024;
  return server;
}
