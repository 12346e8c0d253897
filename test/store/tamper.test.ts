/**
 * Tampering, exhaustively (issue 5 item 7): every byte of a real secret file changed in turn, and
 * every white-space byte swapped for other JSON white space, must be refused by the read path with
 * Rejected.IntegrityCheckFailed naming the secret and holding no value. (test/store/store.test.ts
 * flips chosen bytes through the store; test/e2e/secret-hygiene.test.ts does it through the CLI.)
 * Key files and alias tables get the same treatment through the key store.
 * The default run tries 3 changes per byte; KMS_LOCAL_LONG_TESTS=1 tries all 255.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../../src/errors/errors.js';
import { ACS_CURRENT, ACS_PREVIOUS, type SecretRecord } from '../../src/core/model.js';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { decodeSecretFile, fileNameFor } from '../../src/store/secret-file.js';
import { makeHome, removeHome } from '../support/cli.js';
import { LONG } from '../support/workload.js';
import { KeyStore } from '../../src/store/key-store.js';
import type { KeyRecord } from '../../src/core/keys.js';
import { generateKeyMaterial, newKeyId, newKeyVersionId } from '../../src/crypto/key-material.js';

const REGION = 'cn-hangzhou';
const NOW = '2026-03-01T08:00:00Z';
const NAME = 'tamper/every-byte';
const VALUES = ['first-value-8c1f', 'second-value-77ad', 'pending-value-e0b2'];

function secretWithEverything(home: Home): SecretRecord {
  const keys = home.keys();
  const version = (id: string, value: string, stages: string[]) => {
    const plaintext = Buffer.from(value, 'utf8');
    return { versionId: id, createTime: NOW, stages, dataType: 'text' as const, digest: keys.digest(NAME, 'text', plaintext), payload: keys.sealValue(NAME, id, plaintext) };
  };
  return {
    name: NAME,
    type: 'Generic',
    description: 'Beschreibung – 秘密 🔑 "quoted" \\ back',
    createTime: NOW,
    updateTime: NOW,
    encryptionKeyId: keys.keyId,
    tags: [
      { TagKey: 'env', TagValue: 'prod' },
      { TagKey: 'team', TagValue: 'payments/core' },
    ],
    versions: [version('v1', VALUES[0]!, [ACS_PREVIOUS]), version('v2', VALUES[1]!, [ACS_CURRENT]), version('v3', VALUES[2]!, ['MyPendingLabel'])],
  };
}

describe('every changed byte of a secret file is caught', () => {
  const root = makeHome();
  const home = new Home({ KMS_LOCAL_HOME: root });
  const store = new SecretStore(home, REGION, () => Date.parse(NOW));
  store.mutate(NAME, () => ({ next: secretWithEverything(home), result: undefined }));
  const original = readFileSync(join(root, 'store', REGION, fileNameFor(NAME)));
  const keyringFor = (keyId: string) => home.keyring(keyId);
  afterAll(() => removeHome(root));
  const decode = (bytes: Buffer) => decodeSecretFile(bytes.toString('utf8'), NAME, REGION, keyringFor, home.keys().keyId);

  /** What a changed file gives: 'caught' when it is refused as it should be, else what happened. */
  function outcome(bytes: Buffer): string {
    try {
      decode(bytes);
      return 'accepted';
    } catch (err) {
      if (!(err instanceof ServiceError)) return `threw ${(err as Error).name}`;
      if (err.code !== 'Rejected.IntegrityCheckFailed') return err.code;
      if (!err.message.includes(`'${NAME}'`)) return 'unnamed';
      if (VALUES.some((v) => err.message.includes(v))) return 'leaked';
      return 'caught';
    }
  }

  test('the untouched file reads back', () => {
    expect(decode(original).versions.map((v) => v.versionId)).toEqual(['v1', 'v2', 'v3']);
  });

  test(`each of its bytes changed (${LONG ? 'all 255 changes' : '3 changes'} per byte)`, () => {
    const masks = LONG ? Array.from({ length: 255 }, (_, i) => i + 1) : [0x01, 0x20, 0xff];
    const missed: string[] = [];
    for (let at = 0; at < original.length; at++) {
      for (const mask of masks) {
        const bytes = Buffer.from(original);
        bytes[at] = bytes[at]! ^ mask;
        const got = outcome(bytes);
        if (got !== 'caught') missed.push(`byte ${at} ^ 0x${mask.toString(16)} (${JSON.stringify(original.toString('latin1', Math.max(0, at - 8), at + 8))}): ${got}`);
      }
    }
    expect(missed.slice(0, 20)).toEqual([]);
  });

  test('white space swapped for other white space, a key given twice, a byte added or removed', () => {
    const missed: string[] = [];
    const check = (what: string, bytes: Buffer): void => {
      const got = outcome(bytes);
      if (got !== 'caught') missed.push(`${what}: ${got}`);
    };
    const whitespace = [0x20, 0x09, 0x0a, 0x0d];
    for (let at = 0; at < original.length; at++) {
      if (whitespace.includes(original[at]!)) {
        for (const other of whitespace.filter((w) => w !== original[at])) {
          const bytes = Buffer.from(original);
          bytes[at] = other;
          check(`byte ${at} 0x${original[at]!.toString(16)} -> 0x${other.toString(16)}`, bytes);
        }
      }
      check(`byte ${at} removed`, Buffer.concat([original.subarray(0, at), original.subarray(at + 1)]));
      check(`a space inserted at ${at}`, Buffer.concat([original.subarray(0, at), Buffer.from(' '), original.subarray(at)]));
    }
    const text = original.toString('utf8');
    check('"mac" given twice', Buffer.from(text.replace('  "mac"', '  "mac": "AAAA",\n  "mac"')));
    check('"description" given twice', Buffer.from(text.replace('    "description"', '    "description": "other",\n    "description"')));
    check('compact JSON', Buffer.from(JSON.stringify(JSON.parse(text))));
    check('a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), original]));
    expect(missed.slice(0, 20)).toEqual([]);
  });
});

describe('every changed byte of a key file and of an alias table is caught', () => {
  const root = makeHome();
  const home = new Home({ KMS_LOCAL_HOME: root });
  const keys = new KeyStore(home, REGION, () => Date.parse(NOW));
  const keyId = newKeyId();
  const versionIds = [newKeyVersionId(), newKeyVersionId()];
  const materials = versionIds.map(() => generateKeyMaterial('Aliyun_AES_256'));
  const key: KeyRecord = {
    keyId,
    description: 'Schlüssel – 鍵 🔑 "quoted" \\ back',
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creationDate: NOW,
    creator: '1234567890123456',
    state: 'Enabled',
    deletionProtection: { description: 'kept' },
    rotation: { automatic: true, intervalSeconds: 604800, nextRotationDate: '2026-03-08T08:00:00Z' },
    lastRotationDate: NOW,
    primaryKeyVersion: versionIds[1]!,
    versions: versionIds.map((id, i) => ({ keyVersionId: id, creationDate: NOW, material: keys.sealMaterial(keyId, id, materials[i]!) })),
    tags: [{ TagKey: 'env', TagValue: 'prod' }],
    policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*"}]}',
  };
  keys.mutate(keyId, () => ({ next: key, result: undefined }));
  keys.mutateAliases(() => ({ next: [{ aliasName: 'alias/tamper', keyId, creationDate: NOW }, { aliasName: 'alias/other', keyId, creationDate: NOW }], result: undefined }));
  const keyFile = join(root, 'store', REGION, 'keys', `${keyId}.json`);
  const aliasFile = join(root, 'store', REGION, 'keys', 'aliases.json');
  const originals = { key: readFileSync(keyFile), aliases: readFileSync(aliasFile) };
  const secrets = materials.flatMap((m) => ['base64', 'hex'].map((enc) => m.toString(enc as BufferEncoding)));
  afterAll(() => removeHome(root));

  /** What reading `bytes` as the file gives: 'caught' when refused as it should be, else what happened. */
  function outcome(file: 'key' | 'aliases', bytes: Buffer): string {
    try {
      if (file === 'key') keys.decodeKeyFile(bytes.toString('utf8'), keyId);
      else keys.decodeAliasFile(bytes.toString('utf8'));
      return 'accepted';
    } catch (err) {
      if (!(err instanceof ServiceError)) return `threw ${(err as Error).name}`;
      if (err.code !== 'Rejected.IntegrityCheckFailed') return err.code;
      if (!err.message.includes(file === 'key' ? `'${keyId}'` : 'alias table')) return 'unnamed';
      if (secrets.some((v) => err.message.includes(v))) return 'leaked';
      return 'caught';
    }
  }

  test('the untouched files read back, and the material opens; a changed file on disk is refused by the store', () => {
    expect(outcome('key', originals.key)).toBe('accepted');
    expect(outcome('aliases', originals.aliases)).toBe('accepted');
    expect(keys.get(keyId)).toEqual(key);
    expect(keys.readAliases().map((a) => a.aliasName)).toEqual(['alias/other', 'alias/tamper']);
    writeFileSync(keyFile, Buffer.concat([originals.key, Buffer.from(' ')]));
    writeFileSync(aliasFile, Buffer.concat([Buffer.from(' '), originals.aliases]));
    expect(() => keys.get(keyId)).toThrow(ServiceError);
    expect(() => keys.readAliases()).toThrow(ServiceError);
    writeFileSync(keyFile, originals.key);
    writeFileSync(aliasFile, originals.aliases);
    expect(keys.openMaterial(key, key.versions[1]!).equals(materials[1]!)).toBe(true);
  });

  test.each(['key', 'aliases'] as const)(`each byte of the %s file changed (${LONG ? 'all 255 changes' : '3 changes'} per byte), removed, or a space inserted`, (file) => {
    const original = originals[file];
    const masks = LONG ? Array.from({ length: 255 }, (_, i) => i + 1) : [0x01, 0x20, 0xff];
    const missed: string[] = [];
    for (let at = 0; at < original.length; at++) {
      for (const mask of masks) {
        const bytes = Buffer.from(original);
        bytes[at] = bytes[at]! ^ mask;
        const got = outcome(file, bytes);
        if (got !== 'caught') missed.push(`byte ${at} ^ 0x${mask.toString(16)}: ${got}`);
      }
      const removed = outcome(file, Buffer.concat([original.subarray(0, at), original.subarray(at + 1)]));
      if (removed !== 'caught') missed.push(`byte ${at} removed: ${removed}`);
      const inserted = outcome(file, Buffer.concat([original.subarray(0, at), Buffer.from(' '), original.subarray(at)]));
      if (inserted !== 'caught') missed.push(`a space inserted at ${at}: ${inserted}`);
    }
    expect(missed.slice(0, 20)).toEqual([]);
  });
});
