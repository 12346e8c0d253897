/**
 * `kms-local serve --tls` and `--tls-cert/--tls-key`: https for clients that speak nothing else
 * (the Secrets Manager caching clients), with a certificate a client can verify.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { randomUUID } from 'node:crypto';
import { makeHome, removeHome, runCli } from '../support/cli.js';
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, RpcUtil, callOpenApi, openApiClient, startServe, wireTime, type Served } from '../support/serve.js';

const homes: string[] = [];
const servers: Served[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const h of homes) removeHome(h);
});

async function serve(home: string, args: string[]): Promise<Served> {
  const served = await startServe(home, args);
  servers.push(served);
  return served;
}

function certLine(output: string): { path: string; fingerprint: string; isNew: boolean } {
  const match = /TLS certificate (\S+)( \(new\))? SHA-256 ([0-9A-F:]{95})\n/.exec(output);
  if (!match) throw new Error(`no certificate line in: ${output}`);
  return { path: match[1]!, fingerprint: match[3]!, isNew: match[2] !== undefined };
}

describe('serve --tls', () => {
  test('makes a certificate for the address once, keeps it in the home (0600), prints its path and fingerprint; an SDK that trusts it reads a secret', async () => {
    const home = makeHome();
    homes.push(home);
    expect(runCli(['kms', 'CreateSecret', '--SecretName', 'tls-app', '--SecretData', 'over-tls-value', '--VersionId', 'v1'], { home }).code).toBe(0);
    const first = await serve(home, ['--tls']);
    expect(first.output()).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+/);
    const cert = certLine(first.output());
    expect(cert.isNew).toBe(true);
    expect(cert.path).toBe(join(home, 'tls', '127.0.0.1.crt'));
    for (const file of [cert.path, join(home, 'tls', '127.0.0.1.pem')]) expect(statSync(file).mode & 0o777).toBe(0o600);
    const pem = readFileSync(cert.path, 'utf8');
    const x509 = new X509Certificate(pem);
    expect(x509.fingerprint256).toBe(cert.fingerprint);
    expect(createHash('sha256').update(x509.raw).digest('hex').toUpperCase().match(/../g)!.join(':')).toBe(cert.fingerprint);
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.subjectAltName).toContain('DNS:localhost');

    const trusting = openApiClient(first.endpoint, undefined, undefined, undefined, { ca: pem });
    const read = await callOpenApi(trusting, 'GetSecretValue', { SecretName: 'tls-app' });
    expect(read.SecretData).toBe('over-tls-value');
    // Plain http to an https port gets no answer, and a client that does not trust the certificate is refused.
    await expect(callOpenApi(openApiClient(first.endpoint), 'GetSecretValue', { SecretName: 'tls-app' })).rejects.toThrow();
    await expect(callOpenApi(openApiClient(first.endpoint, undefined, undefined, undefined, { ca: '' }), 'GetSecretValue', { SecretName: 'tls-app' })).rejects.toThrow(/certificate/i);

    await first.stop();
    const again = await serve(home, ['--tls']);
    const reused = certLine(again.output());
    expect(reused).toEqual({ path: cert.path, fingerprint: cert.fingerprint, isNew: false });
  });
});

/**
 * One refresh of the Python caching client (aliyun-secret-manager-client): aliyunsdkcore's
 * AcsClient(verify=False) POSTs a V1-signed GetSecretValue over https with VersionStage=ACSCurrent
 * and FetchExtendedConfig=True (str(True)), and does not check the certificate.
 */
function cachingClientRefresh(endpoint: string, secretName: string): Promise<{ status: number; body: any }> {
  const query: Record<string, string> = {
    Action: 'GetSecretValue', Format: 'JSON', Version: '2016-01-20', AccessKeyId: ACCESS_KEY_ID, SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0', SignatureType: '', SignatureNonce: randomUUID(), Timestamp: wireTime(Date.now()), RegionId: 'cn-hangzhou',
    SecretName: secretName, VersionStage: 'ACSCurrent', FetchExtendedConfig: 'True',
  };
  query.Signature = RpcUtil.getSignatureV1(query, 'POST', ACCESS_KEY_SECRET);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`https://${endpoint}/?${new URLSearchParams(query)}`, { method: 'POST', rejectUnauthorized: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject).end();
  });
}

describe('a caching client against serve --tls', () => {
  test('reads a secret over https, and after its refresh sees a rotation made with the CLI', async () => {
    const home = makeHomeTracked();
    const cli = (args: string[]) => runCli(['kms', ...args], { home });
    expect(cli(['CreateSecret', '--SecretName', 'cached/db', '--SecretData', 'before-rotation', '--VersionId', 'v1']).code).toBe(0);
    const served = await serve(home, ['--tls']);
    expect(await cachingClientRefresh(served.endpoint, 'cached/db')).toMatchObject({ status: 200, body: { SecretData: 'before-rotation', VersionId: 'v1' } });
    expect(cli(['PutSecretValue', '--SecretName', 'cached/db', '--SecretData', 'after-rotation', '--VersionId', 'v2']).code).toBe(0);
    // The client's TTL has passed: its next refresh is the same request.
    expect(await cachingClientRefresh(served.endpoint, 'cached/db')).toMatchObject({ status: 200, body: { SecretData: 'after-rotation', VersionId: 'v2' } });
  });
});

describe('serve --tls-cert FILE --tls-key FILE', () => {
  const home = makeHome();
  homes.push(home);
  const dir = makeHome();
  homes.push(dir);

  test('serves https with the given pair', async () => {
    // A pair made by the --tls path of another home stands in for one made by any CA.
    const other = await serve(makeHomeTracked(), ['--tls']);
    const made = certLine(other.output());
    await other.stop();
    const pem = readFileSync(made.path.replace(/\.crt$/, '.pem'), 'utf8');
    const certFile = join(dir, 'server.crt');
    const keyFile = join(dir, 'server.key');
    writeFileSync(certFile, readFileSync(made.path));
    writeFileSync(keyFile, pem.slice(pem.indexOf('-----BEGIN RSA PRIVATE KEY-----')));
    const served = await serve(home, ['--tls-cert', certFile, '--tls-key', keyFile]);
    expect(certLine(served.output())).toEqual({ path: certFile, fingerprint: made.fingerprint, isNew: false });
    const client = openApiClient(served.endpoint, undefined, undefined, undefined, { ca: readFileSync(certFile, 'utf8') });
    expect((await callOpenApi(client, 'ListSecrets', {})).TotalCount).toBe(0);
  });

  test('a key of another certificate, one file without the other, or --tls with files: refused before listening', () => {
    const certFile = join(dir, 'server.crt');
    const stray = join(dir, 'stray.key');
    writeFileSync(stray, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const run = (args: string[]) => runCli(['serve', '--port', '0', ...args], { home });
    expect(run(['--tls-cert', certFile, '--tls-key', stray]).stderr).toMatch(/the key does not belong to the certificate/);
    expect(run(['--tls-cert', certFile]).stderr).toMatch(/--tls-cert and --tls-key go together/);
    expect(run(['--tls', '--tls-cert', certFile, '--tls-key', stray]).stderr).toMatch(/either --tls or --tls-cert/);
    expect(run(['--tls-cert', join(dir, 'missing.crt'), '--tls-key', stray]).stderr).toMatch(/cannot read --tls-cert .*ENOENT/);
    for (const args of [['--tls-cert', certFile, '--tls-key', stray], ['--tls-cert', certFile]]) expect(run(args).code).toBe(1);
  });
});

function makeHomeTracked(): string {
  const home = makeHome();
  homes.push(home);
  return home;
}
