/**
 * The store interface the operations use (docs/design.md §3), and its embedded implementation:
 * the encrypted files of one home. The PostgreSQL implementation (src/store/pg/) keeps the same
 * contract, and one contract suite under test/store/ holds both to it.
 *
 * The interface is asynchronous: a database answers over the network. A read-modify-write is
 * `mutate(name, change)`: the store reads the current record under an exclusive lock (a lock file
 * here, `SELECT ... FOR UPDATE` in a transaction there), calls `change` (synchronous and pure: the
 * core decides, sealing and key lookups happen before), and writes what it returns, or nothing.
 * Records hold only ciphertext and MACs: values and key material are sealed under the master key
 * on the host, whichever store keeps them.
 */
import type { ListedSecret, SecretMetadata, SecretRecord } from '../core/model.js';
import type { KeyRecord, KeyVersionRecord } from '../core/keys.js';
import type { EncryptedPayload } from '../core/model.js';
import type { Keyring } from '../crypto/envelope.js';
import type { Home } from './home.js';
import { SecretStore, type Mutation, type StoreOptions } from './store.js';
import { KeyStore, type AliasRecord, type KeyMutation } from './key-store.js';
import { FilePrincipalStorage, type PrincipalStorage } from './principals.js';
import { FileTargetRegistry, type TargetRegistry } from '../targets/registry.js';
import { FileAuditSink, type AuditSink } from '../audit/audit-sink.js';

export type { Mutation, StoreOptions } from './store.js';
export type { AliasRecord, KeyMutation } from './key-store.js';
export type { PrincipalStorage } from './principals.js';
export type { AuditSink } from '../audit/audit-sink.js';

/** The secrets of one region. */
export interface SecretStorage {
  readonly region: string;
  /** The secret as stored, whatever its deletion state; nothing is purged (for authorization). */
  peek(name: string): Promise<SecretRecord | undefined>;
  /** The secret, or undefined; one past its deletion date is purged on the way (by the real clock). */
  get(name: string): Promise<SecretRecord | undefined>;
  /** Read-modify-write of one secret under an exclusive lock. */
  mutate<T>(name: string, change: (current: SecretRecord | undefined) => Mutation<T>): Promise<T>;
  /** The metadata of every present secret of the region (expired ones are left out, and purged). */
  list(): Promise<SecretMetadata[]>;
  /** The same secrets as list(), each with its metadata read only when asked (ListSecrets shows one page). */
  listing(): Promise<ListedSecret[]>;
  /** The name of every stored secret, whatever its state (for scans and copies). */
  names(): Promise<string[]>;
  /**
   * Resolves once a write of `name` would not wait on another process (a long-lived server waits
   * here rather than in a lock that blocks its event loop). Stores that never block just resolve.
   */
  writable(name: string | undefined): Promise<void>;
  /**
   * For `rekey`: moves the secret, whatever its state, under `keys` in one locked write (both keys
   * must be known to the home); false when it is gone or already there.
   */
  moveUnder(name: string, keys: Keyring): Promise<boolean>;
}

/** The keys (customer master keys) and aliases of one region. */
export interface KeyStorage {
  readonly region: string;
  /** The key as stored, whatever its deletion state; nothing is purged (for copies). */
  peek(keyId: string): Promise<KeyRecord | undefined>;
  /** The key, or undefined when there is none or it is past its deletion date. */
  get(keyId: string): Promise<KeyRecord | undefined>;
  mutate<T>(keyId: string, change: (current: KeyRecord | undefined) => KeyMutation<T>): Promise<T>;
  /** Every key of the region, sorted by id; keys past their deletion date are left out. */
  list(): Promise<KeyRecord[]>;
  /** The id of every stored key, sorted (for scans and copies). */
  keyIds(): Promise<string[]>;
  /** Every alias whose key exists, sorted by name. */
  readAliases(): Promise<AliasRecord[]>;
  mutateAliases<T>(change: (aliases: AliasRecord[]) => { next?: AliasRecord[]; result: T }): Promise<T>;
  /** The key an id, key ARN, alias or alias ARN names (Forbidden.KeyNotFound / AliasNotFound). */
  resolve(reference: string, account: string): Promise<KeyRecord>;
  /** Seals / opens key material under the master key (no I/O). */
  sealMaterial(keyId: string, keyVersionId: string, material: Buffer): EncryptedPayload;
  openMaterial(key: KeyRecord, version: KeyVersionRecord): Buffer;
  /** For `rekey`: moves the key (its material and MAC) under `keys`; false when gone or already there. */
  moveUnder(keyId: string, keys: Keyring): Promise<boolean>;
  /** For `rekey`: re-MACs the region's alias table under `keys`; false when none or already there. */
  moveAliasesUnder(keys: Keyring): Promise<boolean>;
}

/**
 * SignatureNonces spent on a store that several hosts' `serve` replicas share: a replay sent to
 * another replica finds the nonce spent there too. Only a hash of AccessKeyId and nonce is kept,
 * never anything of the request.
 */
export interface NonceClaims {
  /** Spends the nonce for every host on the store: true the first time, false when it was spent before. */
  claim(accessKeyId: string, nonceHash: string, expiresAtMs: number): Promise<boolean>;
}

/** One store: where a home's secrets, keys, principals and audit trail live. */
export interface StoreBackend {
  /** `files` (the embedded default) or `postgresql`. */
  readonly kind: 'files' | 'postgresql';
  secrets(region: string, nowMs: () => number, options?: StoreOptions): SecretStorage;
  keys(region: string, nowMs: () => number): KeyStorage;
  /**
   * Makes the store ready: connects and brings the schema up to date. Called before a request
   * runs, so that the account id a shared store keeps is the one its ARNs show. Undefined when
   * there is nothing to wait for (files, always): serve calls it twice a request, and each await
   * of a settled promise is a turn of the microtask queue.
   */
  open(): Promise<void> | undefined;
  /** The principals (AccessKeys and their policies) every host on the store shares. */
  principals(): PrincipalStorage;
  /** The audit trail of every host on the store. */
  audit(): AuditSink;
  /** The rotation targets: in the home's targets.json, or shared by every host of a database. */
  targets(): TargetRegistry;
  /** The regions that hold anything, sorted. */
  regions(): Promise<string[]>;
  /** Releases connections (a no-op for files). */
  close(): Promise<void>;
  /**
   * Nonces shared by every host on the store; absent for files, whose hosts share a home and with
   * it the nonce log `serve` keeps there (src/server/nonce-log.ts).
   */
  nonces?(): NonceClaims;
}

/** The encrypted files under the home: the embedded store. */
export class FileBackend implements StoreBackend {
  readonly kind = 'files' as const;
  constructor(private readonly home: Home) {}

  secrets(region: string, nowMs: () => number, options?: StoreOptions): SecretStorage {
    return new FileSecretStorage(new SecretStore(this.home, region, nowMs, options));
  }

  keys(region: string, nowMs: () => number): KeyStorage {
    return new FileKeyStorage(new KeyStore(this.home, region, nowMs));
  }

  open(): undefined {
    return undefined;
  }

  principals(): PrincipalStorage {
    return new FilePrincipalStorage(this.home);
  }

  audit(): AuditSink {
    return new FileAuditSink(this.home);
  }

  targets(): TargetRegistry {
    return new FileTargetRegistry(this.home);
  }

  async regions(): Promise<string[]> {
    return this.home.regions();
  }

  async close(): Promise<void> {}
}

/** SecretStore (synchronous, file locks) behind the asynchronous interface. */
export class FileSecretStorage implements SecretStorage {
  constructor(readonly files: SecretStore) {}
  get region(): string {
    return this.files.region;
  }
  async peek(name: string) {
    return this.files.peek(name);
  }
  async get(name: string) {
    return this.files.get(name);
  }
  async mutate<T>(name: string, change: (current: SecretRecord | undefined) => Mutation<T>): Promise<T> {
    return this.files.mutate(name, change);
  }
  async list() {
    return this.files.list();
  }
  async listing() {
    return this.files.listing();
  }
  async names() {
    return this.files.names();
  }
  async writable(name: string | undefined): Promise<void> {
    // Every write also takes the region's metadata index lock for a moment.
    if (name !== undefined) await this.files.waitUntilUnlocked(name);
    await this.files.waitUntilIndexUnlocked();
  }
  async moveUnder(name: string, keys: Keyring) {
    return this.files.moveUnder(name, keys);
  }
}

/** KeyStore (synchronous, file locks) behind the asynchronous interface. */
export class FileKeyStorage implements KeyStorage {
  constructor(readonly files: KeyStore) {}
  get region(): string {
    return this.files.region;
  }
  async peek(keyId: string) {
    return this.files.peek(keyId);
  }
  async get(keyId: string) {
    return this.files.get(keyId);
  }
  async mutate<T>(keyId: string, change: (current: KeyRecord | undefined) => KeyMutation<T>): Promise<T> {
    return this.files.mutate(keyId, change);
  }
  async list() {
    return this.files.list();
  }
  async keyIds() {
    return this.files.keyIds();
  }
  async readAliases() {
    return this.files.readAliases();
  }
  async mutateAliases<T>(change: (aliases: AliasRecord[]) => { next?: AliasRecord[]; result: T }): Promise<T> {
    return this.files.mutateAliases(change);
  }
  async resolve(reference: string, account: string) {
    return this.files.resolve(reference, account);
  }
  sealMaterial(keyId: string, keyVersionId: string, material: Buffer) {
    return this.files.sealMaterial(keyId, keyVersionId, material);
  }
  openMaterial(key: KeyRecord, version: KeyVersionRecord) {
    return this.files.openMaterial(key, version);
  }
  async moveUnder(keyId: string, keys: Keyring) {
    return this.files.moveUnder(keyId, keys);
  }
  async moveAliasesUnder(keys: Keyring) {
    return this.files.moveAliasesUnder(keys);
  }
}
