/**
 * The `pg` package, loaded once for the PostgreSQL store and the PostgreSQL rotation adapters.
 * Two costs of every CLI call on a PostgreSQL store are avoided here (measured with the package
 * loaded alone: 22.6 ms before, about 10.5 ms after, plus ~6 ms for the loader):
 * - pg is CommonJS: it is required, not imported, because a first import() starts node's ES
 *   module loader.
 * - At load, pg's lib/stream.js asks whether it runs in a Cloudflare Worker. Where there is no
 *   `navigator` (node 20; node 21 and later have one) it probes `typeof Response`, which loads
 *   node's fetch implementation (undici). A `navigator` naming node is set for that one require
 *   and removed right after; nothing else runs in between.
 */
import { builtinModule } from './builtin-module.js';

export type PgModule = typeof import('pg');

let pg: PgModule | undefined;

export function loadPg(): PgModule {
  if (pg) return pg;
  const require = builtinModule<typeof import('node:module')>('node:module').createRequire(import.meta.url);
  const shim = !('navigator' in globalThis);
  if (shim) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.version}` }, configurable: true });
  try {
    pg = require('pg') as PgModule;
  } finally {
    if (shim) delete (globalThis as { navigator?: unknown }).navigator;
  }
  return pg;
}
