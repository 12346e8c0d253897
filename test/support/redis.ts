/**
 * A throwaway Redis server for rotation tests: redis-server on a free loopback port, no
 * persistence but an ACL file (so users survive a restart, as they do on a managed instance), the
 * `default` user off and one admin user. Logins are checked with the real `redis-cli`.
 * `redisUnavailable()` says why the tests cannot run, or undefined.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './ports.js';

export interface RedisBinaries {
  server: string;
  cli: string;
}

function which(name: string): string | undefined {
  const out = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

export function findRedis(): RedisBinaries | undefined {
  const server = which('redis-server');
  const cli = which('redis-cli');
  return server && cli ? { server, cli } : undefined;
}

export function redisUnavailable(): string | undefined {
  return findRedis() ? undefined : 'redis-server and redis-cli are not installed (apt-get install redis-server)';
}

export interface RedisServer {
  host: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  /** Runs a command as the admin user; throws on an error reply; returns the reply as redis-cli prints it. */
  command(...args: string[]): string;
  canLogin(user: string, password: string): boolean;
  /** Runs a command as `user` and returns the reply (or the error) as redis-cli prints it. */
  as(user: string, password: string, ...args: string[]): string;
  stop(): void;
  start(): void;
  destroy(): void;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export async function startRedis(bin: RedisBinaries): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-redis-'));
  const port = await freePort();
  const adminUser = 'admin';
  const adminPassword = `Admin-${randomBytes(8).toString('hex')}-1`;
  const aclFile = join(dir, 'users.acl');
  writeFileSync(aclFile, `user default off\nuser ${adminUser} on >${adminPassword} ~* &* +@all\n`, { mode: 0o600 });
  let child: ChildProcess | undefined;
  const cli = (user: string, password: string, args: string[]) =>
    spawnSync(bin.cli, ['-h', '127.0.0.1', '-p', String(port), '--user', user, '--no-auth-warning', ...args], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, REDISCLI_AUTH: password },
    });
  const server: RedisServer = {
    host: '127.0.0.1',
    port,
    adminUser,
    adminPassword,
    command(...args) {
      const out = cli(adminUser, adminPassword, args);
      if (out.status !== 0 || /^(ERR|WRONGPASS|NOAUTH|NOPERM)/m.test(out.stdout)) throw new Error(`redis-cli ${args[0]} failed: ${out.stdout}${out.stderr}`);
      return out.stdout;
    },
    as(user, password, ...args) {
      const out = cli(user, password, args);
      return `${out.stdout}${out.stderr}`.trim();
    },
    canLogin(user, password) {
      const out = cli(user, password, ['PING']);
      return out.status === 0 && out.stdout.trim() === 'PONG';
    },
    start() {
      child = spawn(
        bin.server,
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--aclfile', aclFile, '--logfile', join(dir, 'redis.log')],
        { cwd: dir, stdio: 'ignore' },
      );
      for (let i = 0; i < 100; i++) {
        if (server.canLogin(adminUser, adminPassword)) return;
        sleepSync(100);
      }
      throw new Error(`redis-server did not start: ${existsSync(join(dir, 'redis.log')) ? readFileSync(join(dir, 'redis.log'), 'utf8') : ''}`);
    },
    stop() {
      // As an operator would: keep the users (ACL SAVE), then stop.
      server.command('ACL', 'SAVE');
      cli(adminUser, adminPassword, ['SHUTDOWN', 'NOSAVE']);
      for (let i = 0; i < 100 && child && child.exitCode === null && server.canLogin(adminUser, adminPassword); i++) sleepSync(100);
    },
    destroy() {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}
