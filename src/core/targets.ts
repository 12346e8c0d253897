/**
 * Rotation targets (docs/design.md §5) and the rules of changing them, the same for every store
 * (a home's targets.json, or a shared database's kms_local_targets table). A target says where
 * the system behind an instance id is; it holds no credential: a secret's own current credential
 * logs in to rotate it, and where an admin account is needed the target names a Generic secret
 * (AdminSecretName) that holds it. The only thing learned at run time is an SSH host key
 * fingerprint, pinned on the first connection.
 */

export interface SshTarget {
  kind: 'ssh';
  instanceId: string;
  host: string;
  port: number;
  /** `SHA256:...`; given with --HostKeyFingerprint or learned on the first connection. */
  hostKeyFingerprint?: string;
  /** The fingerprint was learned (trust on first use), not given. */
  hostKeyLearned?: boolean;
}

/** PostgreSQL, or MySQL/MariaDB (one adapter; `mariadb` only names the server in messages). */
export type DbEngine = 'postgresql' | 'mysql' | 'mariadb';

export interface DbTarget {
  kind: 'db';
  instanceId: string;
  engine: DbEngine;
  host: string;
  port: number;
  database: string;
  /** A Generic secret of the store holding {"AccountName","AccountPassword"} of an account that may create accounts (PolarDB secrets). */
  adminSecretName?: string;
}

/** A Redis/Tair instance. Its accounts cannot change their own passwords: an admin account does. */
export interface RedisTarget {
  kind: 'redis';
  instanceId: string;
  host: string;
  port: number;
  /** A Generic secret of the store holding {"AccountName","AccountPassword"} of an account allowed ACL commands. */
  adminSecretName: string;
}

export type Target = SshTarget | DbTarget | RedisTarget;

/** The fields a target may have, by kind: anything else (a password someone added) is not kept. */
const FIELDS: Record<Target['kind'], readonly string[]> = {
  ssh: ['kind', 'instanceId', 'host', 'port', 'hostKeyFingerprint', 'hostKeyLearned'],
  db: ['kind', 'instanceId', 'engine', 'host', 'port', 'database', 'adminSecretName'],
  redis: ['kind', 'instanceId', 'host', 'port', 'adminSecretName'],
};

/** The target with only the fields of its kind, in a fixed order (what a store keeps and MACs). */
export function targetFields(target: Target): Target {
  const kept: Record<string, unknown> = {};
  for (const field of FIELDS[target.kind]) {
    const value = (target as unknown as Record<string, unknown>)[field];
    if (value !== undefined) kept[field] = value;
  }
  return kept as unknown as Target;
}

/** Targets in the order a listing shows them: by kind, then instance id. */
export function sortTargets(targets: readonly Target[]): Target[] {
  return [...targets].sort((a, b) => (a.kind + a.instanceId < b.kind + b.instanceId ? -1 : a.kind + a.instanceId > b.kind + b.instanceId ? 1 : 0));
}

/**
 * The target to store when `target` is added over `before` (the same kind and instance, or none).
 * An SSH target re-added at the same host and port without a fingerprint keeps the one pinned
 * before: re-adding must not reopen trust on first use.
 */
export function targetToStore(before: Target | undefined, target: Target): Target {
  const stored = { ...target };
  if (
    stored.kind === 'ssh' &&
    before?.kind === 'ssh' &&
    !stored.hostKeyFingerprint &&
    before.hostKeyFingerprint &&
    before.host === stored.host &&
    before.port === stored.port
  ) {
    stored.hostKeyFingerprint = before.hostKeyFingerprint;
    if (before.hostKeyLearned) stored.hostKeyLearned = true;
  }
  return targetFields(stored);
}

/**
 * Pinning a host key learned on a first connection: the SSH target with it pinned (`next`), or
 * nothing to write when there is no such target or one was pinned meanwhile. `pinned` is the
 * fingerprint now pinned, which differs from `fingerprint` if another process pinned first.
 */
export function learnedHostKey(current: Target | undefined, fingerprint: string): { next?: SshTarget; pinned: string } {
  if (current?.kind !== 'ssh') return { pinned: fingerprint };
  if (current.hostKeyFingerprint) return { pinned: current.hostKeyFingerprint };
  return { next: { ...current, hostKeyFingerprint: fingerprint, hostKeyLearned: true }, pinned: fingerprint };
}
