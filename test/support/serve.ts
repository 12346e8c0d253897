/**
 * Test helpers for `kms-local serve`: start it as a real process on a free loopback port with a
 * temporary KMS_LOCAL_HOME, and reach it with the real Alibaba Cloud SDKs. Nothing here imports src/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
import { BIN, REPO_ROOT } from './cli.js';

const require = createRequire(import.meta.url);

export const ACCESS_KEY_ID = 'LTAI5tTestKeyId000000001';
export const ACCESS_KEY_SECRET = 'test-secret-Hu7Wq2sX9kLm3Np';

export interface Served {
  port: number;
  endpoint: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr (its request log) and stdout so far. */
  output(): string;
  /** SIGTERM, then the exit code (or the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

export function serveEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(KMS_LOCAL_|ALIBABA_CLOUD_|ALICLOUD_)/.test(key)) continue;
    if (key === 'NODE_OPTIONS' || key === 'NODE_EXTRA_CA_CERTS') continue;
    env[key] = value;
  }
  env.KMS_LOCAL_HOME = home;
  env.KMS_LOCAL_SERVE_ACCESS_KEYS = `${ACCESS_KEY_ID}:${ACCESS_KEY_SECRET}`;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Starts `kms-local serve --port 0` and resolves once it printed the address it listens on. */
export function startServe(home: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: REPO_ROOT, env: serveEnv(home, env) });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal!)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}${err}`)), 15_000);
    const check = (): void => {
      const match = /listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({
        port,
        endpoint: `127.0.0.1:${port}`,
        child,
        output: () => out + err,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`serve exited: ${out}${err}`));
    });
  });
}

/** The npm SDK `@alicloud/kms20160120` (1.2.0: V1 HMAC-SHA1 signatures through @alicloud/rpc-client). */
export const Kms = require('@alicloud/kms20160120');
/** The generic client `@alicloud/openapi-client` (callApi signs with ACS3-HMAC-SHA256 by default). */
export const OpenApi = require('@alicloud/openapi-client');
export const TeaUtil = require('@alicloud/tea-util');
/** The signer inside @alicloud/rpc-client, to build hand-made V1 requests (stale time, reused nonce). */
export const RpcUtil = require('@alicloud/rpc-util').default;

/**
 * The POP gateway client `@alicloud/gateway-pop` (the ACS4-HMAC-SHA256 signer of the current SDKs'
 * `signatureVersion: 'v4'`). Its npm build derives the scoped key with
 * `@alicloud/darabonba-signature-util` 0.0.4, whose HmacSHA256SignByBytes turns the key bytes into
 * a UTF-8 string first, which changes them; the Python and Go gateway clients (and the gateway)
 * use the bytes. The test clients use the bytes too: only the helpers below are replaced.
 */
export const GatewayPop = require('@alicloud/gateway-pop').default;
const SignatureUtil = require('@alicloud/darabonba-signature-util').default;
SignatureUtil.HmacSHA256SignByBytes = (text: string, key: Buffer): Buffer => createHmac('sha256', key).update(text).digest();
// Likewise its @alicloud/darabonba-encode-util 0.0.2 percentEncode escapes only the first '*' of a
// value (String.replace with a string) and leaves ! ' ( ) as they are; the Python gateway quotes
// everything but unreserved characters (RFC 3986), as the ACS3 signer does.
const EncodeUtil = require('@alicloud/darabonba-encode-util').default;
EncodeUtil.percentEncode = (raw: string | null): string | null =>
  raw == null ? null : encodeURIComponent(raw).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** openapi-client signing ACS4-HMAC-SHA256 through the POP gateway client, as `signatureVersion: 'v4'` does. */
export function openApiV4Client(endpoint: string, id = ACCESS_KEY_ID, secret = ACCESS_KEY_SECRET): any {
  const client = new OpenApi.default(
    new OpenApi.Config({ accessKeyId: id, accessKeySecret: secret, endpoint, protocol: 'http', regionId: 'cn-hangzhou', signatureVersion: 'v4' }),
  );
  client.setGatewayClient(new GatewayPop());
  // What the generated product client sets: the product code in the credential scope.
  client._productId = 'Kms';
  return client;
}

export function kmsClient(endpoint: string, id = ACCESS_KEY_ID, secret = ACCESS_KEY_SECRET): any {
  // 1.2.0 exports no Config: its client takes @alicloud/rpc-client's config as a plain object.
  return new Kms.default({ accessKeyId: id, accessKeySecret: secret, endpoint, protocol: 'http', regionId: 'cn-hangzhou' });
}

export function openApiClient(endpoint: string, id = ACCESS_KEY_ID, secret = ACCESS_KEY_SECRET, signatureAlgorithm?: 'v2', tls?: { ca: string }): any {
  return new OpenApi.default(
    new OpenApi.Config({
      accessKeyId: id, accessKeySecret: secret, endpoint, protocol: tls ? 'https' : 'http', regionId: 'cn-hangzhou',
      ...(signatureAlgorithm ? { signatureAlgorithm } : {}), ...(tls ? { ca: tls.ca } : {}),
    }),
  );
}

const lowerFirst = (s: string): string => s[0]!.toLowerCase() + s.slice(1);

/** Calls an operation through @alicloud/kms20160120's typed method; the response as the API names it. */
export async function callKmsSdk(client: any, action: string, params: Record<string, string>): Promise<any> {
  const Request = Kms[`${action}Request`];
  const request = new Request(Object.fromEntries(Object.entries(params).map(([k, v]) => [lowerFirst(k), v])));
  const response = await client[lowerFirst(action)](request);
  return response.toMap();
}

/** Calls an operation through openapi-client's generic callApi (ACS3-HMAC-SHA256); the JSON body. */
export async function callOpenApi(
  client: any,
  action: string,
  params: Record<string, string>,
  opts: { headers?: Record<string, string>; inBody?: boolean } = {},
): Promise<any> {
  const request = new OpenApi.OpenApiRequest({
    ...(opts.inBody ? { body: params } : { query: params }),
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  const apiParams = new OpenApi.Params({
    action, version: '2016-01-20', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json',
  });
  const response = await client.callApi(apiParams, request, new TeaUtil.RuntimeOptions({ autoretry: false }));
  return response.body;
}

/** Service time format of a date, as clients send it in Timestamp and x-acs-date. */
export function wireTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A V1-signed request made by hand (with the SDK's own signer), to control Timestamp and nonce. */
export async function signedV1(
  endpoint: string,
  action: string,
  params: Record<string, string>,
  opts: {
    timestamp?: string;
    nonce?: string;
    secret?: string;
    /** Another AccessKeyId than ACCESS_KEY_ID (give its `secret` too). */
    accessKeyId?: string;
    method?: 'GET' | 'POST';
    tamper?: (q: Record<string, string>) => void;
    /** Headers added to the request (a V1 signature covers none). */
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: any; sent: Record<string, string> }> {
  const method = opts.method ?? 'POST';
  const query: Record<string, string> = {
    Action: action, Format: 'JSON', Version: '2016-01-20', AccessKeyId: opts.accessKeyId ?? ACCESS_KEY_ID, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
    SignatureNonce: opts.nonce ?? `${Date.now()}-${Math.random()}`, Timestamp: opts.timestamp ?? wireTime(Date.now()), ...params,
  };
  query.Signature = RpcUtil.getSignatureV1(query, method, opts.secret ?? ACCESS_KEY_SECRET);
  opts.tamper?.(query);
  const response = await fetch(`http://${endpoint}/?${new URLSearchParams(query)}`, { method, headers: opts.headers });
  return { status: response.status, body: await response.json(), sent: query };
}
