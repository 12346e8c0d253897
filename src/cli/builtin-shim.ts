/**
 * `kms-local shim --dir DIR [--force]`: writes DIR/aliyun, an sh script that runs this kms-local,
 * so that `PATH=DIR:$PATH ./script.sh` runs a script written for `aliyun kms` unchanged. An alias
 * does not do it: shells expand aliases only when interactive. Node and kms-local are named by
 * absolute path, so the shim works whatever PATH the script sets.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../errors/errors.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { ownPackage } from './own-package.js';

/** The line that marks a file as a kms-local shim, which a later `shim` may replace. */
export const SHIM_MARK = '# kms-local shim:';

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export function shimScript(node: string, bin: string): string {
  return [
    '#!/bin/sh',
    `${SHIM_MARK} \`aliyun\` runs kms-local. Written by \`kms-local shim\`; delete this file to undo.`,
    `exec ${shellQuote(node)} ${shellQuote(bin)} "$@"`,
    '',
  ].join('\n');
}

/** What is at `path` now: nothing, a kms-local shim, or something else that must not be lost. */
function existing(path: string): 'none' | 'shim' | 'other' | 'folder' {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  if (st.isDirectory()) return 'folder';
  if (!st.isFile() || st.size > 4096) return 'other';
  return readFileSync(path, 'utf8').includes(`\n${SHIM_MARK} `) ? 'shim' : 'other';
}

export async function runShim(args: ParsedArgv, io: CliIo): Promise<number> {
  const given = args.params.find((p) => p.name === 'dir')?.value;
  if (given === undefined || given === '') throw new CliError('shim needs --dir <dir>, the folder to write `aliyun` into.', { kind: 'withTip', tip: 'use `kms-local shim --help` to get more information' });
  const dir = resolve(given);
  const target = join(dir, 'aliyun');
  const force = args.globals.has('force');
  const found = existing(target);
  // A folder is never replaced: rename cannot, and removing it could lose what it holds.
  if (found === 'folder') throw new CliError(`${target} is a folder; remove it or choose another --dir.`);
  if (found === 'other' && !force) {
    throw new CliError(`${target} exists and is not a kms-local shim; it is left as it is. Add --force to replace it.`);
  }
  const node = io.execPath ?? 'node';
  const bin = join(ownPackage().root, 'bin', 'kms-local.js');
  // Written aside and renamed over the old file (or link): a script running it never sees half a file.
  const temp = join(dir, `.aliyun.kms-local-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, shimScript(node, bin), { mode: 0o755 });
    chmodSync(temp, 0o755);
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new CliError(`cannot write ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  io.stdout(`Wrote ${target}: \`aliyun\` runs kms-local (${bin}, with ${node}).\nRun a script written for \`aliyun kms\` against the local store with:\n  PATH=${shellQuote(dir)}:"$PATH" ./script.sh\n`);
  return 0;
}
