/**
 * Request signatures of the Alibaba Cloud RPC API, as the clients compute them:
 *
 * - V1 (HMAC-SHA1): the aliyun CLI and Go SDK (rpc_signature_composer.go), `@alicloud/rpc-client`
 *   (used by `@alicloud/kms20160120` 1.x) and `@alicloud/openapi-client` with
 *   `signatureAlgorithm: 'v2'`. String to sign: `METHOD&%2F&percentEncode(k=v&...)` over every
 *   query and form parameter but `Signature`, sorted by name; key `AccessKeySecret + "&"`; base64.
 * - ACS3-HMAC-SHA256: the current `@alicloud/openapi-client` default (openapi-util getAuthorization).
 *   Canonical request `METHOD\nPATH\nQUERY\nHEADERS\n\nSIGNED_HEADERS\nhex(sha256(body))`, where QUERY
 *   is the sorted `k=percentEncode(v)` of the URL query and HEADERS the sorted, trimmed
 *   `name:value` lines of the signed headers (x-acs-*, host, content-type); string to sign
 *   `ACS3-HMAC-SHA256\nhex(sha256(canonical request))`; key the secret itself; hex.
 *
 * Pure functions: no clock, no store. The caller looks up the secret and checks time and nonce.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';

/** RFC 3986 percent-encoding as Aliyun specifies it (Go: QueryEscape, then + -> %20, * -> %2A, %7E -> ~). */
export function percentEncode(text: string): string {
  // Most names and values are unreserved characters only, which encode to themselves.
  if (UNRESERVED_ONLY.test(text)) return text;
  const encoded = encodeURIComponent(text);
  // Most values hold none of the five: skip the replace (it runs for every parameter of every request).
  return RESERVED.test(encoded) ? encoded.replace(RESERVED_ALL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}
const UNRESERVED_ONLY = /^[A-Za-z0-9_.~-]*$/;
const RESERVED = /[!'()*]/;
const RESERVED_ALL = /[!'()*]/g;

/** Byte-order comparison of parameter names, as Go's sort.Strings and JS's default sort agree on for ASCII. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------- V1 (HMAC-SHA1)

/**
 * percentEncode(percentEncode(text)): a name or value as the string to sign holds it. The first
 * encoding leaves unreserved characters and %XX escapes only, so the second encodes their '%' alone.
 */
function encodedTwice(text: string): string {
  return UNRESERVED_ONLY.test(text) ? text : percentEncode(text).replace(PERCENT_ALL, '%25');
}
const PERCENT_ALL = /%/g;

/**
 * `METHOD&%2F&percentEncode(k=v&...)`. Built from each part encoded twice rather than by encoding
 * the whole canonical query again, and sorted by insertion (about ten names; Array#sort with a
 * comparator allocated more than the rest): serve does this for every V1 request.
 * test/unit/serve-auth.test.ts holds it to the definition.
 */
export function v1StringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const names: string[] = [];
  for (const name of params.keys()) {
    if (name === 'Signature') continue;
    let at = names.length;
    for (; at > 0 && byName(names[at - 1]!, name) > 0; at--) names[at] = names[at - 1]!;
    names[at] = name;
  }
  let encoded = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    encoded += `${i === 0 ? '' : '%26'}${encodedTwice(name)}%3D${encodedTwice(params.get(name)!)}`;
  }
  return `${method}&%2F&${encoded}`;
}

/** HMAC keys made before, by AccessKey secret: a few, the pairs serve accepts (cleared when many). */
const v1Keys = new Map<string, KeyObject>();

function v1Key(secret: string): KeyObject {
  let key = v1Keys.get(secret);
  if (key === undefined) {
    if (v1Keys.size >= 64) v1Keys.clear();
    key = createSecretKey(Buffer.from(`${secret}&`, 'utf8'));
    v1Keys.set(secret, key);
  }
  return key;
}

export function v1Signature(method: string, params: ReadonlyMap<string, string>, secret: string): string {
  return createHmac('sha1', v1Key(secret)).update(v1StringToSign(method, params)).digest('base64');
}

// ---------------------------------------------------------------- V3 (ACS3-HMAC-SHA256)

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`; undefined when incomplete. */
export function parseAcs3Authorization(header: string): Acs3Authorization | undefined {
  const match = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/.exec(header.trim());
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[2]!.split(',')) {
    const cut = part.indexOf('=');
    if (cut > 0) fields.set(part.slice(0, cut).trim(), part.slice(cut + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { algorithm: match[1]!, accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

export interface Acs3Request {
  method: string;
  /** The path as sent, still percent-encoded. */
  path: string;
  /** The URL query, decoded. */
  query: ReadonlyMap<string, string>;
  /** Lowercase names, as node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** hex(sha256(body)). */
  payloadHash: string;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function acs3CanonicalRequest(req: Acs3Request, signedHeaders: readonly string[]): string {
  const query = [...req.query.keys()]
    .sort(byName)
    .map((k) => `${percentEncode(k)}=${percentEncode(req.query.get(k)!)}`)
    .join('&');
  const names = [...signedHeaders].sort(byName);
  const headers = names
    .map((name) => {
      const value = req.headers[name];
      const values = (Array.isArray(value) ? value : [value ?? '']).map((v) => v.trim()).sort(byName);
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
  return [req.method, req.path || '/', query, headers, names.join(';'), req.payloadHash].join('\n');
}

export function acs3StringToSign(req: Acs3Request, signedHeaders: readonly string[], algorithm = ACS3_ALGORITHM): string {
  return `${algorithm}\n${sha256Hex(acs3CanonicalRequest(req, signedHeaders))}`;
}

export function acs3Signature(req: Acs3Request, signedHeaders: readonly string[], secret: string): string {
  return createHmac('sha256', secret).update(acs3StringToSign(req, signedHeaders)).digest('hex');
}

/** The headers a V3 signature must cover for the request to be bound to its action, time and nonce. */
export const ACS3_REQUIRED_SIGNED = ['host', 'x-acs-action', 'x-acs-date', 'x-acs-signature-nonce'] as const;

/** Checks a parsed V3 Authorization for what kms-local requires before computing anything. */
export function checkAcs3Shape(auth: Acs3Authorization, headers: Acs3Request['headers']): void {
  if (auth.algorithm !== ACS3_ALGORITHM) {
    throw new ServiceError('IncompleteSignature', `The signature algorithm ${auth.algorithm} is not supported; use ${ACS3_ALGORITHM}.`);
  }
  checkSignedHeaders(auth.signedHeaders, headers);
}

/** The headers ACS3 and ACS4 signatures must cover: host, action, date, nonce and every x-acs-* header sent. */
export function checkSignedHeaders(signedHeaders: readonly string[], headers: Acs3Request['headers']): void {
  for (const name of ACS3_REQUIRED_SIGNED) {
    if (!signedHeaders.includes(name)) {
      throw new ServiceError('IncompleteSignature', `The header ${name} must be signed.`);
    }
  }
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-acs-') && !signedHeaders.includes(name)) {
      throw new ServiceError('IncompleteSignature', `The header ${name} is not signed.`);
    }
  }
  if (signedHeaders.some((name) => name !== name.toLowerCase() || headers[name] === undefined)) {
    throw new ServiceError('IncompleteSignature', 'SignedHeaders names a header the request does not carry.');
  }
}
