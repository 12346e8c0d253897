/**
 * `kms-local serve` and the store it shares with CLI processes (issue 10 points 13 and 14):
 *   - a CLI process stopped (SIGSTOP) while it holds a region's metadata index lock does not freeze
 *     the server: reads (GetSecretValue, ListSecrets) answer at once; writes wait without blocking
 *     anyone and go through when the holder is continued;
 *   - `kms-local rekey` while the server runs: the server reads the new master key and keeps
 *     answering reads and writes.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, removeHome, runCli, runCliAsync, withoutKeyNotice, type CliResult } from '../support/cli.js';
import { signedV1, startServe, type Served } from '../support/serve.js';
import { isStopped, sleep, spawnCli } from '../support/workload.js';

const homes: string[] = [];
const servers: Served[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  homes.forEach(removeHome);
});

function ok(result: CliResult): any {
  expect({ code: result.code, stderr: withoutKeyNotice(result.stderr) }).toEqual({ code: 0, stderr: '' });
  return result.json;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

async function serving(): Promise<{ home: string; server: Served }> {
  const home = makeHome();
  homes.push(home);
  const server = await startServe(home);
  servers.push(server);
  return { home, server };
}

describe('a CLI process stopped holding the metadata index lock', () => {
  test('reads are answered at once; a write waits without blocking them, and is done when the holder continues', async () => {
    const { home, server } = await serving();
    for (const name of ['a', 'b']) ok(runCli(['kms', 'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretData', `${name}-value`], { home }));
    // The first ListSecrets builds the index: stopped at its first write, it holds the index lock.
    rmSync(join(home, 'store', 'cn-hangzhou', '.index'), { recursive: true, force: true });
    const holder = spawnCli(['kms', 'ListSecrets'], { home, env: { KMS_LOCAL_TEST_CRASH_AT: 'after-temp-write:1:SIGSTOP' } });
    const deadline = Date.now() + 10_000;
    while (!isStopped(holder.child.pid!)) {
      if (Date.now() > deadline) throw new Error('the holder did not stop');
      await sleep(10);
    }
    try {
      const write = timed(() => signedV1(server.endpoint, 'PutSecretValue', { SecretName: 'b', VersionId: 'v2', SecretData: 'b-2' }));
      await sleep(200);
      const read = await timed(() => signedV1(server.endpoint, 'GetSecretValue', { SecretName: 'a' }));
      expect(read.value.body.SecretData).toBe('a-value');
      expect(read.ms).toBeLessThan(2_000);
      const list = await timed(() => signedV1(server.endpoint, 'ListSecrets', {}));
      expect(list.value.body.SecretList.Secret.map((s: any) => s.SecretName)).toEqual(['a', 'b']);
      expect(list.ms).toBeLessThan(2_000);
      await sleep(500);
      holder.child.kill('SIGCONT');
      const written = await write;
      expect(written.value.status).toBe(200);
      expect(ok(await holder.done).TotalCount).toBe(2);
      expect(ok(runCli(['kms', 'GetSecretValue', '--SecretName', 'b'], { home })).SecretData).toBe('b-2');
    } finally {
      holder.child.kill('SIGCONT');
    }
  }, 60_000);
});

describe('kms-local rekey while serve runs', () => {
  test('the server reads the new master key: reads and writes go on, before, during (a rekey left half-done) and after', async () => {
    const { home, server } = await serving();
    for (const name of ['a', 'b', 'c']) ok(runCli(['kms', 'CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretData', `${name}-value`], { home }));
    const get = async (name: string) => (await signedV1(server.endpoint, 'GetSecretValue', { SecretName: name })).body;
    expect((await get('a')).SecretData).toBe('a-value');

    // A rekey that stops half-way (killed after its first secret): both keys are in use.
    const half = await spawnCli(['rekey', '--yes'], { home, env: { KMS_LOCAL_TEST_CRASH_AT: 'after-rename:2' } }).done;
    expect(half.signal).toBe('SIGKILL');
    for (const name of ['a', 'b', 'c']) expect((await get(name)).SecretData).toBe(`${name}-value`);

    ok(await runCliAsync(['rekey', '--yes'], { home }));
    for (const name of ['a', 'b', 'c']) expect((await get(name)).SecretData).toBe(`${name}-value`);
    const put = await signedV1(server.endpoint, 'PutSecretValue', { SecretName: 'a', VersionId: 'v2', SecretData: 'a-2' });
    expect(put.status).toBe(200);
    expect(ok(runCli(['kms', 'GetSecretValue', '--SecretName', 'a'], { home })).SecretData).toBe('a-2');
    expect((await get('a')).SecretData).toBe('a-2');
    expect(server.output()).not.toMatch(/IntegrityCheckFailed|InternalFailure/);
  }, 60_000);
});
