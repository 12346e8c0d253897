/**
 * The rotation targets of a PostgreSQL store (src/targets/registry.ts): one row per target in
 * kms_local_targets, so that every host of a team finds the target of a dynamic secret and can
 * rotate it. A target holds no credential, but it says where a secret's credential is sent to
 * log in: each row is MAC'd under the master key with its kind and instance id bound in, so that
 * someone who can write the database but has no master key cannot point a rotation (and the
 * credential it logs in with) at another host, or unpin an SSH host key.
 */
import { ServiceError } from '../../errors/errors.js';
import type { Keyring } from '../../crypto/envelope.js';
import { learnedHostKey, targetFields, targetToStore, type Target } from '../../core/targets.js';
import type { TargetRegistry } from '../../targets/registry.js';
import type { Home } from '../home.js';
import type { Ready } from './backend.js';
import type { PgConnection } from './connection.js';
import { deleteRecord, lockRecord, readRecord, writeRecord, type RowKey } from './rows.js';
import type { PoolClient } from 'pg';

const TABLE = 'kms_local_targets';

function targetIntegrityError(kind: string, instanceId: string, why: string): ServiceError {
  return new ServiceError('Rejected.IntegrityCheckFailed', `The ${kind} target '${instanceId}' of the store failed its integrity check: ${why}.`);
}

/** The row's text: the target's fields (fixed order) and a MAC under `keys`. */
export function encodeTarget(target: Target, keys: Keyring): string {
  const row = JSON.stringify(targetFields(target));
  return JSON.stringify({ keyId: keys.keyId, row, mac: keys.fileMac(`kms-local-target-1\n${row}`) });
}

/** The target a row holds, checked against its MAC and the kind and instance it is stored under. */
export function decodeTarget(text: string, kind: string, instanceId: string, keyringFor: (keyId: string) => Keyring | undefined): Target {
  let stored: { keyId?: unknown; row?: unknown; mac?: unknown };
  try {
    stored = JSON.parse(text) as typeof stored;
  } catch {
    throw targetIntegrityError(kind, instanceId, 'its row is not valid JSON');
  }
  if (typeof stored.keyId !== 'string' || typeof stored.row !== 'string' || typeof stored.mac !== 'string') {
    throw targetIntegrityError(kind, instanceId, 'its row is not a MAC\'d target');
  }
  const keys = keyringFor(stored.keyId);
  if (!keys) throw targetIntegrityError(kind, instanceId, `it is MAC'd under a master key this host does not have (${stored.keyId})`);
  if (!keys.verifyFileMac(`kms-local-target-1\n${stored.row}`, stored.mac)) {
    throw targetIntegrityError(kind, instanceId, 'its MAC does not match (changed outside kms-local, or another master key)');
  }
  const target = JSON.parse(stored.row) as Target;
  if (target.kind !== kind || target.instanceId !== instanceId) throw targetIntegrityError(kind, instanceId, 'its row holds another target');
  return target;
}

function keyOf(kind: string, instanceId: string): RowKey {
  return [
    ['kind', kind],
    ['instance_id', instanceId],
  ];
}

export class PgTargetRegistry implements TargetRegistry {
  constructor(
    private readonly db: PgConnection,
    private readonly ready: Ready,
    private readonly home: Home,
  ) {}

  private decode(kind: string, instanceId: string, text: string): Target {
    return decodeTarget(text, kind, instanceId, (keyId) => this.home.keyring(keyId));
  }

  /** Rows that fail their check are left out of a listing (and named in a warning); find() refuses them. */
  async list(): Promise<Target[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.db.read((client) =>
      client.query<{ kind: string; instance_id: string; record: string }>(`SELECT kind, instance_id, record FROM ${TABLE} ORDER BY kind COLLATE "C", instance_id COLLATE "C"`),
    );
    const targets: Target[] = [];
    for (const row of rows) {
      try {
        targets.push(this.decode(row.kind, row.instance_id, row.record));
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        this.home.onWarning?.(`${err.message} It is not used.`);
      }
    }
    return targets;
  }

  async find(kind: Target['kind'], instanceId: string): Promise<Target | undefined> {
    if (!(await this.ready('read'))) return undefined;
    const text = await this.db.read((client) => readRecord(client, TABLE, keyOf(kind, instanceId)));
    return text === undefined ? undefined : this.decode(kind, instanceId, text);
  }

  /** Read-modify-write of one target's row under its lock. */
  private async update<T>(kind: Target['kind'], instanceId: string, change: (current: Target | undefined) => { next?: Target | null; result: T }): Promise<T> {
    // The store first (opening it tells a home without a master key the key its records are under),
    // then the master key: a host whose key cannot be found does not open a transaction.
    await this.ready('write');
    this.home.keys();
    return this.db.transaction(async (client: PoolClient) => {
      const text = await lockRecord(client, TABLE, keyOf(kind, instanceId));
      const { next, result } = change(text === undefined ? undefined : this.decode(kind, instanceId, text));
      if (next === null) await deleteRecord(client, TABLE, keyOf(kind, instanceId));
      else if (next !== undefined) await writeRecord(client, TABLE, keyOf(kind, instanceId), encodeTarget(next, this.home.writeKeys()));
      return result;
    });
  }

  async put(target: Target): Promise<Target> {
    return this.update(target.kind, target.instanceId, (before) => {
      const stored = targetToStore(before, target);
      return { next: stored, result: stored };
    });
  }

  async remove(kind: Target['kind'], instanceId: string): Promise<boolean> {
    if (!(await this.ready('read'))) return false;
    return this.update(kind, instanceId, (current) => (current ? { next: null, result: true } : { result: false }));
  }

  async learnHostKey(instanceId: string, fingerprint: string): Promise<string> {
    return this.update('ssh', instanceId, (current) => {
      const { next, pinned } = learnedHostKey(current, fingerprint);
      return { next, result: pinned };
    });
  }

  /** For `rekey`: every target's row MAC'd again under `keys`, each in its own transaction. */
  async moveUnder(kind: Target['kind'], instanceId: string, keys: Keyring): Promise<boolean> {
    if (!(await this.ready('read'))) return false;
    return this.db.transaction(async (client) => {
      const text = await lockRecord(client, TABLE, keyOf(kind, instanceId));
      if (text === undefined || (JSON.parse(text) as { keyId?: unknown }).keyId === keys.keyId) return false;
      await writeRecord(client, TABLE, keyOf(kind, instanceId), encodeTarget(this.decode(kind, instanceId, text), keys));
      return true;
    });
  }
}
