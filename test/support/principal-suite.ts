/**
 * One suite for the principal storage and the audit sink of a store (src/store/principals.ts,
 * src/audit/audit-sink.ts), run on every store kind (test/store/principals.test.ts, and the
 * PostgreSQL store's tests).
 */
import { describe, expect, test } from '@jest/globals';
import type { Home } from '../../src/store/home.js';
import type { StoreBackend } from '../../src/store/backend.js';
import { auditRecord } from '../../src/audit/audit-log.js';
import { CliError } from '../../src/errors/errors.js';

export const MASTER = { KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 5).toString('base64') };
const DOC = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: 'acs:kms:*:*:secret/app/*' }] });

export interface StoreKind {
  name: string;
  /** A fresh, empty store (its home); both halves of a "two hosts" pair when called with `shareWith`. */
  open(shareWith?: StoreBackend): Promise<{ backend: StoreBackend; home: Home }>;
}

export function principalSuite(kind: StoreKind): void {
  describe(`principal storage: ${kind.name}`, () => {
    test('put makes a principal; get, list and byAccessKeyId find it', async () => {
      const { backend } = await kind.open();
      const store = backend.principals();
      expect(await store.list()).toEqual([]);
      const made = await store.put('reader', { accessKeyId: 'LTAIreader', accessKeySecret: 'reader-secret', policyDocuments: [DOC] });
      expect(made).toEqual({ profile: 'reader', accessKeyId: 'LTAIreader', accessKeySecret: 'reader-secret', policies: [], policyDocuments: [DOC] });
      await store.put('admin', { accessKeyId: 'LTAIadmin', accessKeySecret: 'admin-secret', policies: ['AliyunKMSFullAccess'] });
      expect(await store.get('reader')).toEqual(made);
      expect(await store.byAccessKeyId('LTAIreader')).toEqual(made);
      expect(await store.byAccessKeyId('LTAInobody')).toBeUndefined();
      expect(await store.byAccessKeyId('')).toBeUndefined();
      expect((await store.list()).map((p) => p.profile)).toEqual(['admin', 'reader']);
    });

    test('put changes only what it is given; --policy none detaches', async () => {
      const { backend } = await kind.open();
      const store = backend.principals();
      await store.put('p', { accessKeyId: 'LTAIp', accessKeySecret: 'one', policies: ['AliyunKMSReadOnlyAccess'] });
      expect(await store.put('p', { accessKeySecret: 'two' })).toEqual({ profile: 'p', accessKeyId: 'LTAIp', accessKeySecret: 'two', policies: ['AliyunKMSReadOnlyAccess'], policyDocuments: [] });
      expect(await store.put('p', { policyDocuments: [DOC] })).toMatchObject({ policies: ['AliyunKMSReadOnlyAccess'], policyDocuments: [DOC] });
      expect(await store.put('p', { detachAll: true })).toMatchObject({ accessKeySecret: 'two', policies: [], policyDocuments: [] });
      expect(await store.get('p')).toMatchObject({ policies: [], policyDocuments: [] });
    });

    test('an AccessKeyId another profile holds is refused, and nothing changes', async () => {
      const { backend } = await kind.open();
      const store = backend.principals();
      await store.put('a', { accessKeyId: 'LTAIshared', accessKeySecret: 'a' });
      await store.put('b', { accessKeyId: 'LTAIb', accessKeySecret: 'b' });
      await expect(store.put('b', { accessKeyId: 'LTAIshared' })).rejects.toThrow(CliError);
      await expect(store.put('c', { accessKeyId: 'LTAIshared', accessKeySecret: 'c' })).rejects.toThrow(/already profile a's/);
      expect(await store.get('b')).toMatchObject({ accessKeyId: 'LTAIb' });
      expect(await store.get('c')).toBeUndefined();
      expect((await store.byAccessKeyId('LTAIshared'))?.profile).toBe('a');
    });

    test('remove takes the principal away; a second remove finds none', async () => {
      const { backend } = await kind.open();
      const store = backend.principals();
      await store.put('gone', { accessKeyId: 'LTAIgone', accessKeySecret: 'x' });
      expect(await store.remove('gone')).toBe(true);
      expect(await store.remove('gone')).toBe(false);
      expect(await store.byAccessKeyId('LTAIgone')).toBeUndefined();
      // Its AccessKeyId is free again.
      await store.put('next', { accessKeyId: 'LTAIgone', accessKeySecret: 'y' });
    });

    test('a second host on the same store sees the principals of the first', async () => {
      const first = await kind.open();
      const second = await kind.open(first.backend);
      await first.backend.principals().put('team', { accessKeyId: 'LTAIteam', accessKeySecret: 'team-secret' });
      expect(await second.backend.principals().byAccessKeyId('LTAIteam')).toMatchObject({ profile: 'team', accessKeySecret: 'team-secret' });
    });

    test('the audit sink keeps records in order, as appended, with the caller', async () => {
      const { backend } = await kind.open();
      const sink = backend.audit();
      const one = auditRecord({ time: '2026-03-01T08:00:00Z', operation: 'PutSecretValue', requestId: 'r-1', params: { SecretName: 'app/x', VersionId: 'v2' }, caller: 'admin/LTAIadmin' });
      const two = auditRecord({ time: '2026-03-01T08:00:01Z', operation: 'GetSecretValue', requestId: 'r-2', params: { SecretName: 'other/y' }, error: new CliError('x'), caller: 'reader/LTAIreader' });
      await sink.append(one);
      await sink.append(two);
      const read = await sink.read();
      expect(read.map((e) => e.record)).toEqual([one, two]);
      expect(read.map((e) => JSON.parse(e.line))).toEqual([one, two]);
    });
  });
}

