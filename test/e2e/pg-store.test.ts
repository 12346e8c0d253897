/**
 * kms-local on a PostgreSQL store, from the outside: bin/kms-local.js in two homes standing for
 * two hosts, both given the team's master key and KMS_LOCAL_STORE, against a real server on
 * loopback. What one host writes the other reads; writers on both lose nothing; learning the tool
 * (--help, --dryrun) touches no database; a database that is down is a clear, prompt error.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { homesRemovedAfterAll, runCli, runCliAsync, serviceError, type CliResult } from '../support/cli.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { freshDatabase } from '../support/store-records.js';
import { signedV1, startServe, type Served } from '../support/serve.js';

const bin = findPostgres();
const describeIfPostgres = bin ? describe : describe.skip;

describeIfPostgres('two hosts on one PostgreSQL store (bin/kms-local.js)', () => {
  let server: PgServer;
  const masterKey = randomBytes(32).toString('base64');
  const newHome = homesRemovedAfterAll();

  beforeAll(async () => {
    server = await startPostgres(bin!);
  });

  afterAll(() => {
    server?.destroy();
  });

  /** A host: its own home, the team's master key and store. */
  function host(url: string): (args: string[]) => CliResult {
    const home = newHome();
    return (args) => runCli(['kms', ...args], { home, env: { KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: url } });
  }

  function tablesIn(database: string): string {
    return server.sql("SELECT tablename FROM pg_tables WHERE tablename LIKE 'kms_local_%'", database).trim();
  }

  test('CreateSecret on one host, GetSecretValue on the other: the value, and one ARN for both', () => {
    const { url } = freshDatabase(server);
    const [a, b] = [host(url), host(url)];
    const made = a(['CreateSecret', '--SecretName', 'app/db', '--SecretData', 'written-on-host-a', '--VersionId', 'v1']);
    expect(made.code).toBe(0);
    const read = b(['GetSecretValue', '--SecretName', 'app/db']);
    expect(read.code).toBe(0);
    expect(read.json.SecretData).toBe('written-on-host-a');
    expect(read.json.VersionId).toBe('v1');
    expect(b(['DescribeSecret', '--SecretName', 'app/db']).json.Arn).toBe(made.json.Arn);
    // A name given as the ARN the other host printed resolves too.
    expect(b(['GetSecretValue', '--SecretName', made.json.Arn]).json.SecretData).toBe('written-on-host-a');
  });

  test('processes on both hosts tagging one secret at once lose nothing', async () => {
    const { url } = freshDatabase(server);
    const hosts = [newHome(), newHome()];
    const env = { KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: url };
    expect(runCli(['kms', 'CreateSecret', '--SecretName', 'shared', '--SecretData', 'x', '--VersionId', 'v1'], { home: hosts[0]!, env }).code).toBe(0);
    const runs = await Promise.all(
      Array.from({ length: 16 }, (_x, i) =>
        runCliAsync(['kms', 'TagResource', '--SecretName', 'shared', '--Tags', JSON.stringify([{ TagKey: `k${i}`, TagValue: 'v' }])], { home: hosts[i % 2]!, env }),
      ),
    );
    expect(runs.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    const tags = runCli(['kms', 'DescribeSecret', '--SecretName', 'shared', '--FetchTags', 'true'], { home: hosts[1]!, env }).json.Tags.Tag as { TagKey: string }[];
    expect(tags.map((t) => t.TagKey).sort()).toEqual(Array.from({ length: 16 }, (_x, i) => `k${i}`).sort());
  });

  test('configure set --store keeps the URL in the profile file for every later call, through other settings, until --store files', () => {
    const { url } = freshDatabase(server);
    const home = newHome();
    const env = { KMS_LOCAL_MASTER_KEY: masterKey };
    const kms = (args: string[], extra: Record<string, string> = {}) => runCli(['kms', ...args], { home, env: { ...env, ...extra } });
    host(url)(['CreateSecret', '--SecretName', 'team/one', '--SecretData', 'in-the-database', '--VersionId', 'v1']);
    expect(runCli(['configure', 'set', '--store', url], { home, env }).code).toBe(0);
    expect(runCli(['configure', 'set', '--region', 'cn-shanghai'], { home, env }).code).toBe(0);
    expect(kms(['GetSecretValue', '--SecretName', 'team/one', '--region', 'cn-hangzhou']).json.SecretData).toBe('in-the-database');
    // KMS_LOCAL_STORE wins over the setting.
    expect(serviceError(kms(['GetSecretValue', '--SecretName', 'team/one', '--region', 'cn-hangzhou'], { KMS_LOCAL_STORE: 'files' }).stderr)?.code).toBe('Forbidden.ResourceNotFound');
    const refused = runCli(['configure', 'set', '--store', 'mysql://root:Pa55@db/x'], { home, env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).not.toContain('Pa55');
    expect(runCli(['configure', 'set', '--store', 'files'], { home, env }).code).toBe(0);
    expect(serviceError(kms(['GetSecretValue', '--SecretName', 'team/one', '--region', 'cn-hangzhou']).stderr)?.code).toBe('Forbidden.ResourceNotFound');
  });

  test('two serve replicas on two hosts: a value put through one is read through the other; requests at once on both lose nothing', async () => {
    const { url } = freshDatabase(server);
    const env = { KMS_LOCAL_MASTER_KEY: masterKey, KMS_LOCAL_STORE: url };
    const replicas: Served[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const home = newHome();
        replicas.push(await startServe(home, [], env));
      }
      const [a, b] = replicas as [Served, Served];
      const made = await signedV1(a.endpoint, 'CreateSecret', { SecretName: 'svc/db', SecretData: 'v0-data', VersionId: 'v0' });
      expect(made.status).toBe(200);
      expect((await signedV1(b.endpoint, 'GetSecretValue', { SecretName: 'svc/db' })).body.SecretData).toBe('v0-data');
      const tagged = await Promise.all(
        Array.from({ length: 12 }, (_x, i) => signedV1(replicas[i % 2]!.endpoint, 'TagResource', { SecretName: 'svc/db', Tags: JSON.stringify([{ TagKey: `t${i}`, TagValue: 'v' }]) })),
      );
      expect(tagged.map((r) => r.status)).toEqual(tagged.map(() => 200));
      const described = await signedV1(a.endpoint, 'DescribeSecret', { SecretName: 'svc/db', FetchTags: 'true' });
      expect((described.body.Tags.Tag as { TagKey: string }[]).map((t) => t.TagKey).sort()).toEqual(Array.from({ length: 12 }, (_x, i) => `t${i}`).sort());
      expect(a.output() + b.output()).not.toMatch(/InternalFailure|ServiceUnavailable/);
    } finally {
      for (const replica of replicas) expect(await replica.stop()).toBe(0);
    }
  });

  test('--help, --dryrun and a read of a database never used create nothing in it', () => {
    const { name, url } = freshDatabase(server);
    const a = host(url);
    expect(a(['CreateSecret', '--help']).code).toBe(0);
    expect(a(['CreateSecret', '--SecretName', 's', '--SecretData', 'x', '--VersionId', 'v1', '--dryrun']).code).toBe(0);
    const read = a(['GetSecretValue', '--SecretName', 's']);
    expect(serviceError(read.stderr)?.code).toBe('Forbidden.ResourceNotFound');
    expect(a(['ListSecrets']).json.SecretList.Secret).toEqual([]);
    expect(tablesIn(name)).toBe('');
  });

  test('a database that is down: ServiceUnavailableTemporary naming the store, not its password, within the connect limit', () => {
    const { url } = freshDatabase(server);
    const a = host(url);
    expect(a(['CreateSecret', '--SecretName', 's', '--SecretData', 'x', '--VersionId', 'v1']).code).toBe(0);
    server.stop();
    try {
      const started = Date.now();
      const read = a(['GetSecretValue', '--SecretName', 's']);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(read.code).toBe(1);
      const error = serviceError(read.stderr);
      expect(error?.code).toBe('ServiceUnavailableTemporary');
      expect(error?.message).toContain(`PostgreSQL store postgresql://postgres@${server.host}:${server.port}/`);
      expect(read.stderr).not.toContain(server.superPassword);
      expect(read.stdout).toBe('');
    } finally {
      server.start();
    }
    expect(a(['GetSecretValue', '--SecretName', 's']).json.SecretData).toBe('x');
  });
});
