/**
 * The audit trail: one JSON line per call of a mutating operation, appended to
 * `KMS_LOCAL_HOME/audit.log` (0600) with a single O_APPEND write, so concurrent processes never
 * interleave or overwrite lines. A record names the secret and the version, never a value.
 */
import { readFileSync } from 'node:fs';
import { CliError, ServiceError } from '../errors/errors.js';
import type { Home } from '../store/home.js';
import { appendLine } from '../store/fs-safe.js';
import { formatTime } from '../core/time.js';
import { secretNameIn } from '../core/model.js';

export interface AuditRecord {
  time: string;
  operation: string;
  secretName: string | null;
  versionId: string | null;
  requestId: string;
  outcome: 'success' | 'error';
  errorCode: string | null;
  /** Who called, when known: `<profile>/<AccessKeyId>` through serve, `<profile>` through run. */
  caller?: string;
  /** The key a cryptography or key operation used (its id, or the id, ARN or alias it was named by). */
  keyId?: string;
  /** The alias, for the alias operations. */
  aliasName?: string;
  /** The key version a key operation made or named. */
  keyVersionId?: string;
}

export const AUDIT_FILE = 'audit.log';

export function auditPath(home: Home): string {
  return home.path(AUDIT_FILE);
}

export function appendAudit(home: Home, record: AuditRecord): void {
  home.ensure();
  // Not exclusive: other processes append at the same time; a line torn by a full disk is left,
  // and the next record starts on a line of its own.
  appendLine(auditPath(home), JSON.stringify(record), { durable: true, exclusive: false });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A SecretName parameter may be an ARN; the record holds the name. */
function nameOf(value: unknown): string | undefined {
  const given = text(value);
  if (given === undefined) return undefined;
  return secretNameIn(given);
}

/** The record of a secret removed once the real clock passed its PlannedDeleteTime (either store). */
export function purgeRecord(secretName: string, realNowMs: number, requestId: string): AuditRecord {
  return { time: formatTime(realNowMs), operation: 'PurgeSecret', secretName, versionId: null, requestId, outcome: 'success', errorCode: null };
}

export function errorCodeOf(err: unknown): string {
  if (err instanceof ServiceError) return err.code;
  if (err instanceof CliError) return 'CliError';
  return 'InternalFailure';
}

/**
 * Runs `call` (a mutating operation's handler) and stores its outcome in the store's audit trail
 * (`ctx.audit`). A change that cannot be audited is reported as an error, never passed over in
 * silence: the response waits until the record is stored.
 */
export async function audited<T extends Record<string, unknown>>(
  operation: string,
  ctx: { now: string; requestId: string; caller?: string; audit: { append(record: AuditRecord): Promise<void> } },
  params: Record<string, unknown>,
  call: () => Promise<T>,
): Promise<T> {
  const record = async (response?: T, error?: unknown): Promise<void> => {
    try {
      await ctx.audit.append(auditRecord({ time: ctx.now, operation, requestId: ctx.requestId, params, response, error, caller: ctx.caller }));
    } catch (err) {
      throw new CliError(
        `${operation} ran (RequestId ${ctx.requestId}) but the audit log could not be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  };
  let response: T;
  try {
    response = await call();
  } catch (err) {
    try {
      await record(undefined, err ?? new Error('unknown error'));
    } catch {
      // A failed call changed nothing: its own error is the one to report.
    }
    throw err;
  }
  await record(response);
  return response;
}

export interface AuditedCall {
  time: string;
  operation: string;
  requestId: string;
  params: Record<string, unknown>;
  response?: Record<string, unknown>;
  error?: unknown;
  caller?: string;
}

/** The record of one call: only names, ids and the outcome are read from the parameters. */
export function auditRecord(call: AuditedCall): AuditRecord {
  const { params, response } = call;
  return {
    time: call.time,
    operation: call.operation,
    secretName: nameOf(response?.SecretName) ?? nameOf(params.SecretName) ?? null,
    versionId:
      text(response?.VersionId) ?? text(params.VersionId) ?? text(params.MoveToVersion) ?? text(params.RemoveFromVersion) ?? null,
    requestId: call.requestId,
    outcome: call.error === undefined ? 'success' : 'error',
    errorCode: call.error === undefined ? null : errorCodeOf(call.error),
    ...(call.caller === undefined ? {} : { caller: call.caller }),
    ...keyOf(call),
  };
}

/**
 * The key a call used: the id the answer names (also inside KeyMetadata or KeyVersion), else the
 * KeyId (DestinationKeyId, ProtectedResourceArn) parameter as given; with the alias and the key
 * version of key operations. The record never reads Plaintext, CiphertextBlob, Digest or any other value.
 */
function keyOf(call: AuditedCall): Pick<AuditRecord, 'keyId' | 'aliasName' | 'keyVersionId'> {
  const { response, params } = call;
  const meta = response?.KeyMetadata as Record<string, unknown> | undefined;
  const version = response?.KeyVersion as Record<string, unknown> | undefined;
  const keyId =
    text(response?.KeyId) ?? text(meta?.KeyId) ?? text(version?.KeyId) ?? text(params.KeyId) ?? text(params.DestinationKeyId) ?? text(params.ProtectedResourceArn);
  const aliasName = text(params.AliasName);
  const keyVersionId = text(version?.KeyVersionId) ?? (call.operation === 'DescribeKeyVersion' ? text(params.KeyVersionId) : undefined);
  return {
    ...(keyId === undefined ? {} : { keyId }),
    ...(aliasName === undefined ? {} : { aliasName }),
    ...(keyVersionId === undefined ? {} : { keyVersionId }),
  };
}

/** The lines of the log, each with its parsed record; lines that are not records are skipped. */
export function readAudit(home: Home): { line: string; record: AuditRecord }[] {
  let content: string;
  try {
    content = readFileSync(auditPath(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: { line: string; record: AuditRecord }[] = [];
  for (const line of content.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as AuditRecord;
      if (record && typeof record === 'object' && typeof record.time === 'string') entries.push({ line, record });
    } catch {
      // A torn or foreign line: not a record.
    }
  }
  return entries;
}
