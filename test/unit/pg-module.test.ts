/**
 * src/pg-module.ts loads `pg` without node's fetch implementation (undici, ~12 ms of a CLI call on
 * a PostgreSQL store) and leaves no `navigator` behind. Run in a fresh node: jest's own process
 * may have loaded undici already.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../support/cli.js';

const script = `
import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'pg-module.js')).href)}).then(({ loadPg }) => {
  const hadNavigator = 'navigator' in globalThis;
  const pg = loadPg();
  console.log(JSON.stringify({
    pool: typeof pg.Pool,
    same: loadPg() === pg,
    navigatorAfter: 'navigator' in globalThis,
    hadNavigator,
    undici: process.moduleLoadList.some((m) => m.includes('undici')),
  }));
});`;

describe('loading pg', () => {
  test('gives the package once, loads no fetch implementation, and leaves globalThis as it was', () => {
    const out = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const seen = JSON.parse(out.stdout);
    expect(seen).toEqual({ pool: 'function', same: true, navigatorAfter: seen.hadNavigator, hadNavigator: seen.hadNavigator, undici: false });
  });
});
