/**
 * The key rules of src/core/keys.ts, as pure functions: one test per rule, named by the rule, each
 * table row a case of it. No input is ever changed in place.
 */
import { describe, expect, test } from '@jest/globals';
import { serviceErrorCode } from '../support/core.js';
import {
  addKeyVersion,
  assertUsable,
  cancelKeyDeletion,
  checkAliasName,
  checkSpecAndUsage,
  findKeyVersion,
  isPastKeyDeletion,
  isRotationDue,
  keyDeletionState,
  keyArn,
  keyMetadata,
  parseKeyReference,
  rotationPolicy,
  scheduleKeyDeletion,
  setEnabled,
  type KeyRecord,
  type KeyState,
  type KeyUsage,
} from '../../src/core/keys.js';

const T0 = '2026-01-01T00:00:00Z';
const NOW_MS = Date.parse('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890123456';
const KEY_ID = 'key-abcdefghijklmnopqrstuvwx';
const V1 = '11111111-1111-4111-8111-111111111111';
const V2 = '22222222-2222-4222-8222-222222222222';

function keyOf(over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId: KEY_ID,
    description: '',
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creationDate: T0,
    creator: ACCOUNT,
    state: 'Enabled',
    rotation: { automatic: false },
    lastRotationDate: T0,
    primaryKeyVersion: V1,
    versions: [{ keyVersionId: V1, creationDate: T0, material: { keyId: 'key-local-test', wrappedKey: 'wk', ciphertext: 'ct' } }],
    tags: [],
    ...over,
  };
}

/** Calls `fn` on a key and checks that the key itself was left as it was. */
function unchanged<T>(key: KeyRecord, fn: (k: KeyRecord) => T): T {
  const snapshot = structuredClone(key);
  try {
    return fn(key);
  } finally {
    expect(key).toEqual(snapshot);
  }
}

describe('KeySpec and KeyUsage', () => {
  test.each<[string | undefined, string | undefined, string, string]>([
    [undefined, undefined, 'Aliyun_AES_256', 'ENCRYPT/DECRYPT'],
    ['Aliyun_AES_128', undefined, 'Aliyun_AES_128', 'ENCRYPT/DECRYPT'],
    ['RSA_2048', undefined, 'RSA_2048', 'SIGN/VERIFY'],
    ['RSA_3072', 'ENCRYPT/DECRYPT', 'RSA_3072', 'ENCRYPT/DECRYPT'],
    ['EC_P256', undefined, 'EC_P256', 'SIGN/VERIFY'],
    ['EC_P256K', 'SIGN/VERIFY', 'EC_P256K', 'SIGN/VERIFY'],
  ])('a spec defaults to Aliyun_AES_256 and a usage to SIGN/VERIFY when the spec can sign: %s %s', (spec, usage, wantSpec, wantUsage) => {
    expect(checkSpecAndUsage(spec, usage)).toEqual({ keySpec: wantSpec, keyUsage: wantUsage });
  });

  test.each<[string | undefined, string | undefined]>([
    ['Aliyun_AES_256', 'SIGN/VERIFY'],
    ['Aliyun_AES_128', 'SIGN/VERIFY'],
    ['EC_P256', 'ENCRYPT/DECRYPT'],
    ['EC_P256K', 'ENCRYPT/DECRYPT'],
    ['Aliyun_SM4', undefined],
    [undefined, 'GENERATE/VERIFY'],
  ])('a usage the spec does not take, or an unknown spec or usage, is InvalidParameter: %s %s', (spec, usage) => {
    expect(serviceErrorCode(() => checkSpecAndUsage(spec, usage))).toBe('InvalidParameter');
  });
});

describe('Key states', () => {
  test.each<[KeyState, KeyUsage, string | undefined]>([
    ['Enabled', 'ENCRYPT/DECRYPT', undefined],
    ['Disabled', 'ENCRYPT/DECRYPT', 'Rejected.Disabled'],
    ['PendingDeletion', 'ENCRYPT/DECRYPT', 'Rejected.PendingDeletion'],
    ['Enabled', 'SIGN/VERIFY', 'UnsupportedOperation'],
  ])('only an Enabled key of the usage asked for may be used: %s for %s', (state, usage, code) => {
    const key = keyOf({ state, ...(state === 'PendingDeletion' ? { deleteDate: '2026-07-01T00:00:00Z' } : {}) });
    if (code === undefined) expect(() => assertUsable(key, usage, NOW_MS)).not.toThrow();
    else expect(serviceErrorCode(() => assertUsable(key, usage, NOW_MS))).toBe(code);
  });

  test('a key past its DeleteDate is gone: Forbidden.KeyNotFound, also for use', () => {
    const key = keyOf({ state: 'PendingDeletion', deleteDate: '2026-06-01T12:00:00Z' });
    expect(isPastKeyDeletion(key, NOW_MS)).toBe(true);
    expect(isPastKeyDeletion(key, NOW_MS - 1)).toBe(false);
    expect(serviceErrorCode(() => assertUsable(key, 'ENCRYPT/DECRYPT', NOW_MS))).toBe('Forbidden.KeyNotFound');
  });

  test.each<[number, number, string]>([
    [NOW_MS - 1, NOW_MS - 1, 'present'],
    [NOW_MS, NOW_MS - 1, 'gone'],
    [NOW_MS, NOW_MS, 'purge'],
    [NOW_MS - 1, NOW_MS, 'present'],
  ])('a rehearsal clock past DeleteDate reads the key as gone; only the real clock past it too purges it: now %i, real %i', (now, real, want) => {
    expect(keyDeletionState(keyOf({ state: 'PendingDeletion', deleteDate: '2026-06-01T12:00:00Z' }), now, real)).toBe(want);
  });

  test.each<[KeyState, boolean, KeyState | string]>([
    ['Enabled', false, 'Disabled'],
    ['Disabled', true, 'Enabled'],
    ['Enabled', true, 'Enabled'],
    ['Disabled', false, 'Disabled'],
    ['PendingDeletion', true, 'Rejected.StateModifiedFailed'],
    ['PendingDeletion', false, 'Rejected.StateModifiedFailed'],
  ])('EnableKey and DisableKey move between Enabled and Disabled only: %s, enable=%s', (state, enable, want) => {
    const key = keyOf({ state });
    if (want.startsWith('Rejected')) expect(serviceErrorCode(() => setEnabled(key, enable))).toBe(want);
    else expect(unchanged(key, (k) => setEnabled(k, enable)).state).toBe(want);
  });
});

describe('Key deletion', () => {
  test.each([7, 30, 366])('the deletion window is 7 to 366 days, DeleteDate = now + window: %i days', (days) => {
    for (const state of ['Enabled', 'Disabled'] as const) {
      const next = unchanged(keyOf({ state }), (k) => scheduleKeyDeletion(k, days, NOW_MS));
      expect(next.state).toBe('PendingDeletion');
      expect(next.deleteDate).toBe(new Date(NOW_MS + days * DAY).toISOString().replace('.000Z', 'Z'));
    }
  });

  test.each([0, 6, 367, 7.5])('a window outside 7 to 366 days is InvalidParameter: %s', (days) => {
    expect(serviceErrorCode(() => scheduleKeyDeletion(keyOf(), days, NOW_MS))).toBe('InvalidParameter');
  });

  test('a key already pending deletion cannot be scheduled again: Rejected.StateModifiedFailed', () => {
    const key = keyOf({ state: 'PendingDeletion', deleteDate: '2026-07-01T00:00:00Z' });
    expect(serviceErrorCode(() => scheduleKeyDeletion(key, 7, NOW_MS))).toBe('Rejected.StateModifiedFailed');
  });

  test('a key under deletion protection cannot be scheduled for deletion', () => {
    const key = keyOf({ deletionProtection: { description: 'used by app' } });
    expect(serviceErrorCode(() => scheduleKeyDeletion(key, 7, NOW_MS))).toBe('UnsupportedOperation');
  });

  test.each<[KeyState, string | undefined]>([
    ['PendingDeletion', undefined],
    ['Enabled', 'Rejected.StateModifiedFailed'],
    ['Disabled', 'Rejected.StateModifiedFailed'],
  ])('CancelKeyDeletion makes a pending key Enabled and refuses any other: %s', (state, code) => {
    const key = keyOf({ state, ...(state === 'PendingDeletion' ? { deleteDate: '2026-07-01T00:00:00Z' } : {}) });
    if (code) expect(serviceErrorCode(() => cancelKeyDeletion(key))).toBe(code);
    else {
      const next = unchanged(key, cancelKeyDeletion);
      expect(next.state).toBe('Enabled');
      expect(next.deleteDate).toBeUndefined();
    }
  });
});

describe('Rotation and versions', () => {
  test.each<[string, number]>([
    ['7d', 7 * 86400],
    ['365d', 365 * 86400],
    ['604800s', 604800],
    ['604800', 604800],
    ['168h', 168 * 3600],
  ])('the rotation interval is 7 to 365 days and the next rotation is one interval after the last: %s', (interval, seconds) => {
    const rotation = rotationPolicy(keyOf(), true, interval);
    expect(rotation).toEqual({ automatic: true, intervalSeconds: seconds, nextRotationDate: new Date(Date.parse(T0) + seconds * 1000).toISOString().replace('.000Z', 'Z') });
  });

  test.each(['6d', '366d', '1h', 'week', undefined])('an interval outside 7 to 365 days, malformed or missing is InvalidParameter: %s', (interval) => {
    expect(serviceErrorCode(() => rotationPolicy(keyOf(), true, interval))).toBe('InvalidParameter');
  });

  test('only symmetric keys rotate automatically', () => {
    expect(serviceErrorCode(() => rotationPolicy(keyOf({ keySpec: 'RSA_2048', keyUsage: 'SIGN/VERIFY' }), true, '30d'))).toBe('UnsupportedOperation');
    expect(rotationPolicy(keyOf({ keySpec: 'RSA_2048' }), false, undefined)).toEqual({ automatic: false });
  });

  test.each<[KeyState, string, boolean]>([
    ['Enabled', '2026-06-01T12:00:00Z', true],
    ['Enabled', '2026-06-01T12:00:01Z', false],
    ['Disabled', '2026-01-01T00:00:00Z', false],
  ])('rotation is due once NextRotationDate has come, for an Enabled key only: %s %s', (state, next, due) => {
    expect(isRotationDue(keyOf({ state, rotation: { automatic: true, intervalSeconds: 7 * 86400, nextRotationDate: next } }), NOW_MS)).toBe(due);
  });

  test('a new version becomes primary, the old ones stay, and the schedule restarts from it', () => {
    const key = keyOf({ rotation: { automatic: true, intervalSeconds: 7 * 86400, nextRotationDate: '2026-01-08T00:00:00Z' } });
    const created = '2026-06-01T12:00:00Z';
    const next = unchanged(key, (k) => addKeyVersion(k, { keyVersionId: V2, creationDate: created, material: { keyId: 'k', wrappedKey: 'w', ciphertext: 'c' } }));
    expect(next.primaryKeyVersion).toBe(V2);
    expect(next.versions.map((v) => v.keyVersionId)).toEqual([V1, V2]);
    expect(next.lastRotationDate).toBe(created);
    expect(next.rotation.nextRotationDate).toBe('2026-06-08T12:00:00Z');
    expect(findKeyVersion(next, V1).keyVersionId).toBe(V1);
    expect(serviceErrorCode(() => findKeyVersion(next, 'nope'))).toBe('Forbidden.KeyVersionNotFound');
  });

  test('asymmetric keys and keys pending deletion get no new version', () => {
    const version = { keyVersionId: V2, creationDate: T0, material: { keyId: 'k', wrappedKey: 'w', ciphertext: 'c' } };
    expect(serviceErrorCode(() => addKeyVersion(keyOf({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' }), version))).toBe('UnsupportedOperation');
    expect(serviceErrorCode(() => addKeyVersion(keyOf({ state: 'PendingDeletion', deleteDate: T0 }), version))).toBe('Rejected.PendingDeletion');
  });
});

describe('Names: KeyId references, ARNs, aliases', () => {
  test.each<[string, object]>([
    [KEY_ID, { keyId: KEY_ID }],
    [V1, { keyId: V1 }],
    [`acs:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`, { keyId: KEY_ID }],
    ['alias/app', { alias: 'alias/app' }],
    [`acs:kms:${REGION}:${ACCOUNT}:alias/app/db`, { alias: 'alias/app/db' }],
  ])('a KeyId is a key id, its ARN, an alias or an alias ARN: %s', (value, want) => {
    expect(parseKeyReference(value, REGION, ACCOUNT)).toEqual(want);
  });

  test.each<[string, string]>([
    [`acs:kms:cn-shanghai:${ACCOUNT}:key/${KEY_ID}`, 'Forbidden.KeyNotFound'],
    [`acs:kms:${REGION}:999:key/${KEY_ID}`, 'Forbidden.KeyNotFound'],
    [`acs:kms:cn-shanghai:${ACCOUNT}:alias/app`, 'Forbidden.AliasNotFound'],
    ['../../etc/passwd', 'Forbidden.KeyNotFound'],
    ['KEY-ABC', 'Forbidden.KeyNotFound'],
    ['acs:kms:cn-hangzhou:1:secret/x', 'InvalidParameter'],
  ])('an ARN of another region or account, or an id kms-local cannot have made, names no key: %s', (value, code) => {
    expect(serviceErrorCode(() => parseKeyReference(value, REGION, ACCOUNT))).toBe(code);
  });

  test('the ARN of a key is acs:kms:<region>:<account-id>:key/<id>', () => {
    expect(keyArn(REGION, ACCOUNT, KEY_ID)).toBe(`acs:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`);
    expect(keyMetadata(keyOf(), REGION, ACCOUNT).Arn).toBe(`acs:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`);
  });

  test.each<[string, boolean]>([
    ['alias/app', true],
    ['alias/app/db-1_x', true],
    ['alias/', false],
    ['app', false],
    ['alias/acs/x', false],
    ['alias/a b', false],
    [`alias/${'a'.repeat(249)}`, true],
    [`alias/${'a'.repeat(250)}`, false],
  ])('an alias is alias/ then 1 to 249 letters, digits or _ - /, not alias/acs/: %s', (name, ok) => {
    if (ok) expect(checkAliasName(name)).toBe(name);
    else expect(serviceErrorCode(() => checkAliasName(name))).toBe('InvalidParameter');
  });
});

describe('KeyMetadata', () => {
  test('DeleteDate only while pending deletion; rotation fields only with automatic rotation', () => {
    const plain = keyMetadata(keyOf(), REGION, ACCOUNT);
    expect(plain.DeleteDate).toBeUndefined();
    expect(plain.NextRotationDate).toBeUndefined();
    expect(plain.RotationInterval).toBeUndefined();
    expect(plain.AutomaticRotation).toBe('Disabled');
    expect(plain.DeletionProtection).toBe('Disabled');
    const busy = keyMetadata(
      keyOf({ state: 'PendingDeletion', deleteDate: '2026-07-01T00:00:00Z', deletionProtection: { description: 'd' }, rotation: { automatic: true, intervalSeconds: 604800, nextRotationDate: '2026-01-08T00:00:00Z' } }),
      REGION,
      ACCOUNT,
    );
    expect(busy).toMatchObject({ DeleteDate: '2026-07-01T00:00:00Z', KeyState: 'PendingDeletion', AutomaticRotation: 'Enabled', RotationInterval: '604800s', NextRotationDate: '2026-01-08T00:00:00Z', DeletionProtection: 'Enabled', DeletionProtectionDescription: 'd' });
  });
});
