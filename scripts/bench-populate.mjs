// Fills a kms-local home with secrets for the benchmarks, in-process through the same CreateSecret
// handler the CLI runs (after npm run build).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_MASTER_KEY = Buffer.alloc(32, 9).toString('base64');

/**
 * Creates one secret per name, each with `valueOf(name, index)` as version v1, in the home's store
 * (`store`: a postgresql:// URL for the PostgreSQL store, else the home's files).
 */
export async function populateHome(home, names, valueOf = () => 'bench-value-0123456789abcdefghijklmnopq', store = undefined) {
  process.env.KMS_LOCAL_MASTER_KEY = BENCH_MASTER_KEY;
  const { Home } = await import(join(root, 'dist/store/home.js'));
  const { createContext } = await import(join(root, 'dist/api/context.js'));
  const { closeBackendOf } = await import(join(root, 'dist/store/open-backend.js'));
  const { handler } = await import(join(root, 'dist/api/handlers/create-secret.js'));
  const opened = new Home({ KMS_LOCAL_HOME: home, KMS_LOCAL_MASTER_KEY: BENCH_MASTER_KEY, ...(store ? { KMS_LOCAL_STORE: store } : {}) });
  const ctx = createContext(opened, 'cn-hangzhou', Date.now());
  try {
    for (const [index, name] of names.entries()) {
      await handler(ctx, { SecretName: name, VersionId: 'v1', SecretData: valueOf(name, index) });
    }
  } finally {
    await closeBackendOf(opened);
  }
}
