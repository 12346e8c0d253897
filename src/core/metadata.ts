/** UpdateSecret rules (description, ExtendedConfig.CustomData), as pure functions. */
import { invalidParameter } from '../errors/errors.js';
import type { SecretRecord } from './model.js';

export const CUSTOM_DATA_MAX_ENTRIES = 10;

export interface SecretUpdate {
  description?: string;
  customData?: Record<string, unknown>;
}

/**
 * UpdateSecret: a new description; CustomData replaces ExtendedConfig.CustomData of a dynamic
 * secret (at most 10 entries) and is refused for a Generic secret, which has no ExtendedConfig.
 */
export function updateSecret(secret: SecretRecord, update: SecretUpdate, now: string): { secret: SecretRecord; changed: boolean } {
  const { description, customData } = update;
  if (customData !== undefined) {
    if (secret.type === 'Generic') {
      throw invalidParameter('ExtendedConfig.CustomData applies to dynamic secrets only, not to Generic secrets.');
    }
    if (Object.keys(customData).length > CUSTOM_DATA_MAX_ENTRIES) {
      throw invalidParameter(`ExtendedConfig.CustomData may hold at most ${CUSTOM_DATA_MAX_ENTRIES} entries.`);
    }
  }
  const next: SecretRecord = { ...secret };
  let changed = false;
  if (description !== undefined && description !== secret.description) {
    next.description = description;
    changed = true;
  }
  if (customData !== undefined && JSON.stringify(customData) !== JSON.stringify(secret.extendedConfig?.CustomData)) {
    next.extendedConfig = { ...secret.extendedConfig, CustomData: customData };
    changed = true;
  }
  if (!changed) return { secret, changed: false };
  next.updateTime = now;
  return { secret: next, changed: true };
}
