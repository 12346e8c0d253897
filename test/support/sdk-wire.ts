/**
 * The conformance corpus (test/fixtures/sdk-wire/*.json, format in its README.md): requests as
 * each SDK family puts them on the wire, signed the way that family signs, sent to a real `serve`.
 * The signers are the SDKs' own: @alicloud/rpc-util (V1), @alicloud/openapi-util (ACS3) and
 * @alicloud/gateway-pop (ACS4, with the byte-exact HMAC, see serve.ts GatewayPop).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, GatewayPop, RpcUtil, wireTime } from './serve.js';

const require = createRequire(import.meta.url);
const OpenApiUtil = require('@alicloud/openapi-util').default;

export const FIXTURE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'sdk-wire');
export type Signature = 'V1' | 'ACS3' | 'ACS4';

export interface WireRequest {
  /** Who sends it: python, python-v4, go, java, core-v1, caching-python, caching-java, ... */
  family: string;
  /** The repository and path (and function) the request's form was read from. */
  source: string;
  signature: Signature;
  method: 'GET' | 'POST';
  /** The operation's parameters in the URL query, exactly as the family serialises them. */
  query: Record<string, string>;
  /** Parameters in an application/x-www-form-urlencoded body, when the family sends a body. */
  body?: Record<string, string>;
  /** The status, a subset of the answer (toMatchObject), and fields that must be present whatever their value. */
  expect: { status: number; body?: Record<string, unknown>; fields?: string[] };
}

export interface WireStep {
  action: string;
  params: Record<string, string>;
  /** Values of the answer to keep for later requests: name -> dotted path (`KeyMetadata.KeyId`). */
  save?: Record<string, string>;
}

export interface WireFixture {
  operation: string;
  /** Calls made first (V1-signed, as the aliyun CLI sends them), to make what the requests need. */
  setup?: WireStep[];
  requests: WireRequest[];
}

export function loadFixtures(): Map<string, WireFixture> {
  const fixtures = new Map<string, WireFixture>();
  for (const file of readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as WireFixture;
    if (`${fixture.operation}.json` !== file) throw new Error(`${file}: operation ${fixture.operation} does not match the file name`);
    fixtures.set(fixture.operation, fixture);
  }
  return fixtures;
}

/** `{{name}}` in any string of `value` replaced by a saved value. */
export function fill<T>(value: T, saved: ReadonlyMap<string, string>): T {
  return JSON.parse(
    JSON.stringify(value).replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const v = saved.get(name);
      if (v === undefined) throw new Error(`no saved value {{${name}}}`);
      return JSON.stringify(v).slice(1, -1);
    }),
  ) as T;
}

export function pathValue(body: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], body);
}

const VERSION = '2016-01-20';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Sends `req` for `action` to `endpoint` (host:port, http), signed as its family signs. */
export async function sendWire(endpoint: string, action: string, req: Pick<WireRequest, 'signature' | 'method' | 'query' | 'body'>): Promise<{ status: number; body: any }> {
  const bodyText = req.body ? new URLSearchParams(req.body).toString() : '';
  let query: Record<string, string> = { ...req.query };
  const headers: Record<string, string> = {};
  if (req.signature === 'V1') {
    // aliyun-python-sdk-core / the aliyun CLI (rpc_signature_composer): protocol parameters in the query.
    query = {
      Action: action, Format: 'JSON', Version: VERSION, AccessKeyId: ACCESS_KEY_ID, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
      SignatureType: '', SignatureNonce: randomUUID(), Timestamp: wireTime(Date.now()), RegionId: 'cn-hangzhou', ...query,
    };
    query.Signature = RpcUtil.getSignatureV1({ ...query, ...(req.body ?? {}) }, req.method, ACCESS_KEY_SECRET);
    if (bodyText) headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    Object.assign(headers, {
      host: endpoint,
      'x-acs-action': action,
      'x-acs-version': VERSION,
      'x-acs-date': wireTime(Date.now()),
      'x-acs-signature-nonce': randomUUID().replace(/-/g, ''),
      'x-acs-content-sha256': sha256(bodyText),
      ...(bodyText ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    });
    if (req.signature === 'ACS3') {
      headers.authorization = OpenApiUtil.getAuthorization({ method: req.method, pathname: '/', query, headers }, 'ACS3-HMAC-SHA256', sha256(bodyText), ACCESS_KEY_ID, ACCESS_KEY_SECRET);
    } else {
      const pop = new GatewayPop();
      const date = headers['x-acs-date']!.slice(0, 10).replace(/-/g, '');
      const key = await pop.getSigningkey('ACS4-HMAC-SHA256', ACCESS_KEY_SECRET, 'Kms', 'cn-hangzhou', date);
      headers.authorization = await pop.getAuthorization('/', req.method, query, headers, 'ACS4-HMAC-SHA256', sha256(bodyText), ACCESS_KEY_ID, key, 'Kms', 'cn-hangzhou', date);
    }
  }
  const qs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const response = await fetch(`http://${endpoint}/?${qs}`, { method: req.method, headers, ...(bodyText ? { body: bodyText } : {}) });
  return { status: response.status, body: await response.json() };
}
