/**
 * ACS4-HMAC-SHA256: the signature of the current SDKs with `signature_version='v4'` (the POP
 * gateway client, alibabacloud-gateway-pop). It differs from ACS3 in the key and the Authorization:
 *
 * - Authorization `ACS4-HMAC-SHA256 Credential=<AccessKeyId>/<yyyymmdd>/<region>/<product>/aliyun_v4_request,
 *   SignedHeaders=<a;b>,Signature=<hex>`;
 * - the canonical request and the string to sign are built exactly as for ACS3 (with the ACS4
 *   algorithm name in the string to sign);
 * - the key is not the secret but a chain of HMAC-SHA256 scoped to the date, region and product:
 *   HMAC(HMAC(HMAC(HMAC('aliyun_v4' + secret, date), region), product), 'aliyun_v4_request').
 *
 * Pure functions: the caller (authenticate.ts) looks up the secret and runs the same freshness and
 * nonce checks as for V1 and ACS3.
 */
import { createHmac } from 'node:crypto';
import { ServiceError } from '../errors/errors.js';
import { acs3StringToSign, checkSignedHeaders, type Acs3Request } from './signature.js';

export const ACS4_ALGORITHM = 'ACS4-HMAC-SHA256';
const SIGN_PREFIX = 'aliyun_v4';
/** The product code the KMS SDK clients sign with. */
const PRODUCT = 'kms';

export interface Acs4Authorization {
  algorithm: string;
  accessKeyId: string;
  /** yyyymmdd, from the credential scope. */
  date: string;
  region: string;
  product: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses the Authorization header; undefined when a part is missing. */
export function parseAcs4Authorization(header: string): Acs4Authorization | undefined {
  const match = /^(ACS4-[A-Z0-9-]+)\s+(.*)$/.exec(header.trim());
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[2]!.split(',')) {
    const cut = part.indexOf('=');
    if (cut > 0) fields.set(part.slice(0, cut).trim(), part.slice(cut + 1).trim());
  }
  const scope = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!scope || scope.length !== 5 || scope.some((s) => s === '') || scope[4] !== `${SIGN_PREFIX}_request` || !signedHeaders || !signature) return undefined;
  const [accessKeyId, date, region, product] = scope as [string, string, string, string];
  return { algorithm: match[1]!, accessKeyId, date, region, product, signedHeaders: signedHeaders.split(';'), signature };
}

/** The scoped signing key. */
export function acs4SigningKey(secret: string, date: string, region: string, product: string): Buffer {
  const step = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  return step(step(step(step(`${SIGN_PREFIX}${secret}`, date), region), product), `${SIGN_PREFIX}_request`);
}

export function acs4StringToSign(req: Acs3Request, auth: Acs4Authorization): string {
  return acs3StringToSign(req, auth.signedHeaders, ACS4_ALGORITHM);
}

export function acs4Signature(req: Acs3Request, auth: Acs4Authorization, secret: string): string {
  const key = acs4SigningKey(secret, auth.date, auth.region, auth.product);
  return createHmac('sha256', key).update(acs4StringToSign(req, auth)).digest('hex');
}

/**
 * What kms-local requires of an ACS4 request before computing anything: the algorithm, the same
 * signed headers as ACS3, a scope for the KMS product, and a scope date that is the date of x-acs-date
 * (so that the freshness check of x-acs-date also bounds the key's scope).
 */
export function checkAcs4Shape(auth: Acs4Authorization, headers: Acs3Request['headers']): void {
  if (auth.algorithm !== ACS4_ALGORITHM) {
    throw new ServiceError('IncompleteSignature', `The signature algorithm ${auth.algorithm} is not supported; use ${ACS4_ALGORITHM}.`);
  }
  checkSignedHeaders(auth.signedHeaders, headers);
  if (auth.product.toLowerCase() !== PRODUCT) {
    throw new ServiceError('IncompleteSignature', `The credential scope names the product ${auth.product}, not Kms.`);
  }
  const date = headers['x-acs-date'];
  const day = typeof date === 'string' ? date.slice(0, 10).replace(/-/g, '') : '';
  if (!/^\d{8}$/.test(auth.date) || auth.date !== day) {
    throw new ServiceError('IncompleteSignature', 'The date of the credential scope is not the date of x-acs-date.');
  }
}
