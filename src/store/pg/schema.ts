/**
 * The tables of a PostgreSQL store, created and migrated by kms-local itself (docs/design.md §3).
 *
 * Migrations are an ordered list; `kms_local_schema_version` holds one row per migration applied.
 * A host brings the schema up to date the first time it runs a store operation (never for --help
 * or a dry run), in one transaction under an advisory lock, so that hosts starting at once apply
 * each migration exactly once. A database migrated by a newer kms-local is refused rather than
 * written in a layout this one does not know.
 */
import { randomInt } from 'node:crypto';
import type { PoolClient } from 'pg';
import { ServiceError } from '../../errors/errors.js';
import { advisoryLock, type PgConnection } from './connection.js';
import { keyIdOfStoredFile } from '../home.js';

export interface Migration {
  version: number;
  /** What it adds, as recorded in kms_local_schema_version. */
  description: string;
  statements: string[];
}

/**
 * Records hold the same sealed, MAC'd text as the files of a home (secret-file.ts, key-file.ts):
 * values and key material are ciphertext under the hosts' master key; the MAC binds each record
 * to its region and name. `metadata` is a secret's metadata without its versions (ListSecrets
 * reads it, as it reads a home's metadata index); it holds no value.
 *
 * Version 2 adds the team's principals and its audit trail. A principal's row holds its AccessKey
 * secret sealed and the whole record MAC'd under the master key (principal-record.ts); its
 * AccessKeyId is a column of its own, unique: an AccessKey names one caller. The audit table is
 * append-only (a trigger refuses UPDATE, DELETE and TRUNCATE); a row holds the fields of an
 * audit.log line, and the line itself (`record`), never a value.
 *
 * Version 3 adds the SignatureNonces `serve` replicas spent (nonces.ts): a hash of AccessKeyId and
 * nonce, and when the row may go (epoch milliseconds of the hosts' clocks); nothing of a request.
 *
 * Version 4 adds the rotation targets (`kind`, `instance_id`, `record`): where a dynamic secret's
 * system is, no credential, the row MAC'd under the master key (pg/targets.ts).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'secrets, keys, aliases and the account id',
    statements: [
      `CREATE TABLE kms_local_meta (
        name text PRIMARY KEY,
        value text NOT NULL
      )`,
      `CREATE TABLE kms_local_secrets (
        region text NOT NULL,
        name text NOT NULL,
        record text NOT NULL,
        metadata jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (region, name)
      )`,
      `CREATE TABLE kms_local_keys (
        region text NOT NULL,
        key_id text NOT NULL,
        record text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (region, key_id)
      )`,
      `CREATE TABLE kms_local_aliases (
        region text PRIMARY KEY,
        record text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    description: 'principals and the audit trail',
    statements: [
      `CREATE TABLE kms_local_principals (
        profile text PRIMARY KEY,
        access_key_id text UNIQUE,
        record text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE kms_local_audit (
        seq bigserial PRIMARY KEY,
        time text NOT NULL,
        operation text NOT NULL,
        secret_name text,
        version_id text,
        request_id text NOT NULL,
        outcome text NOT NULL,
        error_code text,
        caller text,
        key_id text,
        alias_name text,
        key_version_id text,
        record text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX kms_local_audit_secret ON kms_local_audit (secret_name)`,
      `CREATE FUNCTION kms_local_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'kms_local_audit is append-only';
        END
      $$`,
      `CREATE TRIGGER kms_local_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON kms_local_audit
        FOR EACH STATEMENT EXECUTE FUNCTION kms_local_audit_append_only()`,
    ],
  },
  {
    version: 3,
    description: 'the SignatureNonces serve replicas spent',
    statements: [
      `CREATE TABLE kms_local_nonces (
        access_key_id text NOT NULL,
        nonce_hash text NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (access_key_id, nonce_hash)
      )`,
      `CREATE INDEX kms_local_nonces_expires ON kms_local_nonces (expires_at)`,
    ],
  },
  {
    version: 4,
    description: 'rotation targets',
    statements: [
      `CREATE TABLE kms_local_targets (
        kind text NOT NULL,
        instance_id text NOT NULL,
        record text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, instance_id)
      )`,
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** What opening a store learns: the account id every host of the team shows in ARNs. */
export interface StoreIdentity {
  accountId: string;
}

/** The SQLSTATE of a table that does not exist: a database kms-local never used. */
const UNDEFINED_TABLE = '42P01';

function newAccountId(): string {
  return String(randomInt(1, 10)) + Array.from({ length: 15 }, () => randomInt(0, 10)).join('');
}

interface StoredState {
  version: number;
  accountId: string | undefined;
  /** The master key id of some record (a secret's, else a key's), or undefined when it holds none. */
  masterKeyId: string | undefined;
}

async function readState(client: PoolClient): Promise<StoredState> {
  const { rows } = await client.query<{ version: number | null; account: string | null; record: string | null }>(
    `SELECT (SELECT max(version) FROM kms_local_schema_version) AS version,
            (SELECT value FROM kms_local_meta WHERE name = 'account_id') AS account,
            coalesce((SELECT record FROM kms_local_secrets LIMIT 1), (SELECT record FROM kms_local_keys LIMIT 1)) AS record`,
  );
  const row = rows[0];
  return { version: row?.version ?? 0, accountId: row?.account ?? undefined, masterKeyId: row?.record ? keyIdOfStoredFile(row.record) : undefined };
}

function tooNew(version: number, where: string): ServiceError {
  return new ServiceError(
    'InternalFailure',
    `The ${where} has schema version ${version}, newer than this kms-local knows (${SCHEMA_VERSION}); upgrade kms-local on this host.`,
  );
}

/** The schema as a host finds it: absent (a database kms-local never used), behind, or current. */
export type SchemaState = { status: 'absent' } | { status: 'behind'; masterKeyId: string | undefined } | { status: 'current'; accountId: string; masterKeyId: string | undefined };

/** One read, no lock, nothing created (a read of a store that was never written changes nothing). */
export async function inspectSchema(connection: PgConnection): Promise<SchemaState> {
  const current = await connection.read(async (client) => {
    try {
      return await readState(client);
    } catch (err) {
      if ((err as { code?: string }).code === UNDEFINED_TABLE) return undefined;
      throw err;
    }
  });
  if (!current) return { status: 'absent' };
  if (current.version > SCHEMA_VERSION) throw tooNew(current.version, connection.where);
  if (current.version === SCHEMA_VERSION && current.accountId) return { status: 'current', accountId: current.accountId, masterKeyId: current.masterKeyId };
  return { status: 'behind', masterKeyId: current.masterKeyId };
}

/**
 * Brings the schema up to date and returns the store's identity, in one transaction under the
 * migration lock. `accountId` is the id a first host brings along (its home's), kept for every
 * host after it.
 */
export async function migrateSchema(connection: PgConnection, accountId: string | undefined): Promise<StoreIdentity> {
  return connection.transaction(async (client) => {
    await advisoryLock(client, 0);
    await client.query(
      `CREATE TABLE IF NOT EXISTS kms_local_schema_version (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM kms_local_schema_version');
    const applied = rows[0]?.version ?? 0;
    if (applied > SCHEMA_VERSION) throw tooNew(applied, connection.where);
    for (const migration of MIGRATIONS.filter((m) => m.version > applied)) {
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO kms_local_schema_version (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
    }
    await client.query(`INSERT INTO kms_local_meta (name, value) VALUES ('account_id', $1) ON CONFLICT (name) DO NOTHING`, [accountId ?? newAccountId()]);
    const state = await readState(client);
    return { accountId: state.accountId! };
  });
}
