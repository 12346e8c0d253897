/**
 * Keys through `kms-local serve` and the SDKs: a key made and disabled over the wire refuses the
 * secrets it seals with the service's code and HTTP status (Rejected.Disabled, 409), and EnableKey
 * makes them readable again. (test/e2e/sdk-wire.test.ts replays every operation's wire form.)
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { makeHome, removeHome } from '../support/cli.js';
import { callOpenApi, openApiClient, startServe, type Served } from '../support/serve.js';

let home: string;
let served: Served;
let client: any;

beforeAll(async () => {
  home = makeHome();
  served = await startServe(home);
  client = openApiClient(served.endpoint);
}, 30_000);

afterAll(async () => {
  await served.stop();
  removeHome(home);
});

/** The error an ACS3-signed call is answered with. */
async function refusal(action: string, params: Record<string, string>): Promise<{ code: string; status: number }> {
  try {
    await callOpenApi(client, action, params);
  } catch (err) {
    const e = err as { code?: string; statusCode?: number; data?: { Code?: string; statusCode?: number } };
    return { code: e.code ?? e.data?.Code ?? '', status: e.statusCode ?? e.data?.statusCode ?? 0 };
  }
  throw new Error(`${action} was not refused`);
}

test('a secret sealed by a key disabled over the wire: Rejected.Disabled with HTTP 409, readable again after EnableKey', async () => {
  const created = await callOpenApi(client, 'CreateKey', { KeySpec: 'Aliyun_AES_256', Description: 'over the wire' });
  const keyId: string = created.KeyMetadata.KeyId;
  expect(created.KeyMetadata).toMatchObject({ KeySpec: 'Aliyun_AES_256', KeyState: 'Enabled', KeyUsage: 'ENCRYPT/DECRYPT' });
  await callOpenApi(client, 'CreateAlias', { AliasName: 'alias/wire', KeyId: keyId });
  await callOpenApi(client, 'CreateSecret', { SecretName: 'wire/sealed', VersionId: 'v1', SecretData: 'sealed-by-a-key', EncryptionKeyId: 'alias/wire' });
  expect((await callOpenApi(client, 'DescribeSecret', { SecretName: 'wire/sealed' })).EncryptionKeyId).toBe(keyId);
  expect((await callOpenApi(client, 'GetSecretValue', { SecretName: 'wire/sealed' })).SecretData).toBe('sealed-by-a-key');
  await callOpenApi(client, 'DisableKey', { KeyId: keyId });
  expect(await refusal('GetSecretValue', { SecretName: 'wire/sealed' })).toEqual({ code: 'Rejected.Disabled', status: 409 });
  expect(await refusal('DescribeKey', { KeyId: 'key-000000000000000000000000' })).toEqual({ code: 'Forbidden.KeyNotFound', status: 404 });
  await callOpenApi(client, 'EnableKey', { KeyId: keyId });
  expect((await callOpenApi(client, 'GetSecretValue', { SecretName: 'wire/sealed' })).SecretData).toBe('sealed-by-a-key');
});
