/**
 * A throwaway PostgreSQL cluster for rotation tests: initdb in a temp folder, started with pg_ctl
 * on a free loopback port, as a non-root user (initdb refuses root: when the tests run as root
 * the server runs as `nobody`). Host connections use scram-sha-256, as a real server would.
 * `findPostgres()` returns undefined only when the PostgreSQL server binaries are not installed.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const NOBODY = { uid: 65534, gid: 65534 };

export interface PgServer {
  host: string;
  port: number;
  superuser: string;
  superPassword: string;
  /** Runs SQL as the superuser on `database` (postgres by default); rows as `a|b` lines; throws on failure. */
  sql(statement: string, database?: string): string;
  /** Whether `psql` logs in as `user` with `password` (and runs `select 1`). */
  canLogin(user: string, password: string): boolean;
  stop(): void;
  start(): void;
  /** Stops the server and removes its folder. */
  destroy(): void;
  /** Everything the server has logged so far (with `logStatements`, every statement it ran). */
  log(): string;
}

export interface PgOptions {
  /** `log_statement=all`: the server logs the text of every statement it receives. */
  logStatements?: boolean;
}

/** The folder with initdb, pg_ctl and postgres, or undefined when PostgreSQL is not installed. */
export function findPostgres(): string | undefined {
  const candidates = [process.env.PG_BIN];
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    /* not the Debian layout */
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0) candidates.push(join(which.stdout.trim(), '..'));
  return candidates.find((dir) => dir && ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b))));
}

function run(command: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${out.status}): ${out.stderr}${out.stdout}`);
  return String(out.stdout);
}

function psqlPath(bin: string): string {
  return existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql';
}

export async function startPostgres(bin: string, options: PgOptions = {}): Promise<PgServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-pg-'));
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? NOBODY : undefined;
  const data = join(dir, 'data');
  const superPassword = `super-${Math.random().toString(36).slice(2)}-Pw1`;
  writeFileSync(join(dir, 'pwfile'), `${superPassword}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(join(dir, 'pwfile'), owner.uid, owner.gid);
  }
  const asOwner: SpawnSyncOptions = { ...(owner ?? {}), cwd: dir, env: { ...process.env, LC_ALL: 'C', HOME: dir } };
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--no-instructions'], asOwner);
  const port = await freePort();
  const server: PgServer = {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    superPassword,
    sql(statement, database = 'postgres') {
      return run(psqlPath(bin), ['-X', '-v', 'ON_ERROR_STOP=1', '-tA', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-c', statement], {
        env: { ...process.env, PGPASSWORD: superPassword, PGCONNECT_TIMEOUT: '5' },
      });
    },
    canLogin(user, password) {
      const out = spawnSync(psqlPath(bin), ['-X', '-tA', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'postgres', '-c', 'select 1'], {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
      });
      return out.status === 0 && out.stdout.trim() === '1';
    },
    start() {
      const logging = options.logStatements ? ' -c log_statement=all' : '';
      run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}${logging}`, 'start'], asOwner);
    },
    stop() {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], asOwner);
    },
    log() {
      return readFileSync(join(dir, 'server.log'), 'utf8');
    },
    destroy() {
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...asOwner, timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}
