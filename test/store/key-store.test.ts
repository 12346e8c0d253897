/**
 * The key store: key files in temporary homes, sealed material, the alias table, tamper detection,
 * master keys, and the rule that a rehearsal clock reads a deleted key as gone but never removes it.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../../src/errors/errors.js';
import type { KeyRecord } from '../../src/core/keys.js';
import { generateKeyMaterial, newKeyId, newKeyVersionId, publicKeyPem } from '../../src/crypto/key-material.js';
import { Home } from '../../src/store/home.js';
import { KeyStore } from '../../src/store/key-store.js';
import { makeHome, removeHome } from '../support/cli.js';

const REGION = 'cn-hangzhou';
const NOW = '2026-03-01T08:00:00Z';
const homes: string[] = [];

afterAll(() => homes.forEach(removeHome));

function tempHome(env: Record<string, string | undefined> = {}): Home {
  const root = makeHome();
  homes.push(root);
  return new Home({ KMS_LOCAL_HOME: root, ...env });
}

function storeOf(home: Home, nowMs = Date.parse(NOW)): KeyStore {
  return new KeyStore(home, REGION, () => nowMs);
}

/** Creates a key with fresh material through the store; returns it and a copy of its material. */
function createKey(store: KeyStore, over: Partial<KeyRecord> = {}, spec: KeyRecord['keySpec'] = 'Aliyun_AES_256'): { key: KeyRecord; material: Buffer } {
  const keyId = newKeyId();
  const versionId = newKeyVersionId();
  const material = generateKeyMaterial(spec);
  const key: KeyRecord = {
    keyId,
    description: 'made by the key store test',
    keySpec: spec,
    keyUsage: spec.startsWith('Aliyun') ? 'ENCRYPT/DECRYPT' : 'SIGN/VERIFY',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creationDate: NOW,
    creator: '1234567890123456',
    state: 'Enabled',
    rotation: { automatic: false },
    lastRotationDate: NOW,
    primaryKeyVersion: versionId,
    versions: [{ keyVersionId: versionId, creationDate: NOW, material: store.sealMaterial(keyId, versionId, material) }],
    tags: [],
    ...over,
  };
  store.mutate(keyId, () => ({ next: key, result: undefined }));
  return { key, material: Buffer.from(material) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    return (err as ServiceError).code;
  }
  throw new Error('nothing was thrown');
}

describe('key files', () => {
  test('a key is written to keys/<keyId>.json, mode 0600, and read back as written', () => {
    const home = tempHome();
    const store = storeOf(home);
    const { key } = createKey(store);
    const file = join(home.root, 'store', REGION, 'keys', `${key.keyId}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home.root, 'store', REGION, 'keys')).mode & 0o777).toBe(0o700);
    expect(store.get(key.keyId)).toEqual(key);
    expect(store.list().map((k) => k.keyId)).toEqual([key.keyId]);
  });

  test('the material is sealed: not in the file in any encoding, and opens to what was made', () => {
    const home = tempHome();
    const store = storeOf(home);
    const { key, material } = createKey(store);
    const text = readFileSync(join(home.root, 'store', REGION, 'keys', `${key.keyId}.json`), 'utf8');
    for (const encoding of ['base64', 'hex', 'base64url', 'latin1'] as const) {
      expect(text.includes(material.toString(encoding))).toBe(false);
    }
    expect(store.openMaterial(key, key.versions[0]!).equals(material)).toBe(true);
  });

  test('RSA and EC material is a private key whose public half is a PEM', () => {
    const store = storeOf(tempHome());
    for (const spec of ['RSA_2048', 'EC_P256', 'EC_P256K'] as const) {
      const { key, material } = createKey(store, {}, spec);
      const opened = store.openMaterial(key, key.versions[0]!);
      expect(publicKeyPem(opened)).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      expect(opened.equals(material)).toBe(true);
    }
  });

  test('material copied to another key or version fails to open: the key id and version id are bound to it', () => {
    const store = storeOf(tempHome());
    const { key: a } = createKey(store);
    const { key: b } = createKey(store);
    const moved = { ...b, versions: [{ ...b.versions[0]!, material: a.versions[0]!.material }] };
    expect(codeOf(() => store.openMaterial(moved, moved.versions[0]!))).toBe('Rejected.IntegrityCheckFailed');
  });

  test.each([
    ['a changed byte in the description', (t: string) => t.replace('made by the key store test', 'made by the key store tesT')],
    ['a changed state', (t: string) => t.replace('"Enabled"', '"Disabled"')],
    ['extra white space', (t: string) => t.replace('{', '{ ')],
    ['not JSON', (t: string) => t.slice(0, 20)],
    ['another MAC', (t: string) => t.replace(/"mac": "[^"]+"/, `"mac": "${randomBytes(32).toString('base64')}"`)],
  ])('a key file changed outside kms-local is refused with Rejected.IntegrityCheckFailed: %s', (_case, change) => {
    const home = tempHome();
    const store = storeOf(home);
    const { key } = createKey(store);
    const file = join(home.root, 'store', REGION, 'keys', `${key.keyId}.json`);
    writeFileSync(file, change(readFileSync(file, 'utf8')));
    expect(codeOf(() => store.get(key.keyId))).toBe('Rejected.IntegrityCheckFailed');
    expect(codeOf(() => store.mutate(key.keyId, () => ({ result: undefined })))).toBe('Rejected.IntegrityCheckFailed');
  });

  test('a key file read under another master key is refused, naming the key', () => {
    const root = makeHome();
    homes.push(root);
    const first = new Home({ KMS_LOCAL_HOME: root, KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') });
    const { key } = createKey(storeOf(first));
    const other = new Home({ KMS_LOCAL_HOME: root, KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') });
    expect(() => storeOf(other).get(key.keyId)).toThrow(key.keyId);
    expect(codeOf(() => storeOf(other).get(key.keyId))).toBe('Rejected.IntegrityCheckFailed');
  });

  test('a key file copied to another key id is refused', () => {
    const home = tempHome();
    const store = storeOf(home);
    const { key } = createKey(store);
    const dir = join(home.root, 'store', REGION, 'keys');
    const otherId = newKeyId();
    writeFileSync(join(dir, `${otherId}.json`), readFileSync(join(dir, `${key.keyId}.json`)));
    expect(codeOf(() => store.get(otherId))).toBe('Rejected.IntegrityCheckFailed');
  });
});

describe('deletion and the rehearsal clock', () => {
  test('a key past its DeleteDate on a rehearsal clock reads as gone, and its file stays', () => {
    const home = tempHome();
    const deleteDate = new Date(Date.now() + 10 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const { key } = createKey(storeOf(home), { state: 'PendingDeletion', deleteDate });
    const rehearsal = storeOf(home, Date.now() + 11 * 86_400_000);
    expect(rehearsal.get(key.keyId)).toBeUndefined();
    expect(rehearsal.list()).toEqual([]);
    expect(codeOf(() => rehearsal.resolve(key.keyId, '1234567890123456'))).toBe('Forbidden.KeyNotFound');
    expect(existsSync(join(home.root, 'store', REGION, 'keys', `${key.keyId}.json`))).toBe(true);
    expect(storeOf(home, Date.now()).get(key.keyId)?.state).toBe('PendingDeletion');
  });

  test('a key past its DeleteDate on the real clock is removed', () => {
    const home = tempHome();
    const { key } = createKey(storeOf(home), { state: 'PendingDeletion', deleteDate: '2026-01-01T00:00:00Z' });
    expect(storeOf(home, Date.now()).get(key.keyId)).toBeUndefined();
    expect(existsSync(join(home.root, 'store', REGION, 'keys', `${key.keyId}.json`))).toBe(false);
  });
});

describe('aliases', () => {
  test('an alias resolves to its key, by name and by alias ARN; an unknown alias is Forbidden.AliasNotFound', () => {
    const home = tempHome();
    const store = storeOf(home);
    const { key } = createKey(store);
    store.mutateAliases((aliases) => ({ next: [...aliases, { aliasName: 'alias/app', keyId: key.keyId, creationDate: NOW }], result: undefined }));
    const account = home.accountId();
    expect(store.resolve('alias/app', account).keyId).toBe(key.keyId);
    expect(store.resolve(`acs:kms:${REGION}:${account}:alias/app`, account).keyId).toBe(key.keyId);
    expect(store.resolve(`acs:kms:${REGION}:${account}:key/${key.keyId}`, account).keyId).toBe(key.keyId);
    expect(codeOf(() => store.resolve('alias/other', account))).toBe('Forbidden.AliasNotFound');
    expect(statSync(join(home.root, 'store', REGION, 'keys', 'aliases.json')).mode & 0o777).toBe(0o600);
  });

  test('an alias table changed outside kms-local is refused', () => {
    const home = tempHome();
    const store = storeOf(home);
    const { key } = createKey(store);
    const { key: other } = createKey(store);
    store.mutateAliases(() => ({ next: [{ aliasName: 'alias/app', keyId: key.keyId, creationDate: NOW }], result: undefined }));
    const file = join(home.root, 'store', REGION, 'keys', 'aliases.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(key.keyId, other.keyId));
    expect(codeOf(() => store.resolve('alias/app', home.accountId()))).toBe('Rejected.IntegrityCheckFailed');
  });
});
