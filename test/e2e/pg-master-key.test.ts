/**
 * A host joining a PostgreSQL store without the team's master key: kms-local must not make a key of
 * its own for a store whose records are under another one (a second key in one store would leave
 * part of it unreadable to every host), as it refuses to for a home's files. It names the key the
 * store needs and writes nothing, neither in the home nor in the database.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { homesRemovedAfterAll, makeEmptyHome, runCli } from '../support/cli.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { freshDatabase } from '../support/store-records.js';

const bin = findPostgres();
const describeIfPostgres = bin ? describe : describe.skip;

describeIfPostgres('a host without the master key of a shared store', () => {
  let server: PgServer;
  const newHome = homesRemovedAfterAll();
  const newEmptyHome = homesRemovedAfterAll(makeEmptyHome);

  beforeAll(async () => {
    server = await startPostgres(bin!);
  });

  afterAll(() => {
    server?.destroy();
  });

  test('is refused, naming the key the store needs, and no key is made in its home', () => {
    const { url } = freshDatabase(server);
    const first = newHome();
    expect(runCli(['kms', 'CreateSecret', '--SecretName', 'app/db', '--SecretData', 's3cr3t', '--VersionId', 'v1'], { home: first, env: { KMS_LOCAL_STORE: url } }).code).toBe(0);

    const second = newEmptyHome();
    for (const args of [
      ['kms', 'GetSecretValue', '--SecretName', 'app/db'],
      ['kms', 'CreateSecret', '--SecretName', 'app/other', '--SecretData', 'x', '--VersionId', 'v1'],
    ]) {
      const out = runCli(args, { home: second, env: { KMS_LOCAL_STORE: url } });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/the PostgreSQL store postgresql:\/\/[^ ]+ holds secrets under master key key-local-[0-9a-f]+, but no master key was found/);
      expect(out.stderr).toContain('nothing was written');
      expect(existsSync(join(second, 'master.key'))).toBe(false);
    }
    expect(readdirSync(second)).toEqual([]);
    // The first host still reads its secret, and the second host's refused write left nothing.
    const listed = runCli(['kms', 'ListSecrets'], { home: first, env: { KMS_LOCAL_STORE: url } });
    expect(listed.json.SecretList).toEqual({ Secret: [expect.objectContaining({ SecretName: 'app/db' })] });
  });

  test('a host without a key of its own may make one for a store that holds nothing yet', () => {
    const { url } = freshDatabase(server);
    const home = newEmptyHome();
    const out = runCli(['kms', 'CreateSecret', '--SecretName', 'first', '--SecretData', 'x', '--VersionId', 'v1'], { home, env: { KMS_LOCAL_STORE: url } });
    expect(out.code).toBe(0);
    expect(existsSync(join(home, 'master.key'))).toBe(true);
  });
});
