/**
 * One stored record (a secret, a key, a region's alias table) read under a lock that lasts until
 * its transaction ends. A row that exists is locked with `SELECT ... FOR UPDATE`; one that does
 * not exist yet cannot be, so an advisory lock on its table and key is taken instead and the row
 * read again: two hosts creating the same record take turns, the second sees the first's.
 */
import type { PoolClient } from 'pg';
import { advisoryLock, lockIdOf } from './connection.js';

export type Table = 'kms_local_secrets' | 'kms_local_keys' | 'kms_local_aliases' | 'kms_local_principals' | 'kms_local_targets';

/** The primary key of a record: column names (fixed strings of ours) and their values. */
export type RowKey = readonly (readonly [column: string, value: string])[];

function whereOf(key: RowKey): string {
  return key.map(([column], i) => `${column} = $${i + 1}`).join(' AND ');
}

/** The record's text, locked for this transaction, or undefined (and its key locked) when there is none. */
export async function lockRecord(client: PoolClient, table: Table, key: RowKey): Promise<string | undefined> {
  const select = `SELECT record FROM ${table} WHERE ${whereOf(key)} FOR UPDATE`;
  const values = key.map(([, value]) => value);
  const found = await client.query<{ record: string }>(select, values);
  if (found.rows[0]) return found.rows[0].record;
  await advisoryLock(client, lockIdOf(table, ...values));
  const again = await client.query<{ record: string }>(select, values);
  return again.rows[0]?.record;
}

/** The record's text without a lock (a read sees the last committed version, never a torn one). */
export async function readRecord(client: PoolClient, table: Table, key: RowKey): Promise<string | undefined> {
  const { rows } = await client.query<{ record: string }>(`SELECT record FROM ${table} WHERE ${whereOf(key)}`, key.map(([, value]) => value));
  return rows[0]?.record;
}

export async function deleteRecord(client: PoolClient, table: Table, key: RowKey): Promise<void> {
  await client.query(`DELETE FROM ${table} WHERE ${whereOf(key)}`, key.map(([, value]) => value));
}

/** Inserts or replaces the record; `extra` columns (a secret's metadata) are written beside it. */
export async function writeRecord(client: PoolClient, table: Table, key: RowKey, record: string, extra: Record<string, unknown> = {}): Promise<void> {
  const columns = [...key.map(([column]) => column), 'record', ...Object.keys(extra)];
  const values = [...key.map(([, value]) => value), record, ...Object.values(extra)];
  const placeholders = columns.map((_c, i) => `$${i + 1}`).join(', ');
  const updates = ['record', ...Object.keys(extra)].map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  await client.query(
    `INSERT INTO ${table} (${columns.join(', ')}, updated_at) VALUES (${placeholders}, now())
     ON CONFLICT (${key.map(([column]) => column).join(', ')}) DO UPDATE SET ${updates}, updated_at = now()`,
    values,
  );
}
