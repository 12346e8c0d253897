// A throwaway PostgreSQL server for the benchmarks' PostgreSQL-store rows: initdb in a temp
// folder, started with pg_ctl on a free loopback port (as `nobody` when run as root: initdb
// refuses root). The same recipe as test/support/postgres.ts, which the tests use.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findBin() {
  const dirs = [process.env.PG_BIN];
  try {
    dirs.push(...readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    /* not the Debian layout */
  }
  return dirs.find((dir) => dir && ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b))));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function run(command, args, opts) {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${out.stderr}${out.stdout}`);
}

/** A running server and the URL of its database, or undefined when PostgreSQL is not installed. */
export async function startBenchPostgres() {
  const bin = findBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-bench-pg-'));
  const owner = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(join(dir, 'pwfile'), owner.uid, owner.gid);
  }
  const asOwner = { ...(owner ?? {}), cwd: dir, env: { ...process.env, LC_ALL: 'C', HOME: dir } };
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--no-instructions'], asOwner);
  const port = await freePort();
  run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`, 'start'], asOwner);
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop() {
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...asOwner, timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
