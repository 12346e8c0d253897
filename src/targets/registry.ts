/**
 * Targets (docs/design.md §5): where the system behind an ECS InstanceId (an SSH server), an Rds
 * DBInstanceId (a PostgreSQL or MySQL server) or a Redis InstanceId is. Kept by the store
 * (`backend.targets()`): in a home of files, one JSON file `targets.json`, replaced atomically
 * under its own lock; in a shared PostgreSQL store, the kms_local_targets table, so that any host
 * of the team can rotate a dynamic secret (src/store/pg/targets.ts). Targets hold no credentials
 * (src/core/targets.ts): where an admin account is needed the target names a Generic secret that
 * holds it. The only thing learned at run time is an SSH host key fingerprint, pinned on the
 * first connection.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError, invalidParameter } from '../errors/errors.js';
import type { Home } from '../store/home.js';
import type { Keyring } from '../crypto/envelope.js';
import { ensureDir, writeFileAtomic } from '../store/fs-safe.js';
import { withLock } from '../store/lock.js';
import { learnedHostKey, sortTargets, targetFields, targetToStore, type Target } from '../core/targets.js';

export type { DbEngine, DbTarget, RedisTarget, SshTarget, Target } from '../core/targets.js';

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

/** Where a store keeps its targets. */
export interface TargetRegistry {
  /** Every target, sorted by kind and instance id. */
  list(): Promise<Target[]>;
  find(kind: Target['kind'], instanceId: string): Promise<Target | undefined>;
  /** Adds or replaces the target of an instance (targetToStore); returns it as stored. */
  put(target: Target): Promise<Target>;
  remove(kind: Target['kind'], instanceId: string): Promise<boolean>;
  /**
   * Pins a host key learned on a first connection, unless one was pinned meanwhile. Returns the
   * fingerprint now pinned (which differs from `fingerprint` if another process pinned first).
   */
  learnHostKey(instanceId: string, fingerprint: string): Promise<string>;
  /** For `rekey`: MACs the target's record again under `keys`; false when nothing is MAC'd (files) or it is already. */
  moveUnder(kind: Target['kind'], instanceId: string, keys: Keyring): Promise<boolean>;
}

/** The home's `targets.json`. */
export class FileTargetRegistry implements TargetRegistry {
  private readonly file: string;
  private readonly lock: string;

  constructor(home: Home) {
    this.file = home.path('targets.json');
    this.lock = home.path('.locks', 'targets.lock');
  }

  private read(): Target[] {
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

  async list(): Promise<Target[]> {
    return this.read();
  }

  async find(kind: Target['kind'], instanceId: string): Promise<Target | undefined> {
    return this.read().find((t) => t.kind === kind && t.instanceId === instanceId);
  }

  /** Read-modify-write of the whole file under its lock. */
  private update<T>(change: (targets: Target[]) => { targets: Target[]; result: T }): T {
    ensureDir(join(this.file, '..', '.locks'));
    return withLock(this.lock, 'the targets file', (lock) => {
      const { targets, result } = change(this.read());
      writeFileAtomic(this.file, `${JSON.stringify({ version: 1, targets: sortTargets(targets) }, null, 2)}\n`, lock.fence);
      return result;
    });
  }

  async put(target: Target): Promise<Target> {
    return this.update((targets) => {
      const before = targets.find((t) => t.kind === target.kind && t.instanceId === target.instanceId);
      const stored = targetToStore(before, target);
      return { targets: [...targets.filter((t) => t !== before), stored], result: stored };
    });
  }

  async remove(kind: Target['kind'], instanceId: string): Promise<boolean> {
    return this.update((targets) => {
      const kept = targets.filter((t) => !(t.kind === kind && t.instanceId === instanceId));
      return { targets: kept, result: kept.length !== targets.length };
    });
  }

  async learnHostKey(instanceId: string, fingerprint: string): Promise<string> {
    return this.update((targets) => {
      const at = targets.findIndex((t) => t.kind === 'ssh' && t.instanceId === instanceId);
      const { next, pinned } = learnedHostKey(targets[at], fingerprint);
      if (next) targets[at] = targetFields(next);
      return { targets, result: pinned };
    });
  }

  /** targets.json is not MAC'd (it lives in the home, with the master key file): nothing to move. */
  async moveUnder(_kind: Target['kind'], _instanceId: string, _keys: Keyring): Promise<boolean> {
    return false;
  }
}
