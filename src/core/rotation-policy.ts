/**
 * Automatic rotation policy of dynamic secrets (docs/reference/aliyun-kms-api.md §3.1, §3.12), pure: the interval syntax
 * (`30d`, `12h`, `90m`, `604800s`, a bare number is seconds), its range (6 hours to 365 days), how
 * it is printed (always in seconds, `604800s`), and when a secret is next due.
 */
import { invalidParameter } from '../errors/errors.js';
import type { RotationRecord, SecretRecord } from './model.js';
import { formatTime } from './time.js';

export const MIN_INTERVAL_SECONDS = 6 * 3600;
export const MAX_INTERVAL_SECONDS = 365 * 86400;

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

/** `30d` -> 2592000. Out of range or malformed: InvalidParameter. */
export function parseInterval(text: string, name = 'RotationInterval'): number {
  const match = /^(\d{1,9})([dhms]?)$/.exec(text);
  if (!match) throw invalidParameter(`${name} is a number with a unit d, h, m or s, such as 30d, 12h or 604800s.`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
  if (seconds < MIN_INTERVAL_SECONDS || seconds > MAX_INTERVAL_SECONDS) {
    throw invalidParameter(`${name} must be from 6 hours to 365 days (${MIN_INTERVAL_SECONDS}s to ${MAX_INTERVAL_SECONDS}s).`);
  }
  return seconds;
}

export function formatInterval(seconds: number): string {
  return `${seconds}s`;
}

export interface PolicyChange {
  enable: boolean;
  /** Required when enabling. */
  interval?: string;
}

/**
 * The rotation record after CreateSecret or UpdateSecretRotationPolicy. The first automatic
 * rotation is due one interval after the last rotation (or after creation, if there was none).
 */
export function applyPolicy(secret: SecretRecord, change: PolicyChange): RotationRecord {
  const current: RotationRecord = secret.rotation ?? { automatic: false };
  if (!change.enable) {
    const { nextRotationDate: _dropped, ...rest } = current;
    return { ...rest, automatic: false };
  }
  if (change.interval === undefined) {
    throw invalidParameter('RotationInterval is required when EnableAutomaticRotation is true.');
  }
  const intervalSeconds = parseInterval(change.interval);
  const from = Date.parse(current.lastRotationDate ?? secret.createTime);
  return { ...current, automatic: true, intervalSeconds, nextRotationDate: formatTime(from + intervalSeconds * 1000) };
}

/** The next due date after a rotation that completed at `nowMs`. */
export function nextDueAfter(rotation: RotationRecord, nowMs: number): string | undefined {
  if (!rotation.automatic || rotation.intervalSeconds === undefined) return undefined;
  return formatTime(nowMs + rotation.intervalSeconds * 1000);
}

/** Whether automatic rotation of `secret` is due at `nowMs`. */
export function isDue(secret: SecretRecord, nowMs: number): boolean {
  const r = secret.rotation;
  if (!r?.automatic || r.nextRotationDate === undefined || secret.plannedDeleteTime !== undefined) return false;
  return Date.parse(r.nextRotationDate) <= nowMs;
}
