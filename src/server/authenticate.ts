/**
 * One HTTP request of the RPC API -> its action, its parameters and the AccessKeyId that signed it,
 * or the service's refusal. Protocol parameters (Action, Signature, Timestamp, ...) are taken out;
 * what remains are the operation's parameters.
 */
import { ServiceError, signatureMismatch } from '../errors/errors.js';
import type { AccessKeyLookup } from './access-keys.js';
import type { ReplayGuard } from './replay.js';
import { acs4Signature, acs4StringToSign, checkAcs4Shape, parseAcs4Authorization, type Acs4Authorization } from './acs4.js';
import {
  acs3Signature,
  acs3StringToSign,
  checkAcs3Shape,
  parseAcs3Authorization,
  safeEqual,
  sha256Hex,
  v1Signature,
  v1StringToSign,
  type Acs3Authorization,
  type Acs3Request,
} from './signature.js';
import { forEachFormPair } from './form-params.js';

export const API_VERSION = '2016-01-20';

/** Parameters of the RPC protocol itself, never passed to an operation. */
const PROTOCOL_PARAMS = new Set([
  'Action', 'Version', 'Format', 'Timestamp', 'SignatureMethod', 'SignatureVersion', 'SignatureType',
  'SignatureNonce', 'AccessKeyId', 'Signature', 'SecurityToken', 'RegionId',
]);

export interface RawRequest {
  method: string;
  /** The path as sent (percent-encoded), without the query. */
  path: string;
  query: Map<string, string>;
  /** Parameters of an application/x-www-form-urlencoded body. */
  form: ReadonlyMap<string, string>;
  headers: Acs3Request['headers'];
  body: Buffer;
}

export interface Authenticated {
  action: string;
  accessKeyId: string;
  signatureVersion: 'V1' | 'ACS3-HMAC-SHA256' | 'ACS4-HMAC-SHA256';
  /**
   * RegionId of the request, if it named one, from signed parts only: the RegionId parameter, or
   * (ACS3, ACS4) an x-acs-region-id header listed in SignedHeaders. A V1 signature covers no header.
   */
  region: string | undefined;
  params: Record<string, string>;
  /**
   * The nonce's answer when the replay guard's ledger gives it later (the home's log spends the
   * nonces of one turn of the event loop together): rejects with SignatureNonceUsed for a repeat.
   * The request must not run before it resolves.
   */
  nonceSpent?: Promise<void>;
}

/** Decodes `a=1&b=2` ('+' is a space, as in every client's encoding); a repeated name is refused. */
export function parseParams(text: string, where: string): Map<string, string> {
  const params = new Map<string, string>();
  forEachFormPair(text, (key, value) => {
    if (params.has(key)) throw new ServiceError('InvalidParameter', `The parameter ${key} is given twice in the ${where}.`);
    params.set(key, value);
  });
  return params;
}

function header(headers: RawRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface AuthOptions {
  lookup: AccessKeyLookup;
  replay: ReplayGuard;
  /** The real clock: freshness is about the wire, not about KMS_LOCAL_NOW. */
  nowMs: number;
}

/** The schemes signed in an Authorization header: the same steps, their own key and string to sign. */
interface HeaderScheme<A extends { accessKeyId: string; signedHeaders: string[]; signature: string }> {
  prefix: string;
  version: Authenticated['signatureVersion'];
  /** What a well-formed header looks like, for the refusal of one that is not. */
  form: string;
  parse(header: string): A | undefined;
  checkShape(auth: A, headers: RawRequest['headers']): void;
  sign(req: Acs3Request, auth: A, secret: string): string;
  stringToSign(req: Acs3Request, auth: A): string;
}

const acs3: HeaderScheme<Acs3Authorization> = {
  prefix: 'ACS3-',
  version: 'ACS3-HMAC-SHA256',
  form: 'ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...',
  parse: parseAcs3Authorization,
  checkShape: checkAcs3Shape,
  sign: (req, auth, secret) => acs3Signature(req, auth.signedHeaders, secret),
  stringToSign: (req, auth) => acs3StringToSign(req, auth.signedHeaders),
};

const acs4: HeaderScheme<Acs4Authorization> = {
  prefix: 'ACS4-',
  version: 'ACS4-HMAC-SHA256',
  form: 'ACS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<product>/aliyun_v4_request,SignedHeaders=...,Signature=...',
  parse: parseAcs4Authorization,
  checkShape: checkAcs4Shape,
  sign: acs4Signature,
  stringToSign: acs4StringToSign,
};

// One list of differently typed schemes: each one's functions only ever see what its own parse returned.
const HEADER_SCHEMES = [acs3, acs4] as unknown as HeaderScheme<Acs3Authorization>[];

export function authenticate(req: RawRequest, opts: AuthOptions): Authenticated {
  // A GET has its parameters in the query alone: no need for a merged copy.
  const all = req.form.size === 0 ? req.query : new Map([...req.query, ...req.form]);
  for (const [key] of req.form) {
    if (req.query.has(key)) throw new ServiceError('InvalidParameter', `The parameter ${key} is given in both the query and the body.`);
  }
  const authorization = header(req.headers, 'authorization');
  let accessKeyId: string;
  let timestamp: string | undefined;
  let nonce: string | undefined;
  let signatureVersion: Authenticated['signatureVersion'];
  /** A header the signature covers, or undefined. */
  let signedHeader: (name: string) => string | undefined;

  const scheme = authorization === undefined ? undefined : HEADER_SCHEMES.find((h) => authorization.startsWith(h.prefix));
  if (authorization !== undefined && scheme) {
    const auth = scheme.parse(authorization);
    if (!auth) throw new ServiceError('IncompleteSignature', `The Authorization header is not ${scheme.form}.`);
    scheme.checkShape(auth, req.headers);
    const secret = opts.lookup(auth.accessKeyId);
    if (secret === undefined) throw new ServiceError('InvalidAccessKeyId.NotFound');
    const payloadHash = sha256Hex(req.body);
    const declared = header(req.headers, 'x-acs-content-sha256');
    const signed: Acs3Request = { method: req.method, path: req.path, query: req.query, headers: req.headers, payloadHash };
    if ((declared !== undefined && declared !== payloadHash) || !safeEqual(scheme.sign(signed, auth, secret), auth.signature)) {
      throw signatureMismatch(scheme.stringToSign(signed, auth));
    }
    accessKeyId = auth.accessKeyId;
    timestamp = header(req.headers, 'x-acs-date');
    nonce = header(req.headers, 'x-acs-signature-nonce');
    signatureVersion = scheme.version;
    signedHeader = (name) => (auth.signedHeaders.includes(name) ? header(req.headers, name) : undefined);
  } else if (all.has('Signature')) {
    const id = all.get('AccessKeyId');
    if (!id) throw new ServiceError('IncompleteSignature', 'The request carries a Signature but no AccessKeyId.');
    if (all.get('SignatureMethod') !== 'HMAC-SHA1' || (all.get('SignatureVersion') ?? '1.0') !== '1.0') {
      throw new ServiceError('IncompleteSignature', 'SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.');
    }
    const secret = opts.lookup(id);
    if (secret === undefined) throw new ServiceError('InvalidAccessKeyId.NotFound');
    if (!safeEqual(v1Signature(req.method, all, secret), all.get('Signature')!)) throw signatureMismatch(v1StringToSign(req.method, all));
    accessKeyId = id;
    timestamp = all.get('Timestamp');
    nonce = all.get('SignatureNonce');
    signatureVersion = 'V1';
    signedHeader = () => undefined;
  } else {
    throw new ServiceError('IncompleteSignature', 'The request is not signed: no Signature parameter and no ACS3-HMAC-SHA256 or ACS4-HMAC-SHA256 Authorization header.');
  }

  // Only a request proven to come from a key holder may spend a nonce.
  const timestampMs = opts.replay.checkTimestamp(timestamp, opts.nowMs);
  const nonceSpent = opts.replay.useNonce(accessKeyId, nonce, timestampMs, opts.nowMs);
  try {
    const { action, region, params } = checkRequest(req, all, signedHeader);
    const authenticated: Authenticated = { action, accessKeyId, signatureVersion, region, params };
    if (nonceSpent) authenticated.nonceSpent = nonceSpent;
    return authenticated;
  } catch (err) {
    // Refused after its nonce was spent (as before): the nonce's answer is no longer awaited.
    nonceSpent?.catch(() => {});
    throw err;
  }
}

/** Where a verified request goes: its action, version and region, and its operation's parameters. */
function checkRequest(req: RawRequest, all: ReadonlyMap<string, string>, signedHeader: (name: string) => string | undefined): Pick<Authenticated, 'action' | 'region' | 'params'> {
  // What decides where a request goes (its action, version and region) is read only from what the
  // signature covers, so nothing in transit can move a signed request elsewhere.
  const action = all.get('Action') ?? signedHeader('x-acs-action');
  if (!action) throw new ServiceError('MissingParameter', 'The required parameter Action is missing.');
  const version = all.get('Version') ?? signedHeader('x-acs-version');
  if (version !== undefined && version !== API_VERSION) {
    throw new ServiceError('InvalidParameter', `The specified parameter is not valid: Version must be ${API_VERSION}.`);
  }
  const params: Record<string, string> = {};
  for (const [key, value] of all) if (!PROTOCOL_PARAMS.has(key)) params[key] = value;
  const region = all.get('RegionId') ?? signedHeader('x-acs-region-id');
  const unsignedRegion = header(req.headers, 'x-acs-region-id');
  if (unsignedRegion !== undefined && unsignedRegion !== region) {
    // A region in a header the signature does not cover may have been put there in transit.
    throw new ServiceError('IncompleteSignature', 'The x-acs-region-id header is not covered by the signature: send the region as the RegionId parameter (V1), or sign the header (ACS3).');
  }
  return { action, region, params };
}
