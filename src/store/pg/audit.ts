/**
 * The audit trail of a PostgreSQL store: one row per record in `kms_local_audit` (append-only: a
 * trigger refuses UPDATE, DELETE and TRUNCATE), with the record's fields as columns to query and
 * its audit.log line as it would be written (`record`), which `kms-local audit` prints. An insert
 * is awaited before the call it records is answered.
 */
import type { AuditRecord } from '../../audit/audit-log.js';
import type { AuditEntry, AuditSink } from '../../audit/audit-sink.js';
import type { Ready } from './backend.js';
import type { PgConnection } from './connection.js';

export class PgAuditSink implements AuditSink {
  constructor(
    private readonly db: PgConnection,
    private readonly ready: Ready,
  ) {}

  async append(record: AuditRecord): Promise<void> {
    await this.ready('write');
    await this.db.read((client) =>
      client.query(
        `INSERT INTO kms_local_audit (time, operation, secret_name, version_id, request_id, outcome, error_code, caller, key_id, alias_name, key_version_id, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          record.time,
          record.operation,
          record.secretName,
          record.versionId,
          record.requestId,
          record.outcome,
          record.errorCode,
          record.caller ?? null,
          record.keyId ?? null,
          record.aliasName ?? null,
          record.keyVersionId ?? null,
          JSON.stringify(record),
        ],
      ),
    );
  }

  async read(): Promise<AuditEntry[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.db.read((client) => client.query<{ record: string }>('SELECT record FROM kms_local_audit ORDER BY seq'));
    return rows.map(({ record }) => ({ line: record, record: JSON.parse(record) as AuditRecord }));
  }
}
