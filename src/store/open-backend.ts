/**
 * Which store a home uses: KMS_LOCAL_STORE when set, else the profile file's `store` setting
 * (`kms-local configure set --store URL`), else the home's own encrypted files. A
 * `postgresql://` (or `postgres://`) URL names a PostgreSQL database shared by a team's hosts.
 */
import type { Home } from './home.js';
import { FileBackend, type StoreBackend } from './backend.js';

const backends = new WeakMap<Home, StoreBackend>();

/** The home's store, made once per home object; nothing is connected or written until it is used. */
export function backendOf(home: Home): StoreBackend {
  let backend = backends.get(home);
  if (!backend) {
    backend = new FileBackend(home);
    backends.set(home, backend);
  }
  return backend;
}

/** Uses `backend` for `home` from now on (a server that opened it, a copy between stores). */
export function setBackend(home: Home, backend: StoreBackend): void {
  backends.set(home, backend);
}
