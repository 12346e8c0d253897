/**
 * A throwaway MariaDB server for rotation tests: mariadb-install-db into a temp folder, mariadbd on
 * a free loopback port (as `nobody` when the tests run as root, with --user), the general query log
 * on so a test can read every statement the server received. Logins are checked with the real
 * `mariadb` client. `mariadbUnavailable()` says why the tests cannot run, or undefined.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const NOBODY = { uid: 65534, gid: 65534 };

function which(name: string): string | undefined {
  const out = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' });
  const path = out.stdout.trim().split('\n')[0];
  return path && existsSync(path) ? path : undefined;
}

export interface MariaDbBinaries {
  server: string;
  installDb: string;
  client: string;
  admin: string;
}

export function findMariaDb(): MariaDbBinaries | undefined {
  const server = which('mariadbd') ?? which('mysqld');
  const installDb = which('mariadb-install-db') ?? which('mysql_install_db');
  const client = which('mariadb') ?? which('mysql');
  const admin = which('mariadb-admin') ?? which('mysqladmin');
  return server && installDb && client && admin ? { server, installDb, client, admin } : undefined;
}

export function mariadbUnavailable(): string | undefined {
  return findMariaDb() ? undefined : 'the MariaDB server and client (mariadbd, mariadb-install-db, mariadb) are not installed (apt-get install mariadb-server mariadb-client)';
}

export interface MariaDbServer {
  host: string;
  port: number;
  /** Runs SQL as root; throws on failure; returns the rows, tab-separated. */
  sql(statement: string): string;
  canLogin(user: string, password: string): boolean;
  /** Everything the server logged as received (the general query log). */
  generalLog(): string;
  stop(): void;
  start(): void;
  destroy(): void;
}

function run(command: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${out.status}): ${out.stderr}${out.stdout}`);
  return String(out.stdout);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export async function startMariaDb(bin: MariaDbBinaries): Promise<MariaDbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-mariadb-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, NOBODY.uid, NOBODY.gid);
  const data = join(dir, 'data');
  const user = asRoot ? ['--user=nobody'] : [];
  run(bin.installDb, ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], { cwd: dir });
  const port = await freePort();
  const client = (u: string, password: string, sql: string) =>
    spawnSync(bin.client, ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', u, '-N', '-B', '--connect-timeout=5', '-e', sql], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, MYSQL_PWD: password },
    });
  const server: MariaDbServer = {
    host: '127.0.0.1',
    port,
    sql(statement) {
      const out = client('root', '', statement);
      if (out.status !== 0) throw new Error(`mariadb -e ${statement} failed: ${out.stderr}`);
      return out.stdout;
    },
    canLogin(u, password) {
      const out = client(u, password, 'select 1');
      return out.status === 0 && out.stdout.trim() === '1';
    },
    generalLog() {
      return existsSync(join(dir, 'general.log')) ? readFileSync(join(dir, 'general.log'), 'utf8') : '';
    },
    start() {
      const child = spawn(
        bin.server,
        [
          '--no-defaults',
          `--datadir=${data}`,
          ...user,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${join(dir, 'mysqld.sock')}`,
          `--pid-file=${join(dir, 'mysqld.pid')}`,
          `--log-error=${join(dir, 'error.log')}`,
          '--general-log=1',
          `--general-log-file=${join(dir, 'general.log')}`,
          '--skip-name-resolve',
          '--skip-log-bin',
          '--innodb-buffer-pool-size=16M',
          '--performance-schema=0',
        ],
        { cwd: dir, stdio: 'ignore', detached: true },
      );
      child.unref();
      for (let i = 0; i < 300; i++) {
        if (client('root', '', 'select 1').status === 0) return;
        sleepSync(100);
      }
      throw new Error(`mariadbd did not start: ${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`);
    },
    stop() {
      run(bin.admin, ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', 'shutdown']);
      // mariadb-admin may return before the server has exited; it removes its pid file last.
      for (let i = 0; i < 200 && existsSync(join(dir, 'mysqld.pid')); i++) sleepSync(50);
    },
    destroy() {
      spawnSync(bin.admin, ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', 'shutdown'], { timeout: 30_000 });
      for (let i = 0; i < 200 && existsSync(join(dir, 'mysqld.pid')); i++) sleepSync(50);
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
  server.start();
  return server;
}
