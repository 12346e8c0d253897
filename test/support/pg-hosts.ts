/**
 * A team's hosts for store-level tests on PostgreSQL: each `hostHome` is a home of its own (one
 * host), each `pgBackend` that host's store on a database of the test server. Every backend is
 * closed and every home removed after the last test of the file (or describe) that made them.
 */
import { afterAll } from '@jest/globals';
import { Home } from '../../src/store/home.js';
import { PgBackend } from '../../src/store/pg/backend.js';
import { makeHome, removeHome } from './cli.js';

type Env = Record<string, string | undefined>;
type Limits = ConstructorParameters<typeof PgBackend>[2]['limits'];

export interface PgHosts {
  /** A home standing for one host, with `env` (the team's master key, by default the one given to pgHosts). */
  hostHome(env?: Env): Home;
  pgBackend(home: Home, url: string, limits?: Limits): PgBackend;
}

export function pgHosts(options: { poolMax: number; env?: Env }): PgHosts {
  const homes: string[] = [];
  const backends: PgBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
    homes.forEach(removeHome);
  });
  return {
    hostHome(env = options.env ?? {}) {
      const root = makeHome();
      homes.push(root);
      return new Home({ KMS_LOCAL_HOME: root, ...env });
    },
    pgBackend(home, url, limits) {
      const backend = new PgBackend(home, url, { poolMax: options.poolMax, limits });
      backends.push(backend);
      return backend;
    },
  };
}
