/**
 * What a target adapter does for the rotation state machine (src/core/rotation.ts). One session
 * per rotation: `login` opens it with the first credential that works, `apply` changes the
 * credential through it, `verify` logs in afresh with the new credential, `retire` removes old
 * SSH keys, `rollback` puts the credential the session logged in with back. Errors are
 * TargetErrors whose messages never contain a credential.
 */
import type { DynamicValue, ProvisionPlan } from '../core/dynamic.js';

export interface Credential {
  versionId: string;
  value: DynamicValue;
}

export type TargetErrorKind = 'unreachable' | 'auth' | 'hostkey' | 'failed';

export class TargetError extends Error {
  readonly kind: TargetErrorKind;
  constructor(kind: TargetErrorKind, message: string) {
    super(message);
    this.name = 'TargetError';
    this.kind = kind;
  }
}

export interface TargetSession {
  /** Logs in with the first candidate that the target accepts; returns its versionId. */
  login(candidates: readonly Credential[]): Promise<string>;
  apply(next: Credential): Promise<void>;
  verify(next: Credential): Promise<void>;
  /** SSHKey: removes the keys of `old` from authorized_keys, keeping `keep`. */
  retire(keep: Credential, old: readonly Credential[]): Promise<void>;
  rollback(to: Credential): Promise<void>;
  close(): Promise<void>;
}

/**
 * Redis and PolarDB CreateSecret: logs in with the target's admin account and creates the two new
 * accounts of a secret with the same privileges and one password; both must not exist yet, and a
 * failure drops what was created.
 */
export interface AccountCreator {
  createAccounts(plan: ProvisionPlan, password: string): Promise<void>;
  close(): Promise<void>;
}

/** Seconds to wait for a connection or a command before calling the target unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;
export const COMMAND_TIMEOUT_MS = 30_000;
