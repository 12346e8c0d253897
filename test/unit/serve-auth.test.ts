/**
 * Signatures, freshness and request authentication of `kms-local serve`, checked against the
 * SDKs' own signers (@alicloud/rpc-util for V1, @alicloud/openapi-util for ACS3-HMAC-SHA256).
 */
import { describe, expect, test } from '@jest/globals';
import { createRequire } from 'node:module';
import { ServiceError } from '../../src/errors/errors.js';
import {
  acs3Signature,
  checkAcs3Shape,
  parseAcs3Authorization,
  percentEncode,
  sha256Hex,
  v1Signature,
} from '../../src/server/signature.js';
import { ReplayGuard, TIMESTAMP_WINDOW_MS, parseTimestamp } from '../../src/server/replay.js';
import { authenticate, parseParams, type RawRequest } from '../../src/server/authenticate.js';
import { parseAccessKeyList } from '../../src/server/access-keys.js';

const require = createRequire(import.meta.url);
const RpcUtil = require('@alicloud/rpc-util').default;
const OpenApiUtil = require('@alicloud/openapi-util').default;

const SECRET = 'k3y/Secret+with=odd&chars';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const wire = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServiceError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('percentEncode', () => {
  test.each([
    ['a b', 'a%20b'],
    ["!'()*", '%21%27%28%29%2A'],
    ['~-_.', '~-_.'],
    ['/+=&', '%2F%2B%3D%26'],
    ['é中', '%C3%A9%E4%B8%AD'],
  ])('%s -> %s', (input, encoded) => expect(percentEncode(input)).toBe(encoded));
});

describe('V1 (HMAC-SHA1) equals the signature @alicloud/rpc-util computes', () => {
  const cases: Record<string, string>[] = [
    { Action: 'GetSecretValue', SecretName: 'db_cred' },
    { Action: 'PutSecretValue', SecretName: 'a/b+c=d', SecretData: `{"pwd": "x y!*'()~&="}`, VersionStages: '["MyPendingLabel"]', VersionId: 'v2' },
    { Action: 'CreateSecret', SecretName: 'uni', SecretData: 'é中 \n\t', SignatureType: '' },
  ];
  test.each(cases)('%o', (params) => {
    const query = { Format: 'JSON', Version: '2016-01-20', AccessKeyId: 'AK', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: 'n', Timestamp: wire(NOW), ...params };
    for (const method of ['GET', 'POST']) {
      expect(v1Signature(method, new Map(Object.entries(query)), SECRET)).toBe(RpcUtil.getSignatureV1(query, method, SECRET));
    }
  });
});

describe('ACS3-HMAC-SHA256 equals the Authorization @alicloud/openapi-util computes', () => {
  const headers = {
    host: '127.0.0.1:8080',
    'x-acs-version': '2016-01-20',
    'x-acs-action': 'PutSecretValue',
    'user-agent': 'AlibabaCloud test',
    'x-acs-date': wire(NOW),
    'x-acs-signature-nonce': 'nonce-1',
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  test.each([
    [{ SecretName: 'db_cred', SecretData: "a b!*'()~", VersionId: 'v2' }, ''],
    [{}, 'SecretName=a%2Fb&SecretData=x%20y'],
    [{ VersionStages: '["A","B"]' }, 'SecretData=%7B%22k%22%3A1%7D'],
  ])('query %o, body %s', (query, body) => {
    const payload = sha256Hex(body);
    const request = { method: 'POST', pathname: '/', query, headers: { ...headers, 'x-acs-content-sha256': payload } };
    const expected = OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', payload, 'AK', SECRET) as string;
    const auth = parseAcs3Authorization(expected)!;
    expect(auth.accessKeyId).toBe('AK');
    const mine = acs3Signature(
      { method: 'POST', path: '/', query: new Map(Object.entries(query)), headers: request.headers, payloadHash: payload },
      auth.signedHeaders,
      SECRET,
    );
    expect(mine).toBe(auth.signature);
  });

  test('an Authorization without every part is not parsed', () => {
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=AK,Signature=abc')).toBeUndefined();
    expect(parseAcs3Authorization('Bearer x')).toBeUndefined();
  });

  test('the action, date, nonce and host must be signed, and so must every x-acs- header', () => {
    const base = { host: 'h', 'x-acs-action': 'A', 'x-acs-date': 'd', 'x-acs-signature-nonce': 'n' };
    const auth = (signed: string): ReturnType<typeof parseAcs3Authorization> =>
      parseAcs3Authorization(`ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=${signed},Signature=00`);
    expect(codeOf(() => checkAcs3Shape(auth('host;x-acs-action;x-acs-date;x-acs-signature-nonce')!, base))).toBe('no error');
    expect(codeOf(() => checkAcs3Shape(auth('host;x-acs-action;x-acs-date')!, base))).toBe('IncompleteSignature');
    expect(codeOf(() => checkAcs3Shape(auth('host;x-acs-action;x-acs-date;x-acs-signature-nonce')!, { ...base, 'x-acs-extra': '1' }))).toBe('IncompleteSignature');
    expect(codeOf(() => checkAcs3Shape(parseAcs3Authorization('ACS3-HMAC-SM3 Credential=AK,SignedHeaders=host,Signature=00')!, base))).toBe('IncompleteSignature');
  });
});

describe('timestamps and nonces', () => {
  test('timestamps: the service format, within 15 minutes either way', () => {
    const guard = new ReplayGuard();
    expect(parseTimestamp('2026-03-01T12:00:00Z')).toBe(NOW);
    expect(parseTimestamp('2026-03-01 12:00:00')).toBeUndefined();
    expect(codeOf(() => guard.checkTimestamp(wire(NOW - TIMESTAMP_WINDOW_MS), NOW))).toBe('no error');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW - TIMESTAMP_WINDOW_MS - 1000), NOW))).toBe('InvalidTimeStamp.Expired');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW + TIMESTAMP_WINDOW_MS + 1000), NOW))).toBe('InvalidTimeStamp.Expired');
    expect(codeOf(() => guard.checkTimestamp('yesterday', NOW))).toBe('InvalidTimeStamp.Format');
    expect(codeOf(() => guard.checkTimestamp(undefined, NOW))).toBe('IncompleteSignature');
  });

  test('a nonce is used once per AccessKeyId', () => {
    const guard = new ReplayGuard();
    guard.useNonce('AK1', 'n1', NOW, NOW);
    expect(codeOf(() => guard.useNonce('AK1', 'n1', NOW, NOW))).toBe('SignatureNonceUsed');
    expect(codeOf(() => guard.useNonce('AK2', 'n1', NOW, NOW))).toBe('no error');
    expect(codeOf(() => guard.useNonce('AK1', undefined, NOW, NOW))).toBe('IncompleteSignature');
  });

  test('nonces out of the window are forgotten: the timestamp check refuses their replays', () => {
    const guard = new ReplayGuard();
    guard.useNonce('AK', 'old', NOW, NOW);
    guard.useNonce('AK', 'new', NOW + 1000, NOW + TIMESTAMP_WINDOW_MS + 500);
    expect(guard.size).toBe(1);
    expect(codeOf(() => guard.checkTimestamp(wire(NOW), NOW + TIMESTAMP_WINDOW_MS + 1000))).toBe('InvalidTimeStamp.Expired');
  });

  test('a full cache forgets its oldest nonces and refuses every timestamp up to theirs: no replay gets through', () => {
    const guard = new ReplayGuard(3);
    for (let i = 0; i < 5; i++) guard.useNonce('AK', `n${i}`, NOW + i * 1000, NOW + 5000);
    expect(guard.size).toBe(3);
    // n0 and n1 were forgotten; their replays carry their own (signed) timestamps, now refused.
    expect(codeOf(() => guard.checkTimestamp(wire(NOW), NOW + 5000))).toBe('InvalidTimeStamp.Expired');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW + 1000), NOW + 5000))).toBe('InvalidTimeStamp.Expired');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW + 2000), NOW + 5000))).toBe('no error');
    expect(codeOf(() => guard.useNonce('AK', 'n2', NOW + 2000, NOW + 5000))).toBe('SignatureNonceUsed');
  });
});

describe('authenticate', () => {
  const keys = new Map([['AK', SECRET]]);
  const opts = () => ({ lookup: (id: string) => keys.get(id), replay: new ReplayGuard(), nowMs: NOW });
  function v1Request(params: Record<string, string>, secret = SECRET): RawRequest {
    const query = { Action: 'GetSecretValue', Version: '2016-01-20', AccessKeyId: 'AK', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: 'n', Timestamp: wire(NOW), ...params };
    const signed = { ...query, Signature: RpcUtil.getSignatureV1(query, 'POST', secret) };
    return { method: 'POST', path: '/', query: new Map(Object.entries(signed)), form: new Map(), headers: {}, body: Buffer.alloc(0) };
  }

  test('a V1 request: the action, the region and only the operation parameters', () => {
    const auth = authenticate(v1Request({ SecretName: 's', RegionId: 'cn-shanghai', Format: 'JSON' }), opts());
    expect(auth).toEqual({ action: 'GetSecretValue', accessKeyId: 'AK', signatureVersion: 'V1', region: 'cn-shanghai', params: { SecretName: 's' } });
  });

  test.each([
    ['unknown key', v1Request({ AccessKeyId: 'nobody' }), 'InvalidAccessKeyId.NotFound'],
    ['wrong secret', v1Request({}, 'other'), 'SignatureDoesNotMatch'],
    ['another method', { ...v1Request({}), method: 'GET' }, 'SignatureDoesNotMatch'],
    ['SHA256 claimed', v1Request({ SignatureMethod: 'HMAC-SHA256' }), 'IncompleteSignature'],
    ['wrong API version', v1Request({ Version: '2019-01-01' }), 'InvalidParameter'],
    ['no signature', { method: 'POST', path: '/', query: new Map([['Action', 'X']]), form: new Map(), headers: {}, body: Buffer.alloc(0) }, 'IncompleteSignature'],
  ] as [string, RawRequest, string][])('%s: %s', (_name, request, code) => {
    expect(codeOf(() => authenticate(request, opts()))).toBe(code);
  });

  test('a parameter given twice, or in both query and body, is refused', () => {
    expect(codeOf(() => parseParams('a=1&a=2', 'query'))).toBe('InvalidParameter');
    const request = v1Request({ SecretName: 's' });
    expect(codeOf(() => authenticate({ ...request, form: new Map([['SecretName', 't']]) }, opts()))).toBe('InvalidParameter');
  });

  test('KMS_LOCAL_SERVE_ACCESS_KEYS: id:secret pairs; a broken entry is named by position only', () => {
    expect([...parseAccessKeyList('a:b, c:d:e ,')]).toEqual([['a', 'b'], ['c', 'd:e']]);
    expect(() => parseAccessKeyList('a:b,only-secret-text')).toThrow(/entry 2 is not/);
    expect(() => parseAccessKeyList('a:b,only-secret-text')).not.toThrow(/only-secret-text/);
  });
});
