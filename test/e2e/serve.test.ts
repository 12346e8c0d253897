/**
 * `kms-local serve` with real clients: `@alicloud/kms20160120` 1.2.0 (V1 HMAC-SHA1 signatures) and
 * `@alicloud/openapi-client` callApi (ACS3-HMAC-SHA256), each running the seed's rotation
 * walkthrough against a server started on a free loopback port, compared step by step with the CLI
 * doing the same on the same home; then the refusals, and an application reading what a CLI
 * rotation just wrote.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { BIN, makeHome, removeHome, REPO_ROOT, runCliAsync, type CliResult } from '../support/cli.js';
import { spawnCli } from '../support/workload.js';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  callKmsSdk,
  callOpenApi,
  kmsClient,
  openApiClient,
  openApiV4Client,
  serveEnv,
  signedV1,
  startServe,
  wireTime,
  type Served,
} from '../support/serve.js';

let home: string;
let served: Served;
/** Every secret value written in this file: none may appear in the server's output. */
const values: string[] = [];

beforeAll(async () => {
  home = makeHome();
  served = await startServe(home);
});

afterAll(async () => {
  await served?.stop();
  removeHome(home);
});

async function cli(action: string, params: Record<string, string>): Promise<any> {
  const result: CliResult = await runCliAsync(['kms', action, ...Object.entries(params).flatMap(([k, v]) => [`--${k}`, v])], { home });
  if (result.code !== 0) throw new Error(`CLI ${action} failed: ${result.stderr}`);
  return result.json;
}

type Call = (action: string, params: Record<string, string>) => Promise<any>;

/** A response with what differs between two runs of the same step taken out. */
function comparable(response: any, prefix: string): any {
  const copy = JSON.parse(JSON.stringify(response));
  delete copy.RequestId;
  delete copy.CreateTime;
  if (copy.SecretName) copy.SecretName = copy.SecretName.replace(prefix, '');
  if (copy.Arn) copy.Arn = copy.Arn.replace(`secret/${prefix}`, 'secret/');
  if (copy.RandomPassword) copy.RandomPassword = `<${copy.RandomPassword.length} chars>`;
  if (copy.VersionStages?.VersionStage) copy.VersionStages.VersionStage.sort();
  if (copy.VersionIds?.VersionId) {
    for (const v of copy.VersionIds.VersionId) {
      delete v.CreateTime;
      v.VersionStages?.VersionStage?.sort();
    }
  }
  return copy;
}

/**
 * The walkthrough of the "rotate a generic secret" topic: a single-call rotation of MyOAuthAppSecret, then the multi-step
 * rotation of db_cred through MyPendingLabel. `call` runs each step; every response is returned.
 */
async function walkthrough(call: Call, prefix: string): Promise<any[]> {
  const oauth = `${prefix}MyOAuthAppSecret`;
  const db = `${prefix}db_cred`;
  const v = (text: string): string => {
    values.push(text);
    return text;
  };
  const steps: [string, Record<string, string>][] = [
    ['CreateSecret', { SecretName: oauth, VersionId: 'v1', SecretData: v('initial-oauth-app-secret-7f3a') }],
    ['PutSecretValue', { SecretName: oauth, VersionId: 'v2', SecretData: v('sample-app-secret') }],
    ['GetSecretValue', { SecretName: oauth }],
    ['GetSecretValue', { SecretName: oauth, VersionStage: 'ACSPrevious' }],
    ['CreateSecret', { SecretName: db, VersionId: 'v1', SecretData: v('{"uname": "alice", "pwd": "initial-db-password-9c1e"}') }],
    ['GetRandomPassword', { ExcludePunctuation: 'true' }],
    ['PutSecretValue', { SecretName: db, VersionId: 'v2', SecretData: v('{"uname": "alice", "pwd": "v2GwsgcuNylyYw9JGJNE5yBViGSiZ"}'), VersionStages: '["MyPendingLabel"]' }],
    ['GetSecretValue', { SecretName: db }],
    ['GetSecretValue', { SecretName: db, VersionStage: 'MyPendingLabel' }],
    ['UpdateSecretVersionStage', { SecretName: db, VersionStage: 'ACSCurrent', MoveToVersion: 'v2' }],
    ['GetSecretValue', { SecretName: db }],
    ['GetSecretValue', { SecretName: db, VersionStage: 'ACSPrevious' }],
    ['ListSecretVersionIds', { SecretName: db }],
  ];
  const responses = [];
  for (const [action, params] of steps) responses.push(comparable(await call(action, params), prefix));
  return responses;
}

let cliSteps: any[];

describe('the seed walkthrough', () => {
  beforeAll(async () => {
    cliSteps = await walkthrough(cli, 'cli-');
  });

  test('the CLI run is the walkthrough: ACSCurrent moves, ACSPrevious follows, MyPendingLabel stays', () => {
    expect(cliSteps[2].SecretData).toBe('sample-app-secret');
    expect(cliSteps[3]).toMatchObject({ VersionId: 'v1', SecretData: 'initial-oauth-app-secret-7f3a' });
    expect(cliSteps[7].VersionId).toBe('v1');
    expect(cliSteps[10]).toMatchObject({ VersionId: 'v2', VersionStages: { VersionStage: ['ACSCurrent', 'MyPendingLabel'] } });
    expect(cliSteps[11]).toMatchObject({ VersionId: 'v1', VersionStages: { VersionStage: ['ACSPrevious'] } });
  });

  test('@alicloud/openapi-client callApi (ACS3-HMAC-SHA256) gets the same responses as the CLI', async () => {
    const client = openApiClient(served.endpoint);
    expect(await walkthrough((a, p) => callOpenApi(client, a, p), 'acs3-')).toEqual(cliSteps);
  });

  test('openapi-client with the POP gateway (ACS4-HMAC-SHA256, signatureVersion v4) gets the same responses', async () => {
    const client = openApiV4Client(served.endpoint);
    expect(await walkthrough((a, p) => callOpenApi(client, a, p), 'acs4-')).toEqual(cliSteps);
  });

  test('the same with the parameters in a form body', async () => {
    const client = openApiClient(served.endpoint);
    expect(await walkthrough((a, p) => callOpenApi(client, a, p, { inBody: true }), 'form-')).toEqual(cliSteps);
  });

  test("openapi-client with signatureAlgorithm 'v2' (V1 HMAC-SHA1, Action in the query) gets the same responses", async () => {
    const client = openApiClient(served.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, 'v2');
    expect(await walkthrough((a, p) => callOpenApi(client, a, p), 'rpc-')).toEqual(cliSteps);
  });

  test('@alicloud/kms20160120 1.2.0 (V1 HMAC-SHA1) gets the same responses, in the fields its models know', async () => {
    const client = kmsClient(served.endpoint);
    const sdkSteps = await walkthrough((a, p) => callKmsSdk(client, a, p), 'v1-');
    expect(sdkSteps).toHaveLength(cliSteps.length);
    expect(sdkSteps[2]).toMatchObject({ SecretData: 'sample-app-secret', VersionId: 'v2', VersionStages: { VersionStage: ['ACSCurrent'] } });
    sdkSteps.forEach((step, i) => {
      // The 1.2.0 models predate some fields (SecretType); what they carry must match exactly.
      expect(cliSteps[i]).toMatchObject(step);
      expect(Object.keys(step).length).toBeGreaterThan(0);
    });
  });

  test('a V1 GET request (as `aliyun --method GET` sends) works too', async () => {
    const { status, body } = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-MyOAuthAppSecret', RegionId: 'cn-hangzhou' }, { method: 'GET' });
    expect(status).toBe(200);
    expect(body.SecretData).toBe('sample-app-secret');
  });
});

describe('an application reads what a CLI rotation just wrote', () => {
  test('PutSecretValue by the CLI, then GetSecretValue by @alicloud/kms20160120 and by callApi', async () => {
    const rotated = `rotated-${Date.now()}-Zq8`;
    values.push(rotated);
    await cli('PutSecretValue', { SecretName: 'cli-db_cred', VersionId: 'v3', SecretData: rotated });
    const sdk = await callKmsSdk(kmsClient(served.endpoint), 'GetSecretValue', { SecretName: 'cli-db_cred' });
    expect(sdk).toMatchObject({ SecretData: rotated, VersionId: 'v3', VersionStages: { VersionStage: ['ACSCurrent'] } });
    const acs3 = await callOpenApi(openApiClient(served.endpoint), 'GetSecretValue', { SecretName: 'cli-db_cred' });
    expect(acs3).toMatchObject({ SecretData: rotated, VersionId: 'v3' });
  });
});

/** The error an SDK call fails with: its code and the JSON body the server sent. */
async function refusal(call: Promise<unknown>): Promise<{ code: string; data: any }> {
  try {
    await call;
  } catch (err) {
    return { code: (err as any).code, data: (err as any).data };
  }
  throw new Error('the call succeeded');
}

describe('parameters in the forms the current SDKs send them', () => {
  test('UpdateSecret with ExtendedConfig.CustomData.DBName=app1 (flattened) changes CustomData; FetchExtendedConfig=True returns it', async () => {
    const name = 'flat-rds';
    const created = await signedV1(served.endpoint, 'CreateSecret', {
      SecretName: name, VersionId: 'v1', SecretType: 'Rds', SecretData: '{"Accounts":[{"AccountName":"app","AccountPassword":"pw-flat-1"}]}',
      ExtendedConfig: '{"SecretSubType":"SingleUser","DBInstanceId":"rm-flat1"}',
    });
    expect(created.status).toBe(200);
    const updated = await signedV1(served.endpoint, 'UpdateSecret', { SecretName: name, 'ExtendedConfig.CustomData.DBName': 'app1' });
    expect(updated).toMatchObject({ status: 200, body: { SecretName: name } });
    const read = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: name, FetchExtendedConfig: 'True' });
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body.ExtendedConfig).CustomData).toEqual({ DBName: 'app1' });
    const form = await signedV1(served.endpoint, 'DescribeSecret', { SecretName: name, FetchTags: 'TRUE' });
    expect(form.status).toBe(200);
  });

  test('a flattened form of a parameter that takes one value is refused, never dropped', async () => {
    const { status, body } = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred', 'VersionStage.1': 'ACSPrevious' });
    expect(status).toBe(400);
    expect(body.Code).toBe('InvalidParameter');
  });
});

describe('refusals, with the service codes', () => {
  test('a wrong AccessKeySecret: SignatureDoesNotMatch (V1 and ACS3)', async () => {
    const v1 = await refusal(callKmsSdk(kmsClient(served.endpoint, ACCESS_KEY_ID, 'wrong'), 'GetSecretValue', { SecretName: 'cli-db_cred' }));
    expect(v1.code).toBe('SignatureDoesNotMatchError'); // rpc-client appends "Error"
    expect(v1.data).toMatchObject({ Code: 'SignatureDoesNotMatch', HttpStatus: 400 });
    const acs3 = await refusal(callOpenApi(openApiClient(served.endpoint, ACCESS_KEY_ID, 'wrong'), 'GetSecretValue', { SecretName: 'cli-db_cred' }));
    expect(acs3.code).toBe('SignatureDoesNotMatch');
    expect(acs3.data).toMatchObject({ Code: 'SignatureDoesNotMatch', HttpStatus: 400, statusCode: 400 });
    expect(acs3.data.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('ACS4-HMAC-SHA256: a wrong secret, a stale x-acs-date and a reused nonce are refused like the others', async () => {
    const wrong = await refusal(callOpenApi(openApiV4Client(served.endpoint, ACCESS_KEY_ID, 'wrong'), 'GetSecretValue', { SecretName: 'cli-db_cred' }));
    expect(wrong.data).toMatchObject({ Code: 'SignatureDoesNotMatch', HttpStatus: 400 });
    expect(wrong.data.Message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign is:ACS4-HMAC-SHA256\n[0-9a-f]{64}$/);
    const client = openApiV4Client(served.endpoint);
    const stale = await refusal(callOpenApi(client, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { headers: { 'x-acs-date': wireTime(Date.now() - 16 * 60 * 1000) } }));
    expect(stale.data).toMatchObject({ Code: 'InvalidTimeStamp.Expired' });
    const headers = { 'x-acs-signature-nonce': `acs4-nonce-${Date.now()}` };
    await callOpenApi(client, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { headers });
    const again = await refusal(callOpenApi(client, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { headers }));
    expect(again.data).toMatchObject({ Code: 'SignatureNonceUsed' });
    const unknown = await refusal(callOpenApi(openApiV4Client(served.endpoint, 'LTAI-nobody', 'x'), 'GetSecretValue', { SecretName: 'cli-db_cred' }));
    expect(unknown.data).toMatchObject({ Code: 'InvalidAccessKeyId.NotFound' });
  });

  test('a request altered after signing: SignatureDoesNotMatch', async () => {
    const { status, body } = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred' }, {
      tamper: (q) => {
        q.VersionStage = 'ACSPrevious';
      },
    });
    expect(status).toBe(400);
    expect(body).toMatchObject({ Code: 'SignatureDoesNotMatch', HttpStatus: 400 });
    expect(Object.keys(body).sort()).toEqual(['Code', 'HostId', 'HttpStatus', 'Message', 'Recommend', 'RequestId']);
    expect(body.HostId).toBe(served.endpoint);
    expect(body.Recommend).toBe(`https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch&product=Kms&requestId=${body.RequestId}`);
  });

  test("a wrong AccessKeySecret (V1): the gateway's wording, with the string kms-local signed, which the client signed too", async () => {
    const { status, body, sent } = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { secret: 'wrong-secret' });
    expect(status).toBe(400);
    expect(body.Code).toBe('SignatureDoesNotMatch');
    expect(body.Message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign is:POST&%2F&/);
    // What aliyun-python-sdk-core does with it: message.split(':')[1] is the string to sign.
    const serverStringToSign = body.Message.split(':')[1];
    expect(createHmac('sha1', 'wrong-secret&').update(serverStringToSign).digest('base64')).toBe(sent.Signature);
  });

  test('a signed V1 DeleteSecret given an x-acs-region-id header in transit acts on no other region', async () => {
    // The same name in the server's default region (cn-hangzhou) and in cn-shanghai.
    await cli('CreateSecret', { SecretName: 'region-moved', VersionId: 'v1', SecretData: 'hangzhou-value' });
    await cli('CreateSecret', { SecretName: 'region-moved', VersionId: 'v1', SecretData: 'shanghai-value', RegionId: 'cn-shanghai' });
    const moved = await signedV1(served.endpoint, 'DeleteSecret', { SecretName: 'region-moved', ForceDeleteWithoutRecovery: 'true' }, {
      headers: { 'x-acs-region-id': 'cn-shanghai' },
    });
    expect(moved.body).toMatchObject({ Code: 'IncompleteSignature', HttpStatus: 400 });
    expect((await cli('GetSecretValue', { SecretName: 'region-moved', RegionId: 'cn-shanghai' })).SecretData).toBe('shanghai-value');
    expect((await cli('GetSecretValue', { SecretName: 'region-moved' })).SecretData).toBe('hangzhou-value');
    // The region named in the signed parameters is the one acted on.
    const signed = await signedV1(served.endpoint, 'DeleteSecret', { SecretName: 'region-moved', ForceDeleteWithoutRecovery: 'true', RegionId: 'cn-shanghai' });
    expect(signed.status).toBe(200);
    expect((await cli('GetSecretValue', { SecretName: 'region-moved' })).SecretData).toBe('hangzhou-value');
  });

  test('an impossible date (2026-02-30T00:00:00Z) is InvalidTimeStamp.Format, not .Expired', async () => {
    const { body } = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { timestamp: '2026-02-30T00:00:00Z' });
    expect(body).toMatchObject({ Code: 'InvalidTimeStamp.Format', HttpStatus: 400 });
  });

  test('an unknown AccessKeyId: InvalidAccessKeyId.NotFound, 404', async () => {
    const v1 = await refusal(callKmsSdk(kmsClient(served.endpoint, 'LTAI-nobody', 'x'), 'GetSecretValue', { SecretName: 'cli-db_cred' }));
    expect(v1.data).toMatchObject({ Code: 'InvalidAccessKeyId.NotFound', HttpStatus: 404 });
    const acs3 = await refusal(callOpenApi(openApiClient(served.endpoint, 'LTAI-nobody', 'x'), 'GetSecretValue', { SecretName: 'cli-db_cred' }));
    expect(acs3.data).toMatchObject({ Code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
  });

  test('a timestamp more than 15 minutes off: InvalidTimeStamp.Expired (V1 Timestamp and x-acs-date)', async () => {
    const stale = wireTime(Date.now() - 16 * 60 * 1000);
    const v1 = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { timestamp: stale });
    expect(v1.body).toMatchObject({ Code: 'InvalidTimeStamp.Expired', HttpStatus: 400 });
    const future = wireTime(Date.now() + 16 * 60 * 1000);
    const acs3 = await refusal(callOpenApi(openApiClient(served.endpoint), 'GetSecretValue', { SecretName: 'cli-db_cred' }, { headers: { 'x-acs-date': future } }));
    expect(acs3.data).toMatchObject({ Code: 'InvalidTimeStamp.Expired' });
    const fresh = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { timestamp: wireTime(Date.now() - 14 * 60 * 1000) });
    expect(fresh.status).toBe(200);
  });

  test('a SignatureNonce used twice: SignatureNonceUsed (V1 and ACS3)', async () => {
    const nonce = `nonce-${Date.now()}`;
    const first = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { nonce });
    expect(first.status).toBe(200);
    const again = await signedV1(served.endpoint, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { nonce });
    expect(again.body).toMatchObject({ Code: 'SignatureNonceUsed', HttpStatus: 400 });
    const client = openApiClient(served.endpoint);
    const headers = { 'x-acs-signature-nonce': `acs3-${nonce}` };
    await callOpenApi(client, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { headers });
    const acs3 = await refusal(callOpenApi(client, 'GetSecretValue', { SecretName: 'cli-db_cred' }, { headers }));
    expect(acs3.data).toMatchObject({ Code: 'SignatureNonceUsed' });
  });

  test('no signature at all: IncompleteSignature', async () => {
    const response = await fetch(`http://${served.endpoint}/?Action=GetSecretValue&SecretName=cli-db_cred`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ Code: 'IncompleteSignature', HttpStatus: 400 });
  });

  test('an unknown action, a bad parameter and a missing one: the service codes', async () => {
    const unknown = await signedV1(served.endpoint, 'GetSecretValu', { SecretName: 'x' });
    expect(unknown.body).toMatchObject({ Code: 'InvalidAction.NotFound', HttpStatus: 404 });
    const missing = await signedV1(served.endpoint, 'GetSecretValue', {});
    const bad = await signedV1(served.endpoint, 'PutSecretValue', { SecretName: 'cli-db_cred', VersionId: 'v9', SecretData: 'x', VersionStages: 'not json' });
    expect(bad.body).toMatchObject({ Code: 'InvalidParameter', HttpStatus: 400 });
    expect(missing.body).toMatchObject({ Code: 'MissingParameter', HttpStatus: 400 });
    const notFound = await refusal(callOpenApi(openApiClient(served.endpoint), 'GetSecretValue', { SecretName: 'no-such-secret' }));
    expect(notFound.data).toMatchObject({ Code: 'Forbidden.ResourceNotFound', statusCode: 404 });
  });

  test('a body over the limit is refused before it is read', async () => {
    const response = await fetch(`http://${served.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `SecretData=${'x'.repeat(300 * 1024)}`,
    });
    expect(response.status).toBe(413);
  });

  test('the server log holds no secret value, no AccessKeySecret and no signature', () => {
    const log = served.output();
    expect(log).toContain('GetSecretValue');
    for (const value of values) expect(log).not.toContain(value);
    expect(log).not.toContain(ACCESS_KEY_SECRET);
    expect(log).not.toMatch(/Signature=|ACS3-HMAC-SHA256 Credential/);
  });
});

describe('replays across restarts and servers sharing a home', () => {
  test('a captured signed request replays neither against a second serve on the home nor after a restart: SignatureNonceUsed', async () => {
    const shared = makeHome();
    const servers: Served[] = [];
    try {
      const first = await startServe(shared);
      servers.push(first);
      const local = async (action: string, params: Record<string, string>): Promise<any> => {
        const result = await runCliAsync(['kms', action, ...Object.entries(params).flatMap(([k, v]) => [`--${k}`, v])], { home: shared });
        if (result.code !== 0) throw new Error(`CLI ${action} failed: ${result.stderr}`);
        return result.json;
      };
      await local('CreateSecret', { SecretName: 'replayed', VersionId: 'v1', SecretData: 'old-value' });
      await local('PutSecretValue', { SecretName: 'replayed', VersionId: 'v2', SecretData: 'new-value' });
      // The captured request: it moves ACSCurrent back to v1.
      const captured = { nonce: `captured-${Date.now()}`, timestamp: wireTime(Date.now()) };
      const moveBack = (endpoint: string) =>
        signedV1(endpoint, 'UpdateSecretVersionStage', { SecretName: 'replayed', VersionStage: 'ACSCurrent', MoveToVersion: 'v1' }, captured);
      expect((await moveBack(first.endpoint)).status).toBe(200);
      await local('UpdateSecretVersionStage', { SecretName: 'replayed', VersionStage: 'ACSCurrent', MoveToVersion: 'v2' });

      const second = await startServe(shared);
      servers.push(second);
      expect((await moveBack(second.endpoint)).body).toMatchObject({ Code: 'SignatureNonceUsed', HttpStatus: 400 });
      expect((await local('GetSecretValue', { SecretName: 'replayed' })).SecretData).toBe('new-value');

      expect(await first.stop()).toBe(0);
      const restarted = await startServe(shared);
      servers.push(restarted);
      expect((await moveBack(restarted.endpoint)).body).toMatchObject({ Code: 'SignatureNonceUsed', HttpStatus: 400 });
      expect((await local('GetSecretValue', { SecretName: 'replayed' })).SecretData).toBe('new-value');
      // A fresh request (new nonce) from the same key is served as usual.
      expect((await signedV1(restarted.endpoint, 'GetSecretValue', { SecretName: 'replayed' })).body.SecretData).toBe('new-value');
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      removeHome(shared);
    }
  });
});

describe('nonces spent together (group commit of the nonce log)', () => {
  test('one captured request sent many times at once to two servers on one home: exactly one is served', async () => {
    const shared = makeHome();
    const servers = [await startServe(shared), await startServe(shared)];
    try {
      for (let round = 0; round < 3; round++) {
        const captured = { nonce: `burst-${round}-${Date.now()}`, timestamp: wireTime(Date.now()) };
        // Fresh requests in the same bursts: the group they share must not take them for repeats.
        const answers = await Promise.all(
          Array.from({ length: 16 }, (_, i) => signedV1(servers[i % 2]!.endpoint, 'GetRandomPassword', {}, i % 4 === 3 ? {} : captured)),
        );
        const replays = answers.filter((_, i) => i % 4 !== 3);
        expect(replays.filter((a) => a.status === 200)).toHaveLength(1);
        for (const refused of replays.filter((a) => a.status !== 200)) expect(refused.body).toMatchObject({ Code: 'SignatureNonceUsed', HttpStatus: 400 });
        expect(answers.filter((_, i) => i % 4 === 3).map((a) => a.status)).toEqual([200, 200, 200, 200]);
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      removeHome(shared);
    }
  });

  test('a nonce that cannot be recorded (the file size limit reached) refuses the request; every request served has its nonce in the log', async () => {
    const limited = makeHome();
    // The master key and account id first, under no limit: the server itself then writes only nonces.
    expect((await runCliAsync(['kms', 'GetRandomPassword'], { home: limited })).code).toBe(0);
    // RLIMIT_FSIZE of 1 KiB (node ignores SIGXFSZ): the nonce log takes about twenty lines.
    const child = spawn('bash', ['-c', 'ulimit -f 1 && exec "$0" "$@"', process.execPath, BIN, 'serve', '--port', '0'], { cwd: REPO_ROOT, env: serveEnv(limited) });
    try {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (match) {
            clearInterval(timer);
            resolve(Number(match[1]));
          }
        }, 20);
        child.on('exit', () => reject(new Error(`serve exited: ${out}`)));
      });
      const answers: { status: number; body: any; sent: Record<string, string> }[] = [];
      for (let wave = 0; wave < 10; wave++) {
        answers.push(...(await Promise.all(Array.from({ length: 6 }, () => signedV1(`127.0.0.1:${port}`, 'GetRandomPassword', {})))));
      }
      const served = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      expect(served.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      // Refused as the nonce log's failure (a short write, then EFBIG), never run and never a repeat.
      for (const r of refused) expect(['InternalFailure', 'ServiceUnavailableTemporary']).toContain(r.body.Code);
      // Once full, the log stays full: nothing after the first refusal is served.
      expect(answers.slice(answers.indexOf(refused[0]!)).every((a) => a.status !== 200)).toBe(true);
      const logDir = join(limited, 'nonces');
      const inLog = new Set(readdirSync(logDir).flatMap((f) => readFileSync(join(logDir, f), 'utf8').split('\n')).map((l) => l.split(' ')[0]));
      for (const a of served) {
        const hash = createHash('sha256').update(`${ACCESS_KEY_ID}\n${a.sent.SignatureNonce}`).digest('base64url').slice(0, 22);
        expect(inLog.has(hash)).toBe(true);
      }
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      removeHome(limited);
    }
  });
});

describe('one AccessKey flooding the server', () => {
  test('a flood of future-dated requests from one key: another key is served, with a fresh or a 14-minute-old timestamp', async () => {
    const floodHome = makeHome();
    const other = { accessKeyId: 'LTAI5tOtherKey0000000002', secret: 'other-secret-Zq81' };
    const server = await startServe(floodHome, ['--quiet'], { KMS_LOCAL_SERVE_ACCESS_KEYS: `${ACCESS_KEY_ID}:${ACCESS_KEY_SECRET},${other.accessKeyId}:${other.secret}` });
    try {
      const ahead = Date.now() + 4 * 60_000;
      const flood = await Promise.all(
        Array.from({ length: 400 }, (_, i) => signedV1(server.endpoint, 'GetRandomPassword', {}, { timestamp: wireTime(ahead - (i % 60) * 1000), nonce: `flood-${i}` })),
      );
      expect(flood.every((r) => r.status === 200)).toBe(true);
      // Beyond 5 minutes ahead, a timestamp is refused outright.
      const far = await signedV1(server.endpoint, 'GetRandomPassword', {}, { timestamp: wireTime(Date.now() + 6 * 60_000) });
      expect(far.body).toMatchObject({ Code: 'InvalidTimeStamp.Expired' });
      for (const age of [0, 14 * 60_000]) {
        const served = await signedV1(server.endpoint, 'GetRandomPassword', {}, { ...other, timestamp: wireTime(Date.now() - age) });
        expect([age, served.status]).toEqual([age, 200]);
      }
    } finally {
      await server.stop();
      removeHome(floodHome);
    }
  });
});

describe('the request log', () => {
  test('an authenticated client cannot forge a line: a newline in the Action stays inside one quoted field', async () => {
    const forged = `${new Date().toISOString()} POST DeleteSecret ${ACCESS_KEY_ID} 200 1.0ms 00000000-0000-4000-8000-000000000000`;
    const { body } = await signedV1(served.endpoint, `GetSecretValue\n${forged}\r\n${forged}`, { SecretName: 'cli-db_cred' });
    expect(body.Code).toBe('InvalidAction.NotFound');
    // The line is written after the response: wait for it to reach the captured output.
    for (let i = 0; i < 100 && !served.output().includes(body.RequestId); i++) await new Promise((r) => setTimeout(r, 50));
    const lines = served.output().split(/\r?\n|\r/);
    expect(lines.filter((line) => /^\S+ POST DeleteSecret .* 00000000-0000-4000-8000-000000000000$/.test(line))).toEqual([]);
    expect(lines.some((line) => line.includes(`"GetSecretValue\\n${forged}\\r\\n`) && line.includes('InvalidAction.NotFound'))).toBe(true);
  });
});

describe('under load', () => {
  test('a client that sends its request slowly stalls nobody else', async () => {
    const open = (text: string): Promise<Socket> =>
      new Promise((resolve) => {
        const socket = connect(served.port, '127.0.0.1', () => {
          socket.write(text);
          resolve(socket);
        });
        socket.on('error', () => undefined);
      });
    const halfHeaders = await open('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-acs-action: GetSecretValue\r\n');
    const halfBody = await open('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nSecretName=');
    const client = kmsClient(served.endpoint);
    const started = Date.now();
    const reads = await Promise.all(Array.from({ length: 20 }, () => callKmsSdk(client, 'GetSecretValue', { SecretName: 'cli-MyOAuthAppSecret' })));
    expect(reads.every((r) => r.SecretData === 'sample-app-secret')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    halfHeaders.destroy();
    halfBody.destroy();
  });

  test('concurrent SDK writes and CLI processes on one secret keep every invariant', async () => {
    const name = 'contended';
    await cli('CreateSecret', { SecretName: name, VersionId: 'v0', SecretData: 'value-v0' });
    const client = openApiClient(served.endpoint);
    const written = new Map<string, string>([['v0', 'value-v0']]);
    const calls: Promise<unknown>[] = [];
    for (let i = 1; i <= 30; i++) {
      written.set(`s${i}`, `value-s${i}`);
      calls.push(callOpenApi(client, 'PutSecretValue', { SecretName: name, VersionId: `s${i}`, SecretData: `value-s${i}` }));
      if (i % 5 === 0) {
        written.set(`c${i}`, `value-c${i}`);
        calls.push(cli('PutSecretValue', { SecretName: name, VersionId: `c${i}`, SecretData: `value-c${i}` }));
      }
      calls.push(callOpenApi(client, 'GetSecretValue', { SecretName: name }));
    }
    await Promise.all(calls);
    const list = await callOpenApi(client, 'ListSecretVersionIds', { SecretName: name, IncludeDeprecated: 'true', PageSize: '100' });
    const versions = list.VersionIds.VersionId as { VersionId: string; VersionStages: { VersionStage: string[] } }[];
    expect(versions.length).toBeLessThanOrEqual(10);
    const holders = (stage: string): string[] => versions.filter((v) => v.VersionStages.VersionStage.includes(stage)).map((v) => v.VersionId);
    expect(holders('ACSCurrent')).toHaveLength(1);
    expect(holders('ACSPrevious')).toHaveLength(1);
    const current = await callOpenApi(client, 'GetSecretValue', { SecretName: name });
    expect(current.SecretData).toBe(written.get(current.VersionId));
    const previous = await callOpenApi(client, 'GetSecretValue', { SecretName: name, VersionStage: 'ACSPrevious' });
    expect(previous.SecretData).toBe(written.get(previous.VersionId));
    // Every write, through either door, left exactly one audit line.
    const audit = readFileSync(join(home, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const puts = audit.filter((r) => r.secretName === name && r.operation === 'PutSecretValue' && r.outcome === 'success');
    expect(puts).toHaveLength(36);
  });
});

describe('the AccessKey pairs of the kms-local profiles', () => {
  test('a profile made while the server runs is accepted; the region of a server started later is the profile\'s', async () => {
    const profileHome = makeHome();
    const server = await startServe(profileHome, [], { KMS_LOCAL_SERVE_ACCESS_KEYS: undefined });
    try {
      expect(server.output()).toContain('no AccessKey pair is configured');
      const before = await refusal(callKmsSdk(kmsClient(server.endpoint, 'LTAIprofile1', 'profSecret1'), 'GetRandomPassword', {}));
      expect(before.data).toMatchObject({ Code: 'InvalidAccessKeyId.NotFound' });
      const configure = await runCliAsync(['configure', 'set', '--profile', 'app', '--access-key-id', 'LTAIprofile1', '--access-key-secret', 'profSecret1', '--region', 'cn-shanghai'], { home: profileHome });
      expect(configure.code).toBe(0);
      // The server's default region was settled when it started: cn-hangzhou, as there was no profile.
      await cli2(profileHome, ['kms', 'CreateSecret', '--SecretName', 'in-hangzhou', '--VersionId', 'v1', '--SecretData', 'hz-value', '--region', 'cn-hangzhou']);
      await cli2(profileHome, ['kms', 'CreateSecret', '--SecretName', 'in-shanghai', '--VersionId', 'v1', '--SecretData', 'sh-value']);
      await new Promise((r) => setTimeout(r, 1100)); // the server re-reads the profiles at most once a second
      const read = await callKmsSdk(kmsClient(server.endpoint, 'LTAIprofile1', 'profSecret1'), 'GetSecretValue', { SecretName: 'in-hangzhou' });
      expect(read.SecretData).toBe('hz-value');
      expect(server.output()).not.toContain('profSecret1');
    } finally {
      await server.stop();
    }
    const later = await startServe(profileHome, [], { KMS_LOCAL_SERVE_ACCESS_KEYS: undefined });
    try {
      expect(later.output()).toContain('region cn-shanghai, 1 AccessKey pair(s)');
      const read = await callKmsSdk(kmsClient(later.endpoint, 'LTAIprofile1', 'profSecret1'), 'GetSecretValue', { SecretName: 'in-shanghai' });
      expect(read.SecretData).toBe('sh-value');
    } finally {
      await later.stop();
      removeHome(profileHome);
    }
  });
});

async function cli2(dir: string, args: string[]): Promise<void> {
  const result = await runCliAsync(args, { home: dir });
  if (result.code !== 0) throw new Error(result.stderr);
}

describe('starting and stopping', () => {
  test('a non-loopback address is refused without --allow-remote true', async () => {
    const result = await runCliAsync(['serve', '--host', '0.0.0.0', '--port', '0'], { home });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0');
  });

  test('SIGTERM stops the server gracefully, exit 0', async () => {
    expect(await served.stop('SIGTERM')).toBe(0);
    expect(served.output()).toContain('SIGTERM received');
  });
});

describe('a CLI process stopped while it holds a secret lock', () => {
  /** Whether a process is stopped (state T in /proc/<pid>/stat). */
  const isStopped = (pid: number): boolean => {
    try {
      return /^\d+ \(.*\) T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

  test('stalls only the requests for that secret; the others are answered meanwhile, and it finishes when the holder goes on', async () => {
    // A server of its own: the shared one is stopped by the tests of stopping.
    const server = await startServe(home);
    const client = kmsClient(server.endpoint);
    await cli('CreateSecret', { SecretName: 'held', SecretData: 'held-v1', VersionId: 'v1' });
    await cli('CreateSecret', { SecretName: 'free', SecretData: 'free-v1', VersionId: 'v1' });
    values.push('held-v1', 'free-v1', 'held-v2', 'held-v3');
    const holder = spawnCli(['kms', 'PutSecretValue', '--SecretName', 'held', '--SecretData', 'held-v2', '--VersionId', 'v2'], {
      home,
      env: { KMS_LOCAL_TEST_CRASH_AT: 'after-temp-write:SIGSTOP' },
      timeoutMs: 60_000,
    });
    const deadline = Date.now() + 10_000;
    while (!isStopped(holder.child.pid!)) {
      if (Date.now() > deadline) throw new Error('the holder never stopped');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const waiting = callKmsSdk(client, 'PutSecretValue', { SecretName: 'held', SecretData: 'held-v3', VersionId: 'v3' });
    // Let that request reach the server and wait on the lock before the others are sent.
    await new Promise((resolve) => setTimeout(resolve, 300));
    try {
      const started = Date.now();
      const free = await callKmsSdk(client, 'GetSecretValue', { SecretName: 'free' });
      expect(free.SecretData).toBe('free-v1');
      const other = await callKmsSdk(client, 'PutSecretValue', { SecretName: 'free', SecretData: 'free-v2', VersionId: 'v2' });
      expect(other.VersionId).toBe('v2');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      holder.child.kill('SIGCONT');
    }
    expect((await holder.done).code).toBe(0);
    expect((await waiting).VersionStages.VersionStage).toEqual(['ACSCurrent']);
    const current = await cli('GetSecretValue', { SecretName: 'held' });
    expect(current.VersionId).toBe('v3');
    expect((await cli('GetSecretValue', { SecretName: 'held', VersionStage: 'ACSPrevious' })).VersionId).toBe('v2');
    expect(await server.stop()).toBe(0);
  }, 60_000);
});
