/**
 * Which store a home uses: KMS_LOCAL_STORE when set, else the profile file's `store` setting
 * (`kms-local configure set --store URL`), else the home's own encrypted files. A
 * `postgresql://` (or `postgres://`) URL names a PostgreSQL database shared by a team's hosts.
 *
 * The PostgreSQL store sits behind the lazy module boundary (src/lazy.ts): a home on files never
 * loads it, and a home on PostgreSQL loads it, connects and migrates only when a store operation
 * runs (not for --help or a dry run). The deferred classes here stand in for it until then.
 */
import type { Home } from './home.js';
import { CliError } from '../errors/errors.js';
import { isStoreUrl } from './store-url.js';
import { CONFIG_FILE, readProfileFile } from '../config/profile-read.js';
import { FileBackend, type AuditSink, type NonceClaims, type PrincipalStorage, type AliasRecord, type KeyMutation, type KeyStorage, type Mutation, type SecretStorage, type StoreBackend, type StoreOptions } from './backend.js';
import { openKeyMaterial, sealKeyMaterial } from './key-file.js';
import type { KeyRecord, KeyVersionRecord } from '../core/keys.js';
import type { SecretRecord } from '../core/model.js';
import type { Keyring } from '../crypto/envelope.js';
import type { TargetRegistry } from '../targets/registry.js';

const backends = new WeakMap<Home, StoreBackend>();

/** Who uses the store: one CLI call needs a connection or two, `serve` a pool of them. */
export type StoreUse = 'cli' | 'server';
const POOL_MAX: Record<StoreUse, number> = { cli: 2, server: 10 };

/** The PostgreSQL URL the home's store is at, or undefined for the home's files. */
export function storeUrlOf(home: Home): string | undefined {
  const variable = home.variable('KMS_LOCAL_STORE');
  // Set but empty is a mistake (a CI secret left unfilled), never a quiet fall-back to files.
  if (variable !== undefined && variable.trim() === '') {
    throw new CliError("KMS_LOCAL_STORE is set but empty: set it to a postgresql:// URL, or to 'files', or unset it.");
  }
  const setting = variable ?? readProfileFile(home.path(CONFIG_FILE)).store;
  if (setting === undefined || setting === 'files') return undefined;
  if (!isStoreUrl(setting)) {
    // The value is not echoed: it may hold a password.
    const where = variable !== undefined ? 'KMS_LOCAL_STORE' : `the store setting of ${home.path(CONFIG_FILE)}`;
    throw new CliError(`${where} must be a postgresql:// (or postgres://) URL, or 'files'.`);
  }
  return setting;
}

/** The home's store, made once per home object; nothing is connected or written until it is used. */
export function backendOf(home: Home, use: StoreUse = 'cli'): StoreBackend {
  let backend = backends.get(home);
  if (!backend) {
    const url = storeUrlOf(home);
    backend = url === undefined ? new FileBackend(home) : new DeferredPgBackend(home, url, POOL_MAX[use]);
    backends.set(home, backend);
  }
  return backend;
}

/** Uses `backend` for `home` from now on (a server that opened it, a copy between stores). */
export function setBackend(home: Home, backend: StoreBackend): void {
  backends.set(home, backend);
}

/** Closes the home's store if one was made (the CLI, before it exits: no connection is left open). */
export async function closeBackendOf(home: Home): Promise<void> {
  await backends.get(home)?.close();
}

/** The PostgreSQL store, loaded (src/lazy.ts) on the first call that needs it. */
class DeferredPgBackend implements StoreBackend {
  readonly kind = 'postgresql' as const;
  private loading: Promise<StoreBackend> | undefined;

  constructor(
    private readonly home: Home,
    private readonly url: string,
    private readonly poolMax: number,
  ) {}

  /** The real backend (every method of the deferred storages awaits it). */
  real(): Promise<StoreBackend> {
    this.loading ??= import('../lazy.js').then(({ newPgBackend }) => newPgBackend(this.home, this.url, { poolMax: this.poolMax }));
    return this.loading;
  }

  secrets(region: string, nowMs: () => number, options?: StoreOptions): SecretStorage {
    return new DeferredSecretStorage(region, () => this.real().then((b) => b.secrets(region, nowMs, options)));
  }

  keys(region: string, nowMs: () => number): KeyStorage {
    return new DeferredKeyStorage(this.home, region, () => this.real().then((b) => b.keys(region, nowMs)));
  }

  principals(): PrincipalStorage {
    const real = once(() => this.real().then((b) => b.principals()));
    return {
      list: async () => (await real()).list(),
      get: async (profile) => (await real()).get(profile),
      byAccessKeyId: async (id) => (await real()).byAccessKeyId(id),
      put: async (profile, change) => (await real()).put(profile, change),
      remove: async (profile) => (await real()).remove(profile),
      moveUnder: async (profile, keys) => (await real()).moveUnder(profile, keys),
    };
  }

  targets(): TargetRegistry {
    const real = once(() => this.real().then((b) => b.targets()));
    return {
      list: async () => (await real()).list(),
      find: async (kind, instanceId) => (await real()).find(kind, instanceId),
      put: async (target) => (await real()).put(target),
      remove: async (kind, instanceId) => (await real()).remove(kind, instanceId),
      learnHostKey: async (instanceId, fingerprint) => (await real()).learnHostKey(instanceId, fingerprint),
      moveUnder: async (kind, instanceId, keys) => (await real()).moveUnder(kind, instanceId, keys),
    };
  }

  audit(): AuditSink {
    const real = once(() => this.real().then((b) => b.audit()));
    return {
      append: async (record) => (await real()).append(record),
      read: async () => (await real()).read(),
    };
  }

  nonces(): NonceClaims {
    const real = once(() => this.real().then((b) => b.nonces!()));
    return { claim: async (accessKeyId, nonceHash, expiresAtMs) => (await real()).claim(accessKeyId, nonceHash, expiresAtMs) };
  }

  async open(): Promise<void> {
    await (await this.real()).open();
  }

  async regions(): Promise<string[]> {
    return (await this.real()).regions();
  }

  async close(): Promise<void> {
    // Nothing to close when the store was never loaded.
    if (this.loading) await (await this.loading).close();
  }
}

/** Memoises the storage a deferred one stands for. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

class DeferredSecretStorage implements SecretStorage {
  private readonly real: () => Promise<SecretStorage>;
  constructor(
    readonly region: string,
    make: () => Promise<SecretStorage>,
  ) {
    this.real = once(make);
  }
  async peek(name: string) {
    return (await this.real()).peek(name);
  }
  async get(name: string) {
    return (await this.real()).get(name);
  }
  async mutate<T>(name: string, change: (current: SecretRecord | undefined) => Mutation<T>): Promise<T> {
    return (await this.real()).mutate(name, change);
  }
  async list() {
    return (await this.real()).list();
  }
  async listing() {
    return (await this.real()).listing();
  }
  async names() {
    return (await this.real()).names();
  }
  async writable(name: string | undefined) {
    return (await this.real()).writable(name);
  }
  async moveUnder(name: string, keys: Keyring) {
    return (await this.real()).moveUnder(name, keys);
  }
}

class DeferredKeyStorage implements KeyStorage {
  private readonly real: () => Promise<KeyStorage>;
  constructor(
    private readonly home: Home,
    readonly region: string,
    make: () => Promise<KeyStorage>,
  ) {
    this.real = once(make);
  }
  async peek(keyId: string) {
    return (await this.real()).peek(keyId);
  }
  async get(keyId: string) {
    return (await this.real()).get(keyId);
  }
  async mutate<T>(keyId: string, change: (current: KeyRecord | undefined) => KeyMutation<T>): Promise<T> {
    return (await this.real()).mutate(keyId, change);
  }
  async list() {
    return (await this.real()).list();
  }
  async keyIds() {
    return (await this.real()).keyIds();
  }
  async readAliases() {
    return (await this.real()).readAliases();
  }
  async mutateAliases<T>(change: (aliases: AliasRecord[]) => { next?: AliasRecord[]; result: T }): Promise<T> {
    return (await this.real()).mutateAliases(change);
  }
  async resolve(reference: string, account: string) {
    return (await this.real()).resolve(reference, account);
  }
  // Sealing needs the master key only, never the database.
  sealMaterial(keyId: string, keyVersionId: string, material: Buffer) {
    return sealKeyMaterial(this.home.writeKeys(), keyId, keyVersionId, material);
  }
  openMaterial(key: KeyRecord, version: KeyVersionRecord) {
    return openKeyMaterial(this.home, key, version);
  }
  async moveUnder(keyId: string, keys: Keyring) {
    return (await this.real()).moveUnder(keyId, keys);
  }
  async moveAliasesUnder(keys: Keyring) {
    return (await this.real()).moveAliasesUnder(keys);
  }
}
