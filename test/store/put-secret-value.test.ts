// PutSecretValue reads a secret under the master key once, under its lock, and seals the value
// there; one under a customer key is read first to seal under that key, then written in a second
// locked pass. Both on the file store, counting the calls the handler makes to it.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Home } from '../../src/store/home.js';
import { createContext, type Context } from '../../src/api/context.js';
import { closeBackendOf } from '../../src/store/open-backend.js';
import { handler as createSecret } from '../../src/api/handlers/create-secret.js';
import { handler as createKey } from '../../src/api/handlers/create-key.js';
import { handler as putSecretValue } from '../../src/api/handlers/put-secret-value.js';
import { handler as getSecretValue } from '../../src/api/handlers/get-secret-value.js';

const root = mkdtempSync(join(tmpdir(), 'kms-local-put-'));
const home = new Home({ KMS_LOCAL_HOME: root, KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });
afterAll(async () => {
  await closeBackendOf(home);
  rmSync(root, { recursive: true, force: true });
});

/**
 * A request context whose store counts what the handler asks of it; `afterFirstMutate` runs once
 * the handler's first locked pass is done (another process acting between its two passes).
 */
function countingContext(afterFirstMutate?: () => Promise<void>): { ctx: Context; calls: Record<string, number> } {
  const ctx = createContext(home, 'cn-hangzhou', Date.now());
  const calls: Record<string, number> = {};
  const store = ctx.store;
  ctx.store = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
        if (prop === 'mutate' && calls.mutate === 1) await afterFirstMutate?.();
        return result;
      };
    },
  });
  return { ctx, calls };
}

async function valueOf(name: string): Promise<unknown> {
  const result = (await getSecretValue(createContext(home, 'cn-hangzhou', Date.now()), { SecretName: name })) as Record<string, unknown>;
  return result.SecretData;
}

describe('PutSecretValue', () => {
  test('a secret under the master key is read once, under its lock, and the new version is current', async () => {
    await createSecret(createContext(home, 'cn-hangzhou', Date.now()), { SecretName: 'app/plain', VersionId: 'v1', SecretData: 'one' });
    const { ctx, calls } = countingContext();
    await putSecretValue(ctx, { SecretName: 'app/plain', VersionId: 'v2', SecretData: 'two' });
    expect(calls).toEqual({ mutate: 1 });
    expect(await valueOf('app/plain')).toBe('two');
  });

  test('a secret under a customer key is read before sealing, then written under its lock', async () => {
    const key = (await createKey(createContext(home, 'cn-hangzhou', Date.now()), {})) as { KeyMetadata: { KeyId: string } };
    await createSecret(createContext(home, 'cn-hangzhou', Date.now()), { SecretName: 'app/keyed', VersionId: 'v1', SecretData: 'one', EncryptionKeyId: key.KeyMetadata.KeyId });
    const { ctx, calls } = countingContext();
    await putSecretValue(ctx, { SecretName: 'app/keyed', VersionId: 'v2', SecretData: 'two' });
    expect(calls).toEqual({ mutate: 2 });
    expect(await valueOf('app/keyed')).toBe('two');
  });

  test('a secret made again under another key between the two passes is refused, and nothing is written', async () => {
    const key = (await createKey(createContext(home, 'cn-hangzhou', Date.now()), {})) as { KeyMetadata: { KeyId: string } };
    await createSecret(createContext(home, 'cn-hangzhou', Date.now()), { SecretName: 'app/remade', VersionId: 'v1', SecretData: 'one', EncryptionKeyId: key.KeyMetadata.KeyId });
    const remake = async () => {
      const other = createContext(home, 'cn-hangzhou', Date.now());
      await other.store.mutate('app/remade', () => ({ next: null, result: undefined }));
      await createSecret(other, { SecretName: 'app/remade', VersionId: 'v1', SecretData: 'again' });
    };
    const { ctx } = countingContext(remake);
    await expect(putSecretValue(ctx, { SecretName: 'app/remade', VersionId: 'v2', SecretData: 'two' })).rejects.toMatchObject({ code: 'ServiceUnavailableTemporary' });
    expect(await valueOf('app/remade')).toBe('again');
  });

  test('a version id already used with other data is refused, and nothing is written', async () => {
    const { ctx } = countingContext();
    await expect(putSecretValue(ctx, { SecretName: 'app/plain', VersionId: 'v2', SecretData: 'other' })).rejects.toMatchObject({ code: 'Rejected.ResourceExist' });
    expect(await valueOf('app/plain')).toBe('two');
  });
});
