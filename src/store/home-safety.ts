/**
 * A home that another user could change, or that points elsewhere, is refused before anything is
 * read from it or written to it: a group- or world-writable home or store folder (anyone could
 * plant files there), a master key others may read, a file or folder owned by another user, or a
 * symbolic link where kms-local expects one of its own files (a planted `audit.log` link would make
 * kms-local append to its target; a `config.json` link would make `configure set` write the
 * AccessKey secret there). Each refusal says how to fix it.
 *
 * Cheap enough for every command: one lstat per path (five at most), no reads. Files in the store
 * are opened with O_NOFOLLOW instead (store.ts), and every write replaces files by rename, which
 * never follows a link.
 */
import { lstatSync, type Stats } from 'node:fs';
import { CliError } from '../errors/errors.js';

export interface HomePaths {
  root: string;
  store: string;
  /** Files of the home that kms-local opens: each may be missing, never a link or another's. */
  files: string[];
  /** The master key file when the home keeps it: also not readable by others. */
  masterKey?: string;
}

function lstatIfExists(path: string): Stats | undefined {
  try {
    // Most homes lack some of these files: a missing one is an answer, not an exception (the
    // first a process makes costs about 50 us).
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

function unsafe(what: string, fix: string): CliError {
  return new CliError(`refusing to use the kms-local home: ${what}. Nothing was read or written.`, { kind: 'withTip', tip: `fix it with: ${fix}` });
}

function checkOwner(path: string, st: Stats): void {
  const uid = process.getuid?.();
  if (uid === undefined || st.uid === uid) return;
  throw unsafe(`${quote(path)} belongs to user ${st.uid}, not to this user (${uid})`, `chown ${uid} ${quote(path)}  (or run kms-local as user ${st.uid})`);
}

function checkFolder(path: string): void {
  const st = lstatIfExists(path);
  if (!st) return;
  if (st.isSymbolicLink()) throw unsafe(`${quote(path)} is a symbolic link, not a folder`, `mv ${quote(path)} ${quote(`${path}.link`)}  (and set KMS_LOCAL_HOME to the real folder)`);
  if (!st.isDirectory()) throw unsafe(`${quote(path)} is not a folder`, `mv ${quote(path)} ${quote(`${path}.old`)}`);
  checkOwner(path, st);
  if ((st.mode & 0o022) !== 0) {
    throw unsafe(`${quote(path)} is writable by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`, `chmod 700 ${quote(path)}`);
  }
}

function checkFile(path: string, privateToOwner: boolean): void {
  const st = lstatIfExists(path);
  if (!st) return;
  if (st.isSymbolicLink()) throw unsafe(`${quote(path)} is a symbolic link; kms-local only uses files of its own there`, `rm ${quote(path)}  (after checking where it points)`);
  if (!st.isFile()) throw unsafe(`${quote(path)} is not a regular file`, `mv ${quote(path)} ${quote(`${path}.old`)}`);
  checkOwner(path, st);
  const mode = st.mode & 0o777;
  if ((mode & 0o022) !== 0 || (privateToOwner && (mode & 0o077) !== 0)) {
    throw unsafe(`${quote(path)} is ${privateToOwner ? 'readable or writable' : 'writable'} by other users (mode ${mode.toString(8).padStart(4, '0')})`, `chmod 600 ${quote(path)}`);
  }
}

/** Throws a CliError saying what is unsafe and how to fix it; returns when the home is safe (or not made yet). */
export function checkHomeSafety(paths: HomePaths): void {
  checkFolder(paths.root);
  checkFolder(paths.store);
  for (const file of paths.files) checkFile(file, false);
  if (paths.masterKey) checkFile(paths.masterKey, true);
}
