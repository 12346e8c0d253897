/**
 * Automatic rotation: rotation policies (CreateSecret, UpdateSecretRotationPolicy) and
 * `kms-local rotate-due` with KMS_LOCAL_NOW moved past NextRotationDate, against a real
 * PostgreSQL server (test/support/postgres.ts). Only the due secrets may rotate.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';

const bin = findPostgres();
if (!bin) console.warn('\n!!! SKIPPED test/e2e/rotate-due.test.ts: the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed.\n');
const describeIfPostgres = bin ? describe : describe.skip;

const DAY = 86_400_000;
let pg: PgServer;
let home: string;
let createdMs: number;

function cli(args: string[], now?: number): CliResult {
  return runCli(args, { home, env: now === undefined ? {} : { KMS_LOCAL_NOW: new Date(now).toISOString() } });
}

function kms(...args: string[]): CliResult {
  return cli(['kms', ...args]);
}

function ok(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.json;
}

function password(name: string): string {
  return JSON.parse(ok(kms('GetSecretValue', '--SecretName', name)).SecretData).AccountPassword;
}

function createRds(name: string, role: string, rotation: string[], instance = 'rm-due'): any {
  pg.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'Initial-${role}-Pw1'`);
  return ok(
    kms(
      'CreateSecret',
      '--SecretName', name,
      '--VersionId', 'v1',
      '--SecretType', 'Rds',
      '--ExtendedConfig', JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: instance }),
      '--SecretData', JSON.stringify({ Accounts: [{ AccountName: role, AccountPassword: `Initial-${role}-Pw1` }] }),
      ...rotation,
    ),
  );
}

describeIfPostgres('rotation policies and rotate-due on a real PostgreSQL server', () => {
  beforeAll(async () => {
    pg = await startPostgres(bin!);
    home = makeHome();
    ok(cli(['target', 'add', '--DBInstanceId', 'rm-due', '--Engine', 'postgresql', '--Host', pg.host, '--Port', String(pg.port)]));
  }, 120_000);

  afterAll(() => {
    pg?.destroy();
    if (home) removeHome(home);
  });

  test('CreateSecret with EnableAutomaticRotation returns the interval in seconds and the first due date', () => {
    const weekly = createRds('due-weekly', 'due_weekly', ['--EnableAutomaticRotation', 'true', '--RotationInterval', '7d']);
    createdMs = Date.now();
    expect(weekly).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
    const next = Date.parse(weekly.NextRotationDate);
    expect(Math.abs(next - (createdMs + 7 * DAY))).toBeLessThan(60_000);

    const monthly = createRds('due-monthly', 'due_monthly', ['--EnableAutomaticRotation', 'true', '--RotationInterval', '720h']);
    expect(monthly).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '2592000s' });
    const manual = createRds('due-manual', 'due_manual', []);
    expect(manual.AutomaticRotation).toBe('Disabled');
    expect(manual.RotationInterval).toBeUndefined();

    const described = ok(kms('DescribeSecret', '--SecretName', 'due-weekly'));
    expect(described).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s', NextRotationDate: weekly.NextRotationDate });
    const read = ok(kms('GetSecretValue', '--SecretName', 'due-weekly'));
    expect(read).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s', NextRotationDate: weekly.NextRotationDate });
    expect(read.ExtendedConfig).toBeUndefined();
    expect(JSON.parse(ok(kms('GetSecretValue', '--SecretName', 'due-weekly', '--FetchExtendedConfig', 'true')).ExtendedConfig)).toEqual({
      SecretSubType: 'SingleUser',
      DBInstanceId: 'rm-due',
      CustomData: {},
    });
  });

  test('interval rules: 6 hours to 365 days, required when enabling; not for Generic secrets', () => {
    const bad = (args: string[]) => serviceError(kms('UpdateSecretRotationPolicy', '--SecretName', 'due-manual', ...args).stderr)?.code;
    expect(bad(['--EnableAutomaticRotation', 'true', '--RotationInterval', '5h'])).toBe('InvalidParameter');
    expect(bad(['--EnableAutomaticRotation', 'true', '--RotationInterval', '366d'])).toBe('InvalidParameter');
    expect(bad(['--EnableAutomaticRotation', 'true'])).toBe('InvalidParameter');
    ok(kms('CreateSecret', '--SecretName', 'plain', '--VersionId', 'v1', '--SecretData', 'x'));
    expect(serviceError(kms('UpdateSecretRotationPolicy', '--SecretName', 'plain', '--EnableAutomaticRotation', 'true', '--RotationInterval', '7d').stderr)?.code).toBe(
      'UnsupportedOperation',
    );
    expect(serviceError(kms('CreateSecret', '--SecretName', 'plain2', '--VersionId', 'v1', '--SecretData', 'x', '--EnableAutomaticRotation', 'true', '--RotationInterval', '7d').stderr)?.code).toBe(
      'UnsupportedOperation',
    );
  });

  test('UpdateSecretRotationPolicy turns rotation on and off', () => {
    ok(kms('UpdateSecretRotationPolicy', '--SecretName', 'due-manual', '--EnableAutomaticRotation', 'true', '--RotationInterval', '1d'));
    expect(ok(kms('DescribeSecret', '--SecretName', 'due-manual'))).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '86400s' });
    ok(kms('UpdateSecretRotationPolicy', '--SecretName', 'due-manual', '--EnableAutomaticRotation', 'false'));
    const off = ok(kms('DescribeSecret', '--SecretName', 'due-manual'));
    expect(off.AutomaticRotation).toBe('Disabled');
    expect(off.NextRotationDate).toBeUndefined();
    expect(off.RotationInterval).toBeUndefined();
  });

  test('KMS_LOCAL_NOW past NextRotationDate: rotate-due --dry-run lists exactly the due secrets and purges nothing', () => {
    ok(kms('DeleteSecret', '--SecretName', 'plain', '--RecoveryWindowInDays', '7'));
    const at = createdMs + 8 * DAY;
    const before = password('due-weekly');
    const dry = cli(['rotate-due', '--dry-run'], at);
    expect(dry.code).toBe(0);
    expect(dry.json.DryRun).toBe(true);
    expect(dry.json.Due.map((e: any) => e.SecretName)).toEqual(['due-weekly']);
    expect(dry.json.Rotated).toEqual([]);
    // Past its deletion time by the rehearsal clock only: listed as waiting, never purged.
    expect(dry.json.Purged).toEqual([]);
    expect(dry.json.PurgeWaits.map((e: any) => e.SecretName)).toEqual(['plain']);
    expect(password('due-weekly')).toBe(before);
    expect(ok(kms('DescribeSecret', '--SecretName', 'plain')).PlannedDeleteTime).toBeDefined();
  });

  test('rotate-due rotates exactly the due secrets, on the server too; a secret expired by the rehearsal clock only keeps its file', () => {
    const at = createdMs + 8 * DAY;
    const monthly = password('due-monthly');
    const manual = password('due-manual');
    const run = cli(['rotate-due'], at);
    expect(run.code).toBe(0);
    expect(run.json.Rotated.map((e: any) => [e.Region, e.SecretName])).toEqual([['cn-hangzhou', 'due-weekly']]);
    expect(run.json.Failed).toEqual([]);
    expect(run.json.Purged).toEqual([]);
    expect(run.json.PurgeWaits.map((e: any) => e.SecretName)).toEqual(['plain']);

    const rotated = password('due-weekly');
    expect(rotated).not.toBe('Initial-due_weekly-Pw1');
    expect(pg.canLogin('due_weekly', rotated)).toBe(true);
    expect(pg.canLogin('due_weekly', 'Initial-due_weekly-Pw1')).toBe(false);
    expect(password('due-monthly')).toBe(monthly);
    expect(password('due-manual')).toBe(manual);
    expect(serviceError(cli(['kms', 'DescribeSecret', '--SecretName', 'plain'], at).stderr)?.code).toBe('Forbidden.ResourceNotFound');
    expect(ok(kms('DescribeSecret', '--SecretName', 'plain')).PlannedDeleteTime).toBeDefined();

    // The schedule moved on: one interval after the rotation.
    const described = ok(kms('DescribeSecret', '--SecretName', 'due-weekly'));
    expect(described.LastRotationDate).toBe(new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(Date.parse(described.NextRotationDate)).toBe(Date.parse(described.LastRotationDate) + 7 * DAY);

    // Run again at the same time: nothing is due any more.
    const again = cli(['rotate-due'], at);
    expect(again.json.Due).toEqual([]);
    expect(password('due-weekly')).toBe(rotated);
  });

  test('a due rotation that fails makes rotate-due exit 1, and the others still rotate', () => {
    createRds('due-nowhere', 'due_nowhere', ['--EnableAutomaticRotation', 'true', '--RotationInterval', '1d'], 'rm-nowhere');
    const at = createdMs + 40 * DAY;
    const run = cli(['rotate-due'], at);
    expect(run.code).toBe(1);
    expect(run.json.Failed).toEqual([expect.objectContaining({ SecretName: 'due-nowhere', Code: 'Rejected.TargetNotFound' })]);
    expect(run.json.Rotated.map((e: any) => e.SecretName).sort()).toEqual(['due-monthly', 'due-weekly']);
    expect(pg.canLogin('due_monthly', password('due-monthly'))).toBe(true);
  });
});
