/**
 * Where a store's audit trail goes (docs/design.md §3): the home's audit.log for the files, a
 * table for a shared store, so that `kms-local audit` on any host shows the calls of every host.
 * A record names the caller, the resource and the outcome, never a value.
 */
import { appendAudit, readAudit, type AuditRecord } from './audit-log.js';
import type { Home } from '../store/home.js';

/** One record as stored (`line`, printed by `kms-local audit` as it is) and parsed. */
export interface AuditEntry {
  line: string;
  record: AuditRecord;
}

export interface AuditSink {
  /** Resolves once the record is stored: a change is reported done only after that. */
  append(record: AuditRecord): Promise<void>;
  /** Every record, oldest first. */
  read(): Promise<AuditEntry[]>;
}

/** The home's audit.log: one O_APPEND line per record (audit-log.ts). */
export class FileAuditSink implements AuditSink {
  constructor(private readonly home: Home) {}
  async append(record: AuditRecord): Promise<void> {
    appendAudit(this.home, record);
  }
  async read(): Promise<AuditEntry[]> {
    return readAudit(this.home);
  }
}
