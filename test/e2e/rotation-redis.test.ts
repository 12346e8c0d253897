/**
 * Redis/Tair secrets against a real redis-server with ACL users (test/support/redis.ts), through
 * bin/kms-local.js: CreateSecret with SecretData `$Auto` creates `<name>` and `<name>_clone` with
 * the same ACL rules and password; rotations alternate them. Every claim that a credential works
 * is checked with `redis-cli`. The fault tests are shared: test/e2e/rotation-faults.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { findRedis, redisUnavailable, startRedis, type RedisServer } from '../support/redis.js';
import { spawn } from 'node:child_process';
import { BIN, cliEnvironment, makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';

const why = redisUnavailable();
if (why) console.warn(`\n!!! SKIPPED test/e2e/rotation-redis.test.ts: ${why}.\n`);
const describeIfRedis = why ? describe.skip : describe;

let redis: RedisServer;
let home: string;

const kms = (...args: string[]): CliResult => runCli(['kms', ...args], { home });
function ok(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.json;
}
function read(name: string, stage = 'ACSCurrent'): { AccountName: string; AccountPassword: string } {
  return JSON.parse(ok(kms('GetSecretValue', '--SecretName', name, '--VersionStage', stage)).SecretData);
}
const config = (account: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ SecretSubType: 'DoubleUsers', InstanceId: 'r-cache', RegionId: 'cn-hangzhou', AccountName: account, CloneAccountName: `${account}_clone`, AccountPrivilege: 'RoleReadWrite', ...extra });
const create = (name: string, cfg: string, data = '$Auto'): CliResult =>
  kms('CreateSecret', '--SecretName', name, '--VersionId', 'v1', '--SecretType', 'Redis', '--SecretData', data, '--ExtendedConfig', cfg);
/** What ACL GETUSER says of an account, without its password hashes. */
const rulesOf = (user: string) => redis.command('ACL', 'GETUSER', user).replace(/^[0-9a-f]{64}$/gm, '<hash>');

describeIfRedis('Redis secrets on a real redis-server', () => {
  beforeAll(async () => {
    redis = await startRedis(findRedis()!);
    home = makeHome();
    ok(kms('CreateSecret', '--SecretName', 'redis-admin', '--VersionId', 'v1',
      '--SecretData', JSON.stringify({ AccountName: redis.adminUser, AccountPassword: redis.adminPassword })));
  }, 60_000);

  afterAll(() => {
    redis?.destroy();
    if (home) removeHome(home);
  });

  test('a Redis target needs --AdminSecretName; without a target CreateSecret says how to add one', () => {
    const noAdmin = runCli(['target', 'add', '--InstanceId', 'r-cache', '--Engine', 'redis', '--Host', redis.host], { home });
    expect(noAdmin.code).not.toBe(0);
    expect(noAdmin.stderr).toMatch(/needs --AdminSecretName/);
    const failed = serviceError(create('cache', config('cache')).stderr);
    expect(failed?.code).toBe('Rejected.TargetNotFound');
    expect(failed?.message).toMatch(/target add --InstanceId r-cache --Engine redis/);
    const added = ok(runCli(['target', 'add', '--InstanceId', 'r-cache', '--Engine', 'redis', '--Host', redis.host, '--Port', String(redis.port), '--AdminSecretName', 'redis-admin'], { home }));
    expect(added.Target).toEqual({ Type: 'Redis', InstanceId: 'r-cache', Engine: 'redis', Host: redis.host, Port: redis.port, AdminSecretName: 'redis-admin' });
  });

  test.each([
    ['SecretData other than $Auto', config('cache'), '{"Accounts":[]}', /must be '\$Auto'/],
    ['CloneAccountName that is not AccountName_clone', config('cache', { CloneAccountName: 'other' }), '$Auto', /CloneAccountName must be 'cache_clone'/],
    ['an AccountPrivilege the service does not know', config('cache', { AccountPrivilege: 'RoleAdmin' }), '$Auto', /RoleReadOnly or RoleReadWrite/],
    ['an AccountName with capitals', config('Cache'), '$Auto', /AccountName must be a lowercase letter/],
    ['no RegionId', JSON.stringify({ SecretSubType: 'DoubleUsers', InstanceId: 'r-cache', AccountName: 'cache', CloneAccountName: 'cache_clone', AccountPrivilege: 'RoleReadWrite' }), '$Auto', /RegionId/],
  ])('CreateSecret refuses %s, and creates no account', (_what, cfg, data, message) => {
    const failed = serviceError(create('bad', cfg, data).stderr);
    expect(failed?.code).toBe('InvalidParameter');
    expect(failed?.message).toMatch(message);
    expect(redis.command('ACL', 'USERS')).not.toMatch(/^cache/m);
  });

  test('CreateSecret $Auto creates <name> and <name>_clone with the same ACL rules and password: ACSCurrent and ACSPrevious', () => {
    const created = ok(create('cache', config('cache')));
    expect(created).toMatchObject({ SecretName: 'cache', SecretType: 'Redis', VersionId: 'v1', AutomaticRotation: 'Disabled' });
    expect(JSON.parse(created.ExtendedConfig)).toMatchObject({ AccountName: 'cache', CloneAccountName: 'cache_clone', CustomData: {} });
    const current = read('cache');
    const previous = read('cache', 'ACSPrevious');
    expect(current.AccountName).toBe('cache');
    expect(previous.AccountName).toBe('cache_clone');
    expect(previous.AccountPassword).toBe(current.AccountPassword);
    expect(current.AccountPassword).toMatch(/^[A-Za-z0-9!@#$%^&*()_+=-]{32}$/);
    expect(redis.canLogin('cache', current.AccountPassword)).toBe(true);
    expect(redis.canLogin('cache_clone', current.AccountPassword)).toBe(true);
    expect(rulesOf('cache')).toBe(rulesOf('cache_clone'));
    // The server holds the password's SHA-256 only.
    expect(redis.command('ACL', 'LIST')).not.toContain(current.AccountPassword);
  });

  test('the accounts can write (RoleReadWrite) but not administer', () => {
    const { AccountPassword } = read('cache');
    expect(redis.as('cache', AccountPassword, 'SET', 'k', 'v')).toBe('OK');
    expect(redis.as('cache_clone', AccountPassword, 'GET', 'k')).toBe('v');
    expect(redis.as('cache', AccountPassword, 'ACL', 'LIST')).toMatch(/NOPERM/);
  });

  test('RoleReadOnly accounts can read but not write', () => {
    ok(create('reader', config('reader', { AccountPrivilege: 'RoleReadOnly' })));
    const { AccountPassword } = read('reader');
    expect(redis.as('reader', AccountPassword, 'GET', 'k')).toBe('v');
    expect(redis.as('reader_clone', AccountPassword, 'SET', 'k', 'w')).toMatch(/NOPERM/);
  });

  test('accounts that already exist are refused (the service manages only accounts it creates); no secret is stored', () => {
    const failed = serviceError(create('cache-again', config('cache')).stderr);
    expect(failed?.code).toBe('Rejected.TargetFailed');
    expect(failed?.message).toMatch(/cache already exists/);
    expect(serviceError(kms('DescribeSecret', '--SecretName', 'cache-again').stderr)?.code).toBe('Forbidden.ResourceNotFound');
  });

  test('RotateSecret alternates the accounts: the one read as ACSCurrent before keeps working', () => {
    const before = read('cache');
    ok(kms('RotateSecret', '--SecretName', 'cache', '--VersionId', 'v2'));
    const second = read('cache');
    expect(second.AccountName).toBe('cache_clone');
    expect(second.AccountPassword).not.toBe(before.AccountPassword);
    expect(redis.canLogin('cache_clone', second.AccountPassword)).toBe(true);
    expect(redis.canLogin('cache_clone', before.AccountPassword)).toBe(false);
    expect(redis.canLogin('cache', before.AccountPassword)).toBe(true);
    expect(read('cache', 'ACSPrevious')).toEqual(before);

    ok(kms('RotateSecret', '--SecretName', 'cache', '--VersionId', 'v3'));
    const third = read('cache');
    expect(third.AccountName).toBe('cache');
    expect(redis.canLogin('cache', third.AccountPassword)).toBe(true);
    expect(redis.canLogin('cache_clone', second.AccountPassword)).toBe(true);
    expect(rulesOf('cache')).toBe(rulesOf('cache_clone'));
  });

  test('the new password never travels in plaintext: the bytes kms-local sends hold ACL SETUSER with its SHA-256 only', async () => {
    // A plain TCP relay in front of the real server records every byte kms-local sends it.
    let wire = '';
    const sockets: Socket[] = [];
    const relay: Server = createServer((client) => {
      const upstream = connect(redis.port, redis.host);
      sockets.push(client, upstream);
      client.on('data', (chunk: Buffer) => {
        wire += chunk.toString('latin1');
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const addTarget = (port: number) =>
      ok(runCli(['target', 'add', '--InstanceId', 'r-cache', '--Engine', 'redis', '--Host', '127.0.0.1', '--Port', String(port), '--AdminSecretName', 'redis-admin'], { home }));
    addTarget((relay.address() as { port: number }).port);
    try {
      // Spawned, not run synchronously: the relay lives in this process's event loop.
      const rotation = spawn(process.execPath, [BIN, 'kms', 'RotateSecret', '--SecretName', 'cache', '--VersionId', 'v4'], { env: cliEnvironment({ home }), stdio: 'ignore' });
      const code = await new Promise((resolve) => rotation.once('exit', resolve));
      expect(code).toBe(0);
    } finally {
      addTarget(redis.port);
      sockets.forEach((s) => s.destroy());
      relay.close();
    }
    const { AccountName, AccountPassword } = read('cache');
    const hash = createHash('sha256').update(AccountPassword).digest('hex');
    expect(wire).toContain('SETUSER');
    expect(wire).toContain(AccountName);
    expect(wire).toContain(`#${hash}`);
    // The new password crosses the wire only inside the verifying login (HELLO 3 AUTH), never in a command.
    expect(wire).toContain(AccountPassword);
    const withoutAuth = wire.replace(/\*\d+\r\n\$5\r\nHELLO\r\n[\s\S]*?\r\n\$4\r\nAUTH\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n/g, '');
    expect(withoutAuth).not.toContain(AccountPassword);
    expect(redis.canLogin(AccountName, AccountPassword)).toBe(true);
  });

  test('a server that accepts and never answers: the rotation fails at login within the connect timeout instead of hanging', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const before = read('cache');
    ok(runCli(['target', 'add', '--InstanceId', 'r-cache', '--Engine', 'redis', '--Host', '127.0.0.1', '--Port', String((silent.address() as { port: number }).port), '--AdminSecretName', 'redis-admin'], { home }));
    let stderr = '';
    try {
      const rotation = spawn(process.execPath, [BIN, 'kms', 'RotateSecret', '--SecretName', 'cache', '--VersionId', 'v-silent'], { env: cliEnvironment({ home }) });
      rotation.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => rotation.once('exit', resolve));
      expect(code).toBe(1);
    } finally {
      ok(runCli(['target', 'add', '--InstanceId', 'r-cache', '--Engine', 'redis', '--Host', redis.host, '--Port', String(redis.port), '--AdminSecretName', 'redis-admin'], { home }));
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
    expect(serviceError(stderr)?.message).toMatch(/failed at step login: .*no answer within 10 s/);
    expect(read('cache')).toEqual(before);
  }, 40_000);
});
