/**
 * Targets (docs/design.md §5): where the system behind an ECS InstanceId (an SSH server) or an Rds
 * DBInstanceId (a PostgreSQL server) is. One JSON file in the home, `targets.json`, replaced
 * atomically under its own lock. Targets hold no credentials: a secret's own current credential
 * is what logs in to rotate it; where an admin account is needed (Redis, creating PolarDB accounts)
 * the target names a Generic secret of the home that holds it. The only thing learned at run time is an SSH host key
 * fingerprint, pinned on the first connection.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError, invalidParameter } from '../errors/errors.js';
import type { Home } from '../store/home.js';
import { ensureDir, writeFileAtomic } from '../store/fs-safe.js';
import { withLock } from '../store/lock.js';

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
  /** A Generic secret of this home holding {"AccountName","AccountPassword"} of an account that may create accounts (PolarDB secrets). */
  adminSecretName?: string;
}

/** A Redis/Tair instance. Its accounts cannot change their own passwords: an admin account does. */
export interface RedisTarget {
  kind: 'redis';
  instanceId: string;
  host: string;
  port: number;
  /** A Generic secret of this home holding {"AccountName","AccountPassword"} of an account allowed ACL commands. */
  adminSecretName: string;
}

export type Target = SshTarget | DbTarget | RedisTarget;

interface TargetsFile {
  version: 1;
  targets: Target[];
}

export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkHost(host: string): string {
  if (!HOST.test(host)) throw invalidParameter(`Host '${host}' is not a host name or IP address.`);
  return host.replace(/^\[(.*)\]$/, '$1');
}

export function checkPort(port: string | undefined, fallback: number): number {
  if (port === undefined) return fallback;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw invalidParameter(`Port must be 1 to 65535, not '${port}'.`);
  return Number(port);
}

export function checkInstanceId(id: string, name: string): string {
  if (!INSTANCE_ID.test(id)) throw invalidParameter(`${name} '${id}' is not an instance id.`);
  return id;
}

export class TargetRegistry {
  private readonly file: string;
  private readonly lock: string;

  constructor(home: Home) {
    this.file = home.path('targets.json');
    this.lock = home.path('.locks', 'targets.lock');
  }

  list(): Target[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let parsed: TargetsFile;
    try {
      parsed = JSON.parse(text) as TargetsFile;
    } catch {
      throw new ServiceError('InternalFailure', `${this.file} is not valid JSON; fix or remove it.`);
    }
    if (parsed.version !== 1 || !Array.isArray(parsed.targets)) {
      throw new ServiceError('InternalFailure', `${this.file} is not a kms-local targets file (version 1).`);
    }
    return parsed.targets;
  }

  find(kind: Target['kind'], instanceId: string): Target | undefined {
    return this.list().find((t) => t.kind === kind && t.instanceId === instanceId);
  }

  /** Read-modify-write of the whole file under its lock. */
  private update<T>(change: (targets: Target[]) => { targets: Target[]; result: T }): T {
    ensureDir(join(this.file, '..', '.locks'));
    return withLock(this.lock, 'the targets file', (lock) => {
      const { targets, result } = change(this.list());
      const sorted = [...targets].sort((a, b) => (a.kind + a.instanceId < b.kind + b.instanceId ? -1 : 1));
      writeFileAtomic(this.file, `${JSON.stringify({ version: 1, targets: sorted }, null, 2)}\n`, lock.fence);
      return result;
    });
  }

  /**
   * Adds or replaces the target of an instance. An SSH target re-added at the same host and port
   * without a fingerprint keeps the one pinned before: re-adding must not reopen trust on first use.
   * Returns the target as stored.
   */
  put(target: Target): Target {
    return this.update((targets) => {
      const before = targets.find((t) => t.kind === target.kind && t.instanceId === target.instanceId);
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
      return { targets: [...targets.filter((t) => t !== before), stored], result: stored };
    });
  }

  remove(kind: Target['kind'], instanceId: string): boolean {
    return this.update((targets) => {
      const kept = targets.filter((t) => !(t.kind === kind && t.instanceId === instanceId));
      return { targets: kept, result: kept.length !== targets.length };
    });
  }

  /**
   * Pins a host key learned on a first connection, unless one was pinned meanwhile. Returns the
   * fingerprint now pinned (which differs from `fingerprint` if another process pinned first).
   */
  learnHostKey(instanceId: string, fingerprint: string): string {
    return this.update((targets) => {
      const target = targets.find((t): t is SshTarget => t.kind === 'ssh' && t.instanceId === instanceId);
      if (!target) return { targets, result: fingerprint };
      if (target.hostKeyFingerprint) return { targets, result: target.hostKeyFingerprint };
      target.hostKeyFingerprint = fingerprint;
      target.hostKeyLearned = true;
      return { targets, result: fingerprint };
    });
  }
}
