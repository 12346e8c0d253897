/**
 * Fixtures for the unit tests of the pure core: secret records made from a short description of
 * their versions, and the error a call throws.
 */
import { expect } from '@jest/globals';
import { CliError, ServiceError } from '../../src/errors/errors.js';
import type { SecretRecord } from '../../src/core/model.js';

export const T0 = '2026-01-01T00:00:00Z';

/** A version as [versionId, stages]; versions are listed oldest first. */
export type VersionShape = [versionId: string, stages: string[]];

/**
 * A Generic secret `db_cred` whose versions follow `shape` (one second apart from T0, with
 * placeholder digests and payloads), changed by `over`.
 */
export function secretRecord(shape: readonly VersionShape[], over: Partial<SecretRecord> = {}): SecretRecord {
  return {
    name: 'db_cred',
    type: 'Generic',
    description: '',
    createTime: T0,
    updateTime: T0,
    encryptionKeyId: 'key-local-test',
    tags: [],
    versions: shape.map(([versionId, stages], i) => ({
      versionId,
      createTime: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      stages: [...stages],
      dataType: 'text',
      digest: `digest-of-${versionId}`,
      payload: { keyId: 'key-local-test', wrappedKey: `wk-${versionId}`, ciphertext: `ct-${versionId}` },
    })),
    ...over,
  };
}

function thrown<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/** The Aliyun error code `fn` throws; the test fails when it throws something else or nothing. */
export const serviceErrorCode = (fn: () => unknown): string => thrown(fn, ServiceError).code;

/** The message of the CliError `fn` throws; the test fails when it throws something else or nothing. */
export const cliErrorMessage = (fn: () => unknown): string => thrown(fn, CliError).message;
