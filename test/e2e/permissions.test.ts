/**
 * Per-caller permissions (issue 13 item 4): a profile is a RAM user; policies attached with
 * `configure set --policy` / `--policy-document` restrict what its AccessKey may do through `serve`
 * and what `run` may read as it; secret policies grant more or deny; a refusal is HTTP 403
 * Forbidden.NoPermission with an audit line naming the caller.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, removeHome, runCli } from '../support/cli.js';
import { signedV1, startServe, type Served } from '../support/serve.js';

const home = makeHome();
const env = { KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 11).toString('base64') };
const READER = { accessKeyId: 'LTAIreader000000000001', secret: 'reader-secret-Xy7' };
const ADMIN = { accessKeyId: 'LTAIadmin0000000000001', secret: 'admin-secret-Kq2' };
const APP_READER = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['kms:GetSecretValue', 'kms:DescribeSecret'], Resource: ['acs:kms:*:*:secret/app/*'] }],
});
let serve: Served;

const cli = (...args: string[]) => runCli(args, { home, env });
const call = (who: { accessKeyId: string; secret: string }, action: string, params: Record<string, string>) =>
  signedV1(serve.endpoint, action, params, { accessKeyId: who.accessKeyId, secret: who.secret });
const auditLines = () => readFileSync(join(home, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

beforeAll(async () => {
  for (const args of [
    ['configure', 'set', '--profile', 'admin', '--access-key-id', ADMIN.accessKeyId, '--access-key-secret', ADMIN.secret, '--region', 'cn-hangzhou'],
    ['configure', 'set', '--profile', 'reader', '--access-key-id', READER.accessKeyId, '--access-key-secret', READER.secret, '--region', 'cn-hangzhou', '--policy-document', APP_READER],
    ['kms', 'CreateSecret', '--SecretName', 'app/x', '--SecretData', 'app-value', '--VersionId', 'v1'],
    ['kms', 'CreateSecret', '--SecretName', 'other/y', '--SecretData', 'other-value', '--VersionId', 'v1'],
  ]) {
    const result = cli(...args);
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
  }
  serve = await startServe(home, [], env);
});

afterAll(async () => {
  await serve?.stop();
  removeHome(home);
});

describe('through serve', () => {
  test('a reader limited to secret/app/* reads app/x', async () => {
    const read = await call(READER, 'GetSecretValue', { SecretName: 'app/x' });
    expect({ status: read.status, data: read.body.SecretData }).toEqual({ status: 200, data: 'app-value' });
  });

  test('and gets 403 Forbidden.NoPermission on anything else, audited with its name', async () => {
    const refused = await call(READER, 'GetSecretValue', { SecretName: 'other/y' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ Code: 'Forbidden.NoPermission', HttpStatus: 403 });
    expect(refused.body.Message).toContain('user/reader');
    expect(JSON.stringify(refused.body)).not.toContain('other-value');
    const written = await call(READER, 'PutSecretValue', { SecretName: 'app/x', SecretData: 'nope', VersionId: 'v2' });
    expect(written.body.Code).toBe('Forbidden.NoPermission');
    const denials = auditLines().filter((l) => l.errorCode === 'Forbidden.NoPermission');
    expect(denials.map((l) => [l.operation, l.secretName, l.caller])).toEqual([
      ['GetSecretValue', 'other/y', `reader/${READER.accessKeyId}`],
      ['PutSecretValue', 'app/x', `reader/${READER.accessKeyId}`],
    ]);
  });

  test('until a secret policy grants it; an explicit Deny in one binds even an unrestricted caller', async () => {
    const grant = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: ['acs:ram::*:user/reader'] }, Action: ['kms:GetSecretValue'], Resource: ['*'] }] });
    expect((await call(ADMIN, 'SetSecretPolicy', { SecretName: 'other/y', Policy: grant })).status).toBe(200);
    const read = await call(READER, 'GetSecretValue', { SecretName: 'other/y' });
    expect({ status: read.status, data: read.body.SecretData }).toEqual({ status: 200, data: 'other-value' });

    const deny = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Principal: { RAM: ['acs:ram::*:user/admin'] }, Action: ['kms:PutSecretValue'], Resource: ['*'] }] });
    expect((await call(ADMIN, 'SetSecretPolicy', { SecretName: 'other/y', Policy: deny })).status).toBe(200);
    expect((await call(ADMIN, 'PutSecretValue', { SecretName: 'other/y', SecretData: 'v2', VersionId: 'v2' })).body.Code).toBe('Forbidden.NoPermission');
  });

  test('each ResourceId.N of a call is a resource of its own: a Deny on one refuses the call', async () => {
    const deny = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Principal: { RAM: ['acs:ram::*:user/admin'] }, Action: ['kms:TagResources'], Resource: ['*'] }] });
    expect((await call(ADMIN, 'SetSecretPolicy', { SecretName: 'other/y', Policy: deny })).status).toBe(200);
    const tag = (ids: Record<string, string>) => call(ADMIN, 'TagResources', { ResourceType: 'secret', ...ids, 'Tag.1.Key': 'team', 'Tag.1.Value': 'a' });
    expect((await tag({ 'ResourceId.1': 'app/x' })).status).toBe(200);
    const refused = await tag({ 'ResourceId.1': 'app/x', 'ResourceId.2': 'other/y' });
    expect({ status: refused.status, code: refused.body.Code }).toEqual({ status: 403, code: 'Forbidden.NoPermission' });
    expect(refused.body.Message).toContain('secret/other/y');
  });

  test('a profile with no policy keeps full access, and every call names its caller in the audit trail', async () => {
    const put = await call(ADMIN, 'PutSecretValue', { SecretName: 'app/x', SecretData: 'app-value-2', VersionId: 'v2' });
    expect(put.status).toBe(200);
    const line = auditLines().find((l) => l.operation === 'PutSecretValue' && l.outcome === 'success');
    expect(line?.caller).toBe(`admin/${ADMIN.accessKeyId}`);
  });

  test('a system policy attached while serve runs takes effect (AliyunKMSSecretUserAccess reads, cannot write)', async () => {
    expect(cli('configure', 'set', '--profile', 'admin', '--policy', 'AliyunKMSSecretUserAccess').code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100)); // serve re-reads the profiles at most once a second
    expect((await call(ADMIN, 'GetSecretValue', { SecretName: 'app/x' })).body.SecretData).toBe('app-value-2');
    expect((await call(ADMIN, 'DeleteSecret', { SecretName: 'app/x' })).body.Code).toBe('Forbidden.NoPermission');
    expect(cli('configure', 'set', '--profile', 'admin', '--policy', 'none').code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(ADMIN, 'DescribeSecret', { SecretName: 'app/x' })).status).toBe(200);
  });
});

describe('through run', () => {
  test('run as a restricted profile hands over what it may read and refuses the rest', () => {
    const ok = runCli(['run', '--profile', 'reader', '--SecretName', 'app/x', '--', 'sh', '-c', 'test -n "$APP_X"'], { home, env });
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    const refused = runCli(['run', '--profile', 'reader', '--SecretName', 'other/z', '--', 'true'], { home, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Forbidden.NoPermission');
  });
});

describe('configure set attaching policies', () => {
  test('an unknown system policy is refused with a suggestion (exit 2, as an unknown name is)', () => {
    const result = cli('configure', 'set', '--profile', 'reader', '--policy', 'AliyunKMSSecretUserAcess');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a system policy of KMS/);
    expect(result.stdout).toContain('AliyunKMSSecretUserAccess');
  });

  test.each([
    ['none with another name', ['--policy', 'none', '--policy', 'AliyunKMSFullAccess'], /give it alone/],
    ['a document that is not JSON', ['--policy-document', '{'], /not valid JSON/],
    ['a document with a Principal', ['--policy-document', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] })], /Principal/],
    ['a document with another service', ['--policy-document', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] })], /kms actions/],
  ])('refused: %s, and the profile file unchanged', (_what, flags, message) => {
    const before = readFileSync(join(home, 'config.json'), 'utf8');
    const result = cli('configure', 'set', '--profile', 'reader', ...flags);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(before);
  });

  test('--policy-document-FILE attaches a document from a file, shown by configure get', () => {
    const file = join(home, 'policy.json');
    writeFileSync(file, JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:ListSecrets', Resource: '*' }] }));
    expect(cli('configure', 'set', '--profile', 'lister', '--region', 'cn-hangzhou', '--policy-document-FILE', file).code).toBe(0);
    const shown = JSON.parse(cli('configure', 'get', '--profile', 'lister').stdout);
    expect(shown.policy_documents).toHaveLength(1);
    expect(JSON.parse(shown.policy_documents[0]).Statement[0].Action).toBe('kms:ListSecrets');
  });
});
