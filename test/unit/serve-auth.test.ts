/**
 * Signatures, freshness and request authentication of `kms-local serve`, checked against the
 * SDKs' own signers (@alicloud/rpc-util for V1, @alicloud/openapi-util for ACS3-HMAC-SHA256).
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createRequire } from 'node:module';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError } from '../../src/errors/errors.js';
import {
  acs3Signature,
  checkAcs3Shape,
  parseAcs3Authorization,
  percentEncode,
  sha256Hex,
  v1Signature,
  v1StringToSign,
} from '../../src/server/signature.js';
import { FUTURE_SKEW_MS, NONCE_BUCKET_MS, ReplayGuard, TIMESTAMP_WINDOW_MS, parseTimestamp } from '../../src/server/replay.js';
import { execFile } from 'node:child_process';
import { REPO_ROOT } from '../support/cli.js';
import { MemoryNonceLedger } from '../../src/server/nonce-ledger.js';
import { LogNonceLedger, logName, MAX_GROUP, NONCES_DIR, PRUNE_GRACE_MS } from '../../src/server/nonce-log.js';
import { authenticate, parseParams, type RawRequest } from '../../src/server/authenticate.js';
import { parseAccessKeyList } from '../../src/server/access-keys.js';
import { logField, logText } from '../../src/server/log-line.js';
import { acs4SigningKey, checkAcs4Shape, parseAcs4Authorization } from '../../src/server/acs4.js';
import { createHash, createHmac } from 'node:crypto';

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

describe('the V1 string to sign', () => {
  /** The definition: every parameter but Signature, sorted by name, `k=v` percent-encoded and joined by '&', encoded again. */
  const byDefinition = (method: string, params: Map<string, string>): string => {
    const names = [...params.keys()].filter((n) => n !== 'Signature').sort();
    const canonical = names.map((n) => `${percentEncode(n)}=${percentEncode(params.get(n)!)}`).join('&');
    return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
  };
  const alphabet = ['a', 'Z', '0', '-', '_', '.', '~', ' ', '+', '%', '%41', '&', '=', '*', "'", '(', ')', '!', '/', ':', '\u00e9', '\u4e2d', '\ud83d\ude00', '"'];
  const randomText = (max: number): string => Array.from({ length: Math.floor(Math.random() * max) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');

  test('equals its definition: no parameter, one, a request as clients send it, and 2,000 random sets', () => {
    const cases: Map<string, string>[] = [
      new Map(),
      new Map([['Signature', 'x']]),
      new Map([['Action', 'GetSecretValue']]),
      new Map([['Timestamp', '2026-03-01T12:00:00Z'], ['Action', 'GetSecretValue'], ['SecretName', 'app/db+x'], ['Signature', 'sig'], ['AccessKeyId', 'AK'], ['SignatureNonce', 'n*1']]),
    ];
    for (let i = 0; i < 2000; i++) cases.push(new Map(Array.from({ length: Math.floor(Math.random() * 14) }, () => [randomText(6) || 'k', randomText(12)] as [string, string])));
    for (const params of cases) expect(v1StringToSign('POST', params)).toBe(byDefinition('POST', params));
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
  test('timestamps: the service format, at most 15 minutes behind the server and 5 minutes ahead', () => {
    const guard = new ReplayGuard();
    expect(parseTimestamp('2026-03-01T12:00:00Z')).toBe(NOW);
    expect(parseTimestamp('2026-03-01 12:00:00')).toBeUndefined();
    expect(codeOf(() => guard.checkTimestamp(wire(NOW - TIMESTAMP_WINDOW_MS), NOW))).toBe('no error');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW - TIMESTAMP_WINDOW_MS - 1000), NOW))).toBe('InvalidTimeStamp.Expired');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW + FUTURE_SKEW_MS), NOW))).toBe('no error');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW + FUTURE_SKEW_MS + 1000), NOW))).toBe('InvalidTimeStamp.Expired');
    expect(codeOf(() => guard.checkTimestamp(wire(NOW + TIMESTAMP_WINDOW_MS), NOW))).toBe('InvalidTimeStamp.Expired');
    expect(codeOf(() => guard.checkTimestamp('yesterday', NOW))).toBe('InvalidTimeStamp.Format');
    expect(codeOf(() => guard.checkTimestamp(undefined, NOW))).toBe('IncompleteSignature');
  });

  test.each([
    ['2026-02-30T00:00:00Z'],
    ['2025-02-29T00:00:00Z'],
    ['2026-04-31T00:00:00Z'],
    ['2026-13-01T00:00:00Z'],
    ['2026-00-10T00:00:00Z'],
    ['2026-03-00T00:00:00Z'],
    ['2026-03-01T24:00:00Z'],
    ['2026-03-01T12:60:00Z'],
    ['2026-03-01T12:00:60Z'],
    ['2026-03-01T12:00:00+24:00'],
    ['2026-03-01T12:00:00+08:60'],
  ])('an impossible date or time, %s, is InvalidTimeStamp.Format, not .Expired', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
    expect(codeOf(() => new ReplayGuard().checkTimestamp(text, NOW))).toBe('InvalidTimeStamp.Format');
  });

  test('the length of every month of 400 years (leap years, 1900 and 2000 included) is what Date.UTC says', () => {
    for (let year = 1900; year < 2300; year++) {
      for (let month = 1; month <= 12; month++) {
        const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
        const pad = (n: number) => String(n).padStart(2, '0');
        expect(parseTimestamp(`${year}-${pad(month)}-${pad(days)}T00:00:00Z`)).toBe(Date.UTC(year, month - 1, days));
        expect(parseTimestamp(`${year}-${pad(month)}-${pad(days + 1)}T00:00:00Z`)).toBeUndefined();
      }
    }
  });

  test('real dates at the edges of their ranges parse', () => {
    expect(parseTimestamp('2024-02-29T23:59:59Z')).toBe(Date.parse('2024-02-29T23:59:59Z'));
    expect(parseTimestamp('2026-03-01T20:00:00+08:00')).toBe(NOW);
    expect(parseTimestamp('2026-03-01T12:00:00.5Z')).toBe(NOW + 500);
  });

  test('a nonce is used once per AccessKeyId', () => {
    const guard = new ReplayGuard();
    guard.useNonce('AK1', 'n1', NOW, NOW);
    expect(codeOf(() => guard.useNonce('AK1', 'n1', NOW, NOW))).toBe('SignatureNonceUsed');
    expect(codeOf(() => guard.useNonce('AK2', 'n1', NOW, NOW))).toBe('no error');
    expect(codeOf(() => guard.useNonce('AK1', undefined, NOW, NOW))).toBe('IncompleteSignature');
  });

  test('the nonce a guard spent, for a store shared by hosts: once, as a hash, expiring when its minute leaves the window', () => {
    const guard = new ReplayGuard();
    expect(guard.takeSpent()).toBeUndefined();
    guard.useNonce('AK1', 'secret-looking-nonce', NOW + 30_000, NOW);
    const spent = guard.takeSpent()!;
    expect(spent.accessKeyId).toBe('AK1');
    expect(spent.nonceHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(spent.nonceHash).not.toContain('secret-looking-nonce');
    // NOW is on a minute: the nonce's minute ends a minute later, and the window runs on from there.
    expect(spent.expiresAtMs).toBe(NOW + NONCE_BUCKET_MS + TIMESTAMP_WINDOW_MS);
    expect(guard.takeSpent()).toBeUndefined();
    // The same nonce of another key hashes apart; a refused nonce is never handed out.
    guard.useNonce('AK2', 'secret-looking-nonce', NOW, NOW);
    expect(guard.takeSpent()!.nonceHash).not.toBe(spent.nonceHash);
    expect(codeOf(() => guard.useNonce('AK2', 'secret-looking-nonce', NOW, NOW))).toBe('SignatureNonceUsed');
    expect(guard.takeSpent()).toBeUndefined();
  });

  /** What `authenticate` does with a verified request: the timestamp check, then the nonce. */
  function accept(guard: ReplayGuard, key: string, nonce: string, timestampMs: number, nowMs: number): string {
    return codeOf(() => guard.useNonce(key, nonce, guard.checkTimestamp(wire(timestampMs), nowMs), nowMs));
  }

  test('a flood of future-dated requests from one key: that key is throttled, every other key goes on, old timestamps included', () => {
    const guard = new ReplayGuard({ perKeyLimit: 1000 });
    const codes = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const code = accept(guard, 'FLOOD', `f${i}`, NOW + FUTURE_SKEW_MS - (i % 200) * 1000, NOW);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).toEqual({ 'no error': 1000, 'Rejected.Throttling': 2000 });
    // No floor rose to the flood's times: another key's requests, fresh or 14 minutes old, pass.
    expect(accept(guard, 'OTHER', 'o1', NOW, NOW)).toBe('no error');
    expect(accept(guard, 'OTHER', 'o2', NOW - 14 * 60_000, NOW)).toBe('no error');
    expect(accept(guard, 'OTHER', 'o1', NOW, NOW)).toBe('SignatureNonceUsed');
    // Beyond the skew, a future date is refused outright and spends nothing.
    expect(accept(guard, 'OTHER', 'o3', NOW + FUTURE_SKEW_MS + 60_000, NOW)).toBe('InvalidTimeStamp.Expired');
    // Once the flood's timestamps are out of the window, the flooding key is served again.
    const later = NOW + FUTURE_SKEW_MS + TIMESTAMP_WINDOW_MS + 2 * NONCE_BUCKET_MS;
    expect(accept(guard, 'FLOOD', 'after', later, later)).toBe('no error');
  });

  test('a nonce is remembered for as long as its timestamp is in the window, then forgotten', () => {
    const ledger = new MemoryNonceLedger();
    expect(ledger.spend('AK', 'n', NOW, NOW)).toBe(true);
    expect(ledger.spend('AK', 'n', NOW, NOW + TIMESTAMP_WINDOW_MS)).toBe(false);
    // Its replay would be refused by the timestamp check from here on: the ledger may forget it.
    const past = NOW + TIMESTAMP_WINDOW_MS + 2 * NONCE_BUCKET_MS;
    expect(codeOf(() => new ReplayGuard({ ledger }).checkTimestamp(wire(NOW), past))).toBe('InvalidTimeStamp.Expired');
    expect(ledger.spend('AK', 'n', NOW, past)).toBe(true);
  });
});

describe('nonces spent in the home (nonce-log.ts)', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'kms-local-nonces-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test('a nonce spent by one server is spent for a second server on the home, and for a restarted one', () => {
    const first = new LogNonceLedger(home);
    const second = new LogNonceLedger(home);
    expect(first.spend('AK', 'n1', NOW, NOW)).toBe(true);
    expect(second.spend('AK', 'n1', NOW, NOW)).toBe(false);
    expect(new LogNonceLedger(home).spend('AK', 'n1', NOW, NOW + 60_000)).toBe(false);
    expect(first.spend('AK', 'n1', NOW, NOW)).toBe(false);
    expect(second.spend('AK2', 'n1', NOW, NOW)).toBe(true);
    expect(second.spend('AK', 'n2', NOW, NOW)).toBe(true);
    // Any text is a nonce: slashes, dots, newlines, a long one.
    for (const nonce of ['../../x', '.', 'a\nb', 'x'.repeat(5000)]) {
      expect(first.spend('AK', nonce, NOW, NOW)).toBe(true);
      expect(second.spend('AK', nonce, NOW, NOW)).toBe(false);
    }
    expect(readdirSync(join(home, NONCES_DIR))).toEqual([logName(Math.floor(NOW / NONCE_BUCKET_MS))]);
  });

  test('thousands of nonces in one minute: every one is refused the second time, here and by another server', () => {
    const first = new LogNonceLedger(home);
    const nonces = Array.from({ length: 5000 }, (_, i) => `bulk-${i}`);
    expect(nonces.every((n) => first.spend('AK', n, NOW, NOW))).toBe(true);
    expect(nonces.some((n) => first.spend('AK', n, NOW, NOW))).toBe(false);
    const second = new LogNonceLedger(home);
    expect(nonces.some((n) => second.spend('AK', n, NOW, NOW))).toBe(false);
    expect(second.spend('AK', 'bulk-new', NOW, NOW)).toBe(true);
  });

  test('lines that are not nonce lines (torn, overlong, foreign) are skipped, and the lines after them read', () => {
    const ledger = new LogNonceLedger(home);
    expect(ledger.spend('AK', 'first', NOW, NOW)).toBe(true);
    const log = join(home, NONCES_DIR, logName(Math.floor(NOW / NONCE_BUCKET_MS)));
    // What another server on the home spends arrives after junk: a torn line, a line longer than a read, garbage.
    const other = new LogNonceLedger(join(home, 'elsewhere'));
    const otherLine = (nonce: string): string => {
      other.spend('AK', nonce, NOW, NOW);
      const lines = readFileSync(join(home, 'elsewhere', NONCES_DIR, logName(Math.floor(NOW / NONCE_BUCKET_MS))), 'utf8').trim().split('\n');
      return `${lines[lines.length - 1]!}\n`;
    };
    appendFileSync(log, `abc\n${'x'.repeat(200_000)}\n\u00ff\u00fe garbage\n${otherLine('theirs-1')}`);
    expect(ledger.spend('AK', 'theirs-1', NOW, NOW)).toBe(false);
    expect(ledger.spend('AK', 'mine-2', NOW, NOW)).toBe(true);
    // Lines ending exactly at, and just past, the end of a 64 KiB read.
    const before = readFileSync(log).length;
    const fill = 64 * 1024 - (before % (64 * 1024));
    appendFileSync(log, `${'y'.repeat(fill - 1)}\n${'z'.repeat(64 * 1024)}\n${otherLine('theirs-2')}`);
    expect(ledger.spend('AK', 'theirs-2', NOW, NOW)).toBe(false);
    expect(ledger.spend('AK', 'mine-2', NOW, NOW)).toBe(false);
    expect(ledger.spend('AK', 'mine-3', NOW, NOW)).toBe(true);
  });

  test('many servers racing on one replay: exactly one wins', async () => {
    const ledgers = Array.from({ length: 8 }, () => new LogNonceLedger(home));
    const wins = await Promise.all(ledgers.map(async (l) => l.spend('AK', 'race', NOW, NOW)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  test('a minute is pruned once every timestamp in it is out of the window (plus the grace), not before', async () => {
    const ledger = new LogNonceLedger(home);
    const old = NOW - TIMESTAMP_WINDOW_MS;
    ledger.spend('AK', 'old', old, old);
    ledger.spend('AK', 'fresh', NOW, NOW);
    const oldFolder = logName(Math.floor(old / NONCE_BUCKET_MS));
    const freshFolder = logName(Math.floor(NOW / NONCE_BUCKET_MS));
    expect(readdirSync(join(home, NONCES_DIR)).sort()).toEqual([oldFolder, freshFolder].sort());
    // Within the grace: kept.
    new LogNonceLedger(home).maybePrune(NOW + NONCE_BUCKET_MS);
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(home, NONCES_DIR)).sort()).toEqual([oldFolder, freshFolder].sort());
    // Past it: the old minute goes, the fresh one stays and still refuses its replay.
    const pruner = new LogNonceLedger(home);
    pruner.maybePrune(NOW + 2 * NONCE_BUCKET_MS + PRUNE_GRACE_MS);
    for (let i = 0; i < 50 && readdirSync(join(home, NONCES_DIR)).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(join(home, NONCES_DIR))).toEqual([freshFolder]);
    expect(pruner.spend('AK', 'fresh', NOW, NOW)).toBe(false);
  });

  test('many server processes spending one list of nonces at once: each nonce is won exactly once', async () => {
    const nonces = Array.from({ length: 300 }, (_, i) => `race-${i}`);
    const child = `
      import { LogNonceLedger } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'server', 'nonce-log.js'))};
      const ledger = new LogNonceLedger(${JSON.stringify(home)});
      const nonces = ${JSON.stringify(nonces)}.sort(() => Math.random() - 0.5);
      const won = nonces.filter((n) => ledger.spend('AK', n, ${NOW}, ${NOW}));
      process.stdout.write(JSON.stringify(won));`;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string[]>((resolve, reject) => {
          execFile(process.execPath, ['--input-type=module', '-e', child], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as string[])));
        }),
      ),
    );
    const wins = runs.flat().sort();
    expect(wins).toEqual([...nonces].sort());
  });

  /** The hash a log line holds for a nonce (nonce-log.ts): 22 base64url characters of SHA-256. */
  const lineHash = (key: string, nonce: string): string => createHash('sha256').update(`${key}\n${nonce}`).digest('base64url').slice(0, 22);
  const logLines = (): string[] => readFileSync(join(home, NONCES_DIR, logName(Math.floor(NOW / NONCE_BUCKET_MS))), 'utf8').split('\n').filter(Boolean);

  test('group commit: the nonces of one turn are spent with one write; a repeat within the turn, another server and a restarted one refuse each', async () => {
    const first = new LogNonceLedger(home);
    const nonces = Array.from({ length: 40 }, (_, i) => `turn-${i}`);
    // Each nonce twice in the same turn, and once more through the synchronous path while the group waits.
    const answers = nonces.flatMap((n) => [first.spendSoon('AK', n, NOW, NOW), first.spendSoon('AK', n, NOW, NOW)]);
    expect(first.spend('AK', 'turn-0', NOW, NOW)).toBe(false);
    expect(await Promise.all(answers)).toEqual(nonces.flatMap(() => [true, false]));
    // One line per nonce, written by this ledger, in the order the requests came.
    const lines = logLines();
    expect(lines.map((l) => l.split(' ')[0])).toEqual(nonces.map((n) => lineHash('AK', n)));
    expect(new Set(lines.map((l) => l.split(' ')[1]))).toEqual(new Set([first.writer]));
    expect(await first.spendSoon('AK', 'turn-1', NOW, NOW)).toBe(false);
    const second = new LogNonceLedger(home);
    expect(await Promise.all(nonces.map((n) => second.spendSoon('AK', n, NOW, NOW)))).toEqual(nonces.map(() => false));
    first.close();
    const restarted = new LogNonceLedger(home);
    expect(nonces.some((n) => restarted.spend('AK', n, NOW, NOW + 60_000))).toBe(false);
    expect(await restarted.spendSoon('AK', 'turn-new', NOW, NOW)).toBe(true);
  });

  test('group commit: more nonces in one turn than a group holds are written in several groups, each spent once', async () => {
    const ledger = new LogNonceLedger(home);
    const nonces = Array.from({ length: MAX_GROUP * 2 + 7 }, (_, i) => `many-${i}`);
    expect((await Promise.all(nonces.map((n) => ledger.spendSoon('AK', n, NOW, NOW)))).every(Boolean)).toBe(true);
    expect(logLines()).toHaveLength(nonces.length);
    expect((await Promise.all(nonces.map((n) => ledger.spendSoon('AK', n, NOW, NOW)))).some(Boolean)).toBe(false);
  });

  test('group commit through the replay guard: a repeat is SignatureNonceUsed and gives its place in the key\'s limit back', async () => {
    const guard = new ReplayGuard({ ledger: new LogNonceLedger(home), perKeyLimit: 2 });
    const codeOfSoon = async (nonce: string): Promise<string> => {
      try {
        await guard.useNonce('AK', nonce, NOW, NOW);
        return 'no error';
      } catch (err) {
        if (err instanceof ServiceError) return err.code;
        throw err;
      }
    };
    expect(await Promise.all([codeOfSoon('g1'), codeOfSoon('g1')])).toEqual(['no error', 'SignatureNonceUsed']);
    expect(await codeOfSoon('g2')).toBe('no error');
    expect(await codeOfSoon('g3')).toBe('Rejected.Throttling');
  });

  test('many server processes spending one list of nonces in groups at once: each nonce is won exactly once', async () => {
    const nonces = Array.from({ length: 600 }, (_, i) => `group-race-${i}`);
    const child = `
      import { LogNonceLedger } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'server', 'nonce-log.js'))};
      const ledger = new LogNonceLedger(${JSON.stringify(home)});
      const nonces = ${JSON.stringify(nonces)}.sort(() => Math.random() - 0.5);
      const won = [];
      // Groups of 1 to 12 nonces, each group one turn of the event loop.
      for (let at = 0; at < nonces.length; ) {
        const group = nonces.slice(at, (at += 1 + Math.floor(Math.random() * 12)));
        const answers = await Promise.all(group.map((n) => ledger.spendSoon('AK', n, ${NOW}, ${NOW})));
        group.forEach((n, i) => answers[i] && won.push(n));
      }
      process.stdout.write(JSON.stringify(won));`;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string[]>((resolve, reject) => {
          execFile(process.execPath, ['--input-type=module', '-e', child], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as string[])));
        }),
      ),
    );
    expect(runs.flat().sort()).toEqual([...nonces].sort());
  });

  test('a group whose lines cannot be written (the file size limit reached) is refused whole, and no nonce is taken as spent without its line', async () => {
    // RLIMIT_FSIZE of 1 KiB: the log takes about twenty lines, then writes fail (EFBIG, or short).
    const child = `
      import { LogNonceLedger } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'server', 'nonce-log.js'))};
      const ledger = new LogNonceLedger(${JSON.stringify(home)});
      const outcomes = [];
      for (let g = 0; g < 12; g++) {
        const group = Array.from({ length: 5 }, (_, i) => 'full-' + g + '-' + i);
        const answers = await Promise.allSettled(group.map((n) => ledger.spendSoon('AK', n, ${NOW}, ${NOW})));
        group.forEach((n, i) => outcomes.push([n, answers[i].status === 'fulfilled' ? answers[i].value : (answers[i].reason.code ?? 'error')]));
      }
      process.stdout.write(JSON.stringify(outcomes));`;
    const outcomes = await new Promise<[string, boolean | string][]>((resolve, reject) => {
      execFile('bash', ['-c', 'ulimit -f 1 && exec "$0" --input-type=module -e "$1"', process.execPath, child], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
    });
    const spent = outcomes.filter(([, outcome]) => outcome === true).map(([n]) => n);
    const refused = outcomes.filter(([, outcome]) => outcome !== true);
    expect(spent.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    // Refused as errors (never as a repeat), and every group is answered whole: all spent or all refused.
    expect(new Set(refused.map(([, code]) => code))).not.toContain(false);
    for (let g = 0; g < 12; g++) expect(new Set(outcomes.slice(g * 5, g * 5 + 5).map(([, o]) => o === true)).size).toBe(1);
    // Every nonce taken as spent has its line in the log.
    const inLog = new Set(logLines().map((l) => l.split(' ')[0]));
    for (const n of spent) expect(inLog.has(lineHash('AK', n))).toBe(true);
  });

  test('a log removed under a server (by one whose clock is far ahead) keeps that server refusing what it spent', () => {
    const ledger = new LogNonceLedger(home);
    expect(ledger.spend('AK', 'a', NOW, NOW)).toBe(true);
    rmSync(join(home, NONCES_DIR), { recursive: true });
    expect(ledger.spend('AK', 'b', NOW, NOW)).toBe(true);
    expect(ledger.spend('AK', 'b', NOW, NOW)).toBe(false);
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

  test('V1: the region comes from the signed RegionId, never from an unsigned x-acs-region-id header', () => {
    const signed = v1Request({ SecretName: 's', RegionId: 'cn-hangzhou' });
    expect(codeOf(() => authenticate({ ...signed, headers: { 'x-acs-region-id': 'cn-shanghai' } }, opts()))).toBe('IncompleteSignature');
    const unnamed = v1Request({ SecretName: 's' });
    expect(codeOf(() => authenticate({ ...unnamed, headers: { 'x-acs-region-id': 'cn-shanghai' } }, opts()))).toBe('IncompleteSignature');
    // The same region in both places changes nothing: allowed.
    expect(authenticate({ ...signed, headers: { 'x-acs-region-id': 'cn-hangzhou' } }, opts()).region).toBe('cn-hangzhou');
    expect(authenticate(unnamed, opts()).region).toBeUndefined();
  });

  test('V1: the action comes from the signed Action, never from an unsigned x-acs-action header', () => {
    const request = v1Request({ SecretName: 's' });
    request.query.delete('Action');
    const query = Object.fromEntries(request.query);
    delete query.Signature;
    query.Signature = RpcUtil.getSignatureV1(query, 'POST', SECRET);
    const withoutAction: RawRequest = { ...request, query: new Map(Object.entries(query)), headers: { 'x-acs-action': 'DeleteSecret' } };
    expect(codeOf(() => authenticate(withoutAction, opts()))).toBe('MissingParameter');
  });

  test('ACS3: an x-acs-region-id header counts only when it is in SignedHeaders', () => {
    const headers = {
      host: '127.0.0.1:8080',
      'x-acs-version': '2016-01-20',
      'x-acs-action': 'GetSecretValue',
      'x-acs-date': wire(NOW),
      'x-acs-signature-nonce': 'acs3-region',
      'x-acs-region-id': 'cn-shanghai',
      'x-acs-content-sha256': sha256Hex(''),
    };
    const query = { SecretName: 's' };
    const authorization = OpenApiUtil.getAuthorization({ method: 'POST', pathname: '/', query, headers }, 'ACS3-HMAC-SHA256', sha256Hex(''), 'AK', SECRET) as string;
    expect(authorization).toContain('x-acs-region-id');
    const request: RawRequest = { method: 'POST', path: '/', query: new Map(Object.entries(query)), form: new Map(), headers: { ...headers, authorization }, body: Buffer.alloc(0) };
    expect(authenticate(request, opts()).region).toBe('cn-shanghai');
    // Changed in transit: the signature no longer matches.
    const moved = { ...request, headers: { ...request.headers, 'x-acs-region-id': 'cn-beijing' } };
    expect(codeOf(() => authenticate(moved, opts()))).toBe('SignatureDoesNotMatch');
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

describe('the request log', () => {
  test.each([
    ['GetSecretValue', 'GetSecretValue'],
    ['LTAI5tTestKeyId000000001', 'LTAI5tTestKeyId000000001'],
    ['Get\n2026-03-01T12:00:00.000Z POST Forged', '"Get\\n2026-03-01T12:00:00.000Z POST Forged"'],
    ['a\rb', '"a\\rb"'],
    ['two words', '"two words"'],
    ['quote"d', '"quote\\"d"'],
    ['', '""'],
    ['\u2028\u0085\u202e', '"\\u2028\\u0085\\u202e"'],
  ])('a field %j is logged as %s: one field on one line', (value, logged) => {
    expect(logField(value)).toBe(logged);
    expect(logField(value)).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
  });

  test('free text keeps its spaces and loses its line breaks', () => {
    expect(logText('cannot read x\nERROR forged')).toBe('cannot read x\\nERROR forged');
    expect(logText('a\\nb')).toBe('a\\\\nb');
  });
});

describe('ACS4-HMAC-SHA256 (src/server/acs4.ts)', () => {
  const headers = { host: 'h', 'x-acs-action': 'GetSecretValue', 'x-acs-date': '2026-03-01T12:00:00Z', 'x-acs-signature-nonce': 'n' };
  const signed = 'host;x-acs-action;x-acs-date;x-acs-signature-nonce';
  const auth = (scope: string): string => `ACS4-HMAC-SHA256 Credential=AKID/${scope},SignedHeaders=${signed},Signature=ab`;

  test('the Authorization carries id, date, region and product of the credential scope', () => {
    expect(parseAcs4Authorization(auth('20260301/cn-hangzhou/Kms/aliyun_v4_request'))).toMatchObject({
      accessKeyId: 'AKID', date: '20260301', region: 'cn-hangzhou', product: 'Kms', signature: 'ab',
    });
  });
  test.each(['20260301/cn-hangzhou/Kms', '20260301/cn-hangzhou/Kms/aws4_request', '20260301//Kms/aliyun_v4_request'])('an incomplete scope %s is not an ACS4 Authorization', (scope) => {
    expect(parseAcs4Authorization(auth(scope))).toBeUndefined();
  });
  test('a scope for another product is refused', () => {
    expect(codeOf(() => checkAcs4Shape(parseAcs4Authorization(auth('20260301/cn-hangzhou/Ecs/aliyun_v4_request'))!, headers))).toBe('IncompleteSignature');
  });
  test('a scope date other than the date of x-acs-date is refused', () => {
    expect(codeOf(() => checkAcs4Shape(parseAcs4Authorization(auth('20260302/cn-hangzhou/Kms/aliyun_v4_request'))!, headers))).toBe('IncompleteSignature');
  });
  test('the signing key is the HMAC-SHA256 chain over date, region, product and aliyun_v4_request, from aliyun_v4 + secret', () => {
    const step = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
    const expected = step(step(step(step(`aliyun_v4${SECRET}`, '20260301'), 'center'), 'Kms'), 'aliyun_v4_request');
    expect(acs4SigningKey(SECRET, '20260301', 'center', 'Kms').equals(expected)).toBe(true);
  });
});
