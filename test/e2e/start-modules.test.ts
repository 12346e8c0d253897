/**
 * What an everyday command loads of node: only what it uses. Each built-in loaded costs every start
 * (node:module about 0.15 ms with the source-map and ES-module-loader internals it brings, node:os
 * 0.15 ms, node:tty loads node:net), and scripts start kms-local thousands of times.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { homesRemovedAfterAll, runCli } from '../support/cli.js';

const home = homesRemovedAfterAll()();
const preload = join(home, 'modules-at-exit.cjs');
writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, process.moduleLoadList.join('\\n')));\n");

/** The node built-ins (public modules) loaded by a run of `args`. */
function builtinsLoadedBy(args: string[]): string[] {
  const out = join(home, `modules-${args[1]}.txt`);
  const run = runCli(args, { home, env: { NODE_OPTIONS: `--require ${preload}`, MODULES_OUT: out } });
  expect(run.code).toBe(0);
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('NativeModule ') && !line.startsWith('NativeModule internal/'))
    .map((line) => line.slice('NativeModule '.length));
}

describe('the modules of node an everyday command loads', () => {
  runCli(['kms', 'CreateSecret', '--SecretName', 'app/db', '--SecretData', 'v1', '--VersionId', 'v1'], { home });
  test.each([
    ['GetSecretValue', ['kms', 'GetSecretValue', '--SecretName', 'app/db']],
    ['PutSecretValue', ['kms', 'PutSecretValue', '--SecretName', 'app/db', '--SecretData', 'v2', '--VersionId', 'v2']],
  ])('%s loads neither node:module, node:os, node:tty nor node:net', (_name, args) => {
    const loaded = builtinsLoadedBy(args);
    expect(loaded).toContain('crypto');
    expect(loaded.filter((name) => ['module', 'os', 'tty', 'net'].includes(name))).toEqual([]);
  });
});
