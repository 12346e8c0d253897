/**
 * Rotation targets on a PostgreSQL store shared by two hosts, from the outside (bin/kms-local.js,
 * two homes, one database, a real server on loopback): a target added on host A is listed and
 * used on host B, so that any host of the team rotates a dynamic secret; no targets.json is made;
 * a target removed on B is gone for A; a rotation running on A is not taken over by B, and one that
 * died is. The rotation target is the same PostgreSQL server.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { BIN, serviceError, twoHosts } from '../support/cli.js';
import { expectSuccess as ok } from '../support/expect-cli.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { freshDatabase } from '../support/store-records.js';

const bin = findPostgres();
const describeIfPostgres = bin ? describe : describe.skip;

describeIfPostgres('rotation targets on a PostgreSQL store shared by two hosts', () => {
  let server: PgServer;
  let env: Record<string, string>;
  const { homeA, homeB, onA, onB } = twoHosts(() => env);
  const current = (on: typeof onA, name: string) => JSON.parse(ok(on('kms', 'GetSecretValue', '--SecretName', name)).json.SecretData) as { AccountName: string; AccountPassword: string };

  beforeAll(async () => {
    server = await startPostgres(bin!);
    env = { KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64'), KMS_LOCAL_STORE: freshDatabase(server).url };
    server.sql("CREATE ROLE app_team LOGIN PASSWORD 'Initial-team-Pw1'");
  });

  afterAll(() => {
    server?.destroy();
  });

  test('a target added on A is listed on B; neither home gets a targets.json', () => {
    ok(onA('target', 'add', '--DBInstanceId', 'rm-team', '--Engine', 'postgresql', '--Host', server.host, '--Port', String(server.port)));
    ok(onA('target', 'add', '--InstanceId', 'i-web', '--Host', '10.0.0.7', '--Port', '22'));
    const listed = ok(onB('target', 'list')).json.Targets.Target as Record<string, unknown>[];
    expect(listed).toEqual([
      { Type: 'Rds', DBInstanceId: 'rm-team', Engine: 'postgresql', Host: server.host, Port: server.port, Database: 'postgres' },
      { Type: 'ECS', InstanceId: 'i-web', Host: '10.0.0.7', Port: 22 },
    ]);
    expect([existsSync(join(homeA, 'targets.json')), existsSync(join(homeB, 'targets.json'))]).toEqual([false, false]);
  });

  test('a dynamic secret created on A is rotated on B through the target A added; A reads the new credential', () => {
    ok(
      onA(
        'kms', 'CreateSecret', '--SecretName', 'team/db', '--VersionId', 'v1', '--SecretType', 'Rds',
        '--ExtendedConfig', JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-team' }),
        '--SecretData', JSON.stringify({ Accounts: [{ AccountName: 'app_team', AccountPassword: 'Initial-team-Pw1' }] }),
      ),
    );
    ok(onB('kms', 'RotateSecret', '--SecretName', 'team/db', '--VersionId', 'v2'));
    const now = current(onA, 'team/db');
    expect(now.AccountName).toBe('app_team');
    expect(server.canLogin('app_team', now.AccountPassword)).toBe(true);
    expect(server.canLogin('app_team', 'Initial-team-Pw1')).toBe(false);
  });

  test('a target removed on B is gone for A: its secret cannot rotate there, with the hint to add it', () => {
    ok(onB('target', 'remove', '--DBInstanceId', 'rm-team'));
    expect((ok(onA('target', 'list')).json.Targets.Target as { Type: string }[]).map((t) => t.Type)).toEqual(['ECS']);
    const refused = serviceError(onA('kms', 'RotateSecret', '--SecretName', 'team/db', '--VersionId', 'v3').stderr);
    expect(refused?.code).toBe('Rejected.TargetNotFound');
    expect(refused?.message).toContain('kms-local target add --DBInstanceId rm-team');
  });

  test("a rotation running on A is refused on B (RotationInProgress); once A's process is gone, B takes over and finishes", async () => {
    server.sql("CREATE ROLE app_busy LOGIN PASSWORD 'Initial-busy-Pw1'");
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    ok(onA('target', 'add', '--DBInstanceId', 'rm-busy', '--Engine', 'postgresql', '--Host', '127.0.0.1', '--Port', String((silent.address() as { port: number }).port)));
    ok(
      onA(
        'kms', 'CreateSecret', '--SecretName', 'team/busy', '--VersionId', 'v1', '--SecretType', 'Rds',
        '--ExtendedConfig', JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-busy' }),
        '--SecretData', JSON.stringify({ Accounts: [{ AccountName: 'app_busy', AccountPassword: 'Initial-busy-Pw1' }] }),
      ),
    );
    // A's rotation hangs at login on a server that never answers.
    const first = spawn(process.execPath, [BIN, 'kms', 'RotateSecret', '--SecretName', 'team/busy', '--VersionId', 'v2'], {
      env: { ...process.env, ...env, KMS_LOCAL_HOME: homeA, NODE_OPTIONS: '' },
      stdio: 'ignore',
    });
    try {
      for (let i = 0; i < 100 && !ok(onB('kms', 'DescribeSecret', '--SecretName', 'team/busy')).json.RotationStatus?.InProgress; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(ok(onB('kms', 'DescribeSecret', '--SecretName', 'team/busy')).json.RotationStatus.InProgress.VersionId).toBe('v2');
      expect(serviceError(onB('kms', 'RotateSecret', '--SecretName', 'team/busy', '--VersionId', 'v3').stderr)?.code).toBe('Rejected.RotationInProgress');
    } finally {
      if (first.exitCode === null && first.signalCode === null) {
        const exited = new Promise((r) => first.once('exit', r));
        first.kill('SIGKILL');
        await exited;
      }
      sockets.forEach((socket) => socket.destroy());
      silent.close();
    }
    ok(onB('target', 'add', '--DBInstanceId', 'rm-busy', '--Engine', 'postgresql', '--Host', server.host, '--Port', String(server.port)));
    ok(onB('kms', 'RotateSecret', '--SecretName', 'team/busy', '--VersionId', 'v4'));
    const now = current(onA, 'team/busy');
    expect(server.canLogin('app_busy', now.AccountPassword)).toBe(true);
    expect(ok(onA('kms', 'DescribeSecret', '--SecretName', 'team/busy')).json.RotationStatus).toBeUndefined();
  });
});
