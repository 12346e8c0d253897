/**
 * Records for store tests, sealed under a home's master key, and PostgreSQL databases for the
 * store to live in (on a server from test/support/postgres.ts).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Home } from '../../src/store/home.js';
import type { KeyStorage } from '../../src/store/backend.js';
import { ACS_CURRENT, type SecretRecord } from '../../src/core/model.js';
import type { KeyRecord } from '../../src/core/keys.js';
import { generateKeyMaterial, newKeyId, newKeyVersionId } from '../../src/crypto/key-material.js';
import type { PgServer } from './postgres.js';

export const NOW = '2026-03-01T08:00:00Z';

/** A one-version secret (version `v1`) whose value is sealed under the home's master key. */
export function secretRecord(home: Home, name: string, value: string, over: Partial<SecretRecord> = {}): SecretRecord {
  const keys = home.keys();
  const plaintext = Buffer.from(value, 'utf8');
  return {
    name,
    type: 'Generic',
    description: 'made by a store test',
    createTime: NOW,
    updateTime: NOW,
    encryptionKeyId: keys.keyId,
    tags: [{ TagKey: 'env', TagValue: 'test' }],
    versions: [
      {
        versionId: 'v1',
        createTime: NOW,
        stages: [ACS_CURRENT],
        dataType: 'text',
        digest: keys.digest(name, 'text', plaintext),
        payload: keys.sealValue(name, 'v1', plaintext),
      },
    ],
    ...over,
  };
}

/** The value of a secret's version `v1`. */
export function valueOf(home: Home, secret: SecretRecord, versionId = 'v1'): string {
  const version = secret.versions.find((v) => v.versionId === versionId)!;
  return home.keys().openValue(secret.name, versionId, version.payload).toString('utf8');
}

/** A symmetric key with fresh material sealed by the storage (not yet stored), and that material. */
export function keyRecord(storage: KeyStorage, over: Partial<KeyRecord> = {}): { key: KeyRecord; material: Buffer } {
  const keyId = newKeyId();
  const versionId = newKeyVersionId();
  const material = generateKeyMaterial('Aliyun_AES_256');
  const key: KeyRecord = {
    keyId,
    description: 'made by a store test',
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creationDate: NOW,
    creator: '1234567890123456',
    state: 'Enabled',
    rotation: { automatic: false },
    lastRotationDate: NOW,
    primaryKeyVersion: versionId,
    versions: [{ keyVersionId: versionId, creationDate: NOW, material: storage.sealMaterial(keyId, versionId, material) }],
    tags: [],
    ...over,
  };
  return { key, material: Buffer.from(material) };
}

/** A fresh, empty database on `server`, and the URL kms-local reaches it by (as the superuser). */
export function freshDatabase(server: PgServer, prefix = 'kms_store'): { name: string; url: string } {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  server.sql(`CREATE DATABASE ${name}`);
  return { name, url: `postgresql://${server.superuser}:${encodeURIComponent(server.superPassword)}@${server.host}:${server.port}/${name}` };
}

/** Every way a value could show up: as is, base64 (at each alignment), base64url and hex. */
export function encodingsOf(bytes: Buffer): string[] {
  const forms = [bytes.toString('latin1'), bytes.toString('hex'), bytes.toString('hex').toUpperCase(), bytes.toString('base64url')];
  for (const pad of [0, 1, 2]) {
    // The base64 of the value after `pad` other bytes: its middle is the same whatever they are.
    const shifted = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    forms.push(shifted.slice(pad === 0 ? 0 : 4, -4));
  }
  return forms;
}

/** Runs one statement on a database as the URL's user, outside kms-local (to look at or damage its tables). */
export async function sqlOn<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
