/**
 * The principal storage and the audit sink of the home's files (test/support/principal-suite.ts):
 * principals are the profiles of config.json, the audit trail is audit.log.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Home } from '../../src/store/home.js';
import { FileBackend, type StoreBackend } from '../../src/store/backend.js';
import { makeEmptyHome, removeHome } from '../support/cli.js';
import { MASTER, principalSuite, type StoreKind } from '../support/principal-suite.js';

const homes: string[] = [];
afterAll(() => homes.forEach(removeHome));

const rootOf = new WeakMap<StoreBackend, string>();
const files: StoreKind = {
  name: 'files',
  async open(shareWith) {
    // Two hosts on one home's files are two processes on that home.
    const root = shareWith ? rootOf.get(shareWith)! : makeEmptyHome();
    if (!shareWith) homes.push(root);
    const home = new Home({ KMS_LOCAL_HOME: root, ...MASTER });
    const backend = new FileBackend(home);
    rootOf.set(backend, root);
    return { backend, home };
  },
};

principalSuite(files);

describe('principal storage: files keep principals in the profiles of config.json', () => {
  test('other fields of a profile are kept; a principal put makes a profile', async () => {
    const root = makeEmptyHome();
    homes.push(root);
    const path = join(root, 'config.json');
    writeFileSync(path, JSON.stringify({ current: 'dev', profiles: [{ name: 'dev', region_id: 'cn-shanghai', language: 'en', access_key_id: 'LTAIdev', access_key_secret: 'old' }] }));
    const backend = new FileBackend(new Home({ KMS_LOCAL_HOME: root }));
    await backend.principals().put('dev', { accessKeySecret: 'new', policies: ['AliyunKMSSecretUserAccess'] });
    await backend.principals().put('ci', { accessKeyId: 'LTAIci', accessKeySecret: 'ci' });
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.current).toBe('dev');
    expect(file.profiles).toEqual([
      { name: 'dev', region_id: 'cn-shanghai', language: 'en', access_key_id: 'LTAIdev', access_key_secret: 'new', policies: ['AliyunKMSSecretUserAccess'] },
      { name: 'ci', access_key_id: 'LTAIci', access_key_secret: 'ci' },
    ]);
  });
});
