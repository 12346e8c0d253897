/**
 * Rotation targets kept by a store (backend.targets(), src/targets/registry.ts): the same rules on
 * a home's targets.json and on a PostgreSQL store's kms_local_targets table, then what only a
 * shared database can get wrong: two hosts pinning an SSH host key at once, a row holding a
 * credential, a row pointed elsewhere by someone without the master key. Against a real server
 * on loopback (test/support/postgres.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { FileBackend, type StoreBackend } from '../../src/store/backend.js';
import type { Target } from '../../src/targets/registry.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { pgHosts } from '../support/pg-hosts.js';
import { freshDatabase, sqlOn } from '../support/store-records.js';

const pgBin = findPostgres();
const describeIfPostgres = pgBin ? describe : describe.skip;
const MASTER = { KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') };
const FP1 = `SHA256:${'A'.repeat(43)}`;
const FP2 = `SHA256:${'B'.repeat(43)}`;

let server: PgServer | undefined;
const { hostHome, pgBackend } = pgHosts({ poolMax: 3, env: MASTER });

beforeAll(async () => {
  if (pgBin) server = await startPostgres(pgBin);
});

afterAll(() => server?.destroy());

const ssh = (instanceId: string, over: Partial<Target> = {}): Target => ({ kind: 'ssh', instanceId, host: '10.0.0.5', port: 22, ...over }) as Target;
const db: Target = { kind: 'db', instanceId: 'rm-1', engine: 'postgresql', host: 'db.internal', port: 5432, database: 'postgres', adminSecretName: 'admin/rm-1' };

/** The rules every store keeps. */
function targetSuite(name: string, open: () => StoreBackend) {
  describe(`targets: ${name}`, () => {
    test('put then list and find: sorted by kind and instance id, as stored', async () => {
      const targets = open().targets();
      await targets.put(ssh('i-b'));
      await targets.put(db);
      await targets.put(ssh('i-a'));
      expect((await targets.list()).map((t) => `${t.kind}:${t.instanceId}`)).toEqual(['db:rm-1', 'ssh:i-a', 'ssh:i-b']);
      expect(await targets.find('db', 'rm-1')).toEqual(db);
      expect(await targets.find('db', 'i-a')).toBeUndefined();
    });

    test('re-adding an SSH target at the same host and port keeps the pinned key; another port drops it', async () => {
      const targets = open().targets();
      await targets.put(ssh('i-pin'));
      expect(await targets.learnHostKey('i-pin', FP1)).toBe(FP1);
      expect(await targets.put(ssh('i-pin'))).toMatchObject({ hostKeyFingerprint: FP1, hostKeyLearned: true });
      expect(await targets.put(ssh('i-pin', { port: 2222 }))).not.toHaveProperty('hostKeyFingerprint');
    });

    test('a learned host key is pinned once: a second one learned later gets the first', async () => {
      const targets = open().targets();
      await targets.put(ssh('i-tofu'));
      expect(await targets.learnHostKey('i-tofu', FP1)).toBe(FP1);
      expect(await targets.learnHostKey('i-tofu', FP2)).toBe(FP1);
      expect(await targets.learnHostKey('i-none', FP2)).toBe(FP2);
      expect(await targets.find('ssh', 'i-none')).toBeUndefined();
    });

    test('remove: true once, then false', async () => {
      const targets = open().targets();
      await targets.put(ssh('i-gone'));
      expect(await targets.remove('ssh', 'i-gone')).toBe(true);
      expect(await targets.remove('ssh', 'i-gone')).toBe(false);
      expect(await targets.find('ssh', 'i-gone')).toBeUndefined();
    });

    test('a field that is not a target field (a password someone passed along) is not kept', async () => {
      const targets = open().targets();
      const stored = await targets.put({ ...db, instanceId: 'rm-extra', password: 'Not-kept-1' } as unknown as Target);
      expect(stored).not.toHaveProperty('password');
      expect(JSON.stringify(await targets.find('db', 'rm-extra'))).not.toContain('Not-kept-1');
    });
  });
}

targetSuite('files', () => new FileBackend(hostHome()));

describeIfPostgres('targets: PostgreSQL', () => {
  let url: string;
  beforeAll(() => {
    url = freshDatabase(server!).url;
  });

  targetSuite('PostgreSQL', () => pgBackend(hostHome(), url));

  test('a target put by one host is found by another, and no targets.json is made in either home', async () => {
    const [homeA, homeB] = [hostHome(), hostHome()];
    await pgBackend(homeA, url).targets().put(ssh('i-shared'));
    expect(await pgBackend(homeB, url).targets().find('ssh', 'i-shared')).toEqual(ssh('i-shared'));
    expect([existsSync(homeA.path('targets.json')), existsSync(homeB.path('targets.json'))]).toEqual([false, false]);
  });

  test('two hosts learning a host key at once: one is pinned, and both are told that one', async () => {
    const { url: fresh } = freshDatabase(server!);
    const [a, b] = [pgBackend(hostHome(), fresh), pgBackend(hostHome(), fresh)];
    for (let i = 0; i < 10; i++) {
      await a.targets().put(ssh(`i-race-${i}`));
      const pinned = await Promise.all([a.targets().learnHostKey(`i-race-${i}`, FP1), b.targets().learnHostKey(`i-race-${i}`, FP2)]);
      expect(pinned[0]).toBe(pinned[1]);
      expect(await b.targets().find('ssh', `i-race-${i}`)).toMatchObject({ hostKeyFingerprint: pinned[0] });
    }
  });

  test('a row holds no credential: the admin account is named, not kept', async () => {
    const { url: fresh } = freshDatabase(server!);
    await pgBackend(hostHome(), fresh).targets().put(db);
    const rows = await sqlOn<{ record: string }>(fresh, 'SELECT record FROM kms_local_targets');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(JSON.parse(rows[0]!.record).row)).toEqual(db);
  });

  test('a row changed without the master key (pointed at another host) is refused by find and left out of list', async () => {
    const { url: fresh } = freshDatabase(server!);
    const home = hostHome();
    const warnings: string[] = [];
    home.onWarning = (message) => warnings.push(message);
    const targets = pgBackend(home, fresh).targets();
    await targets.put(db);
    await targets.put(ssh('i-kept'));
    await sqlOn(fresh, "UPDATE kms_local_targets SET record = replace(record, 'db.internal', 'attacker.example') WHERE kind = 'db'");
    await expect(targets.find('db', 'rm-1')).rejects.toMatchObject({ code: 'Rejected.IntegrityCheckFailed' });
    expect((await targets.list()).map((t) => t.instanceId)).toEqual(['i-kept']);
    expect(warnings.join('\n')).toContain("target 'rm-1'");
    // A row copied under another instance id is refused too.
    await sqlOn(fresh, "INSERT INTO kms_local_targets (kind, instance_id, record) SELECT kind, 'i-copy', record FROM kms_local_targets WHERE instance_id = 'i-kept'");
    await expect(targets.find('ssh', 'i-copy')).rejects.toMatchObject({ code: 'Rejected.IntegrityCheckFailed' });
  });

  test('a host with another master key cannot read the targets', async () => {
    const { url: fresh } = freshDatabase(server!);
    await pgBackend(hostHome(), fresh).targets().put(db);
    const other = pgBackend(hostHome({ KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') }), fresh);
    await expect(other.targets().find('db', 'rm-1')).rejects.toMatchObject({ code: 'Rejected.IntegrityCheckFailed' });
  });
});
