/**
 * `rekey`: moves every secret, key file and alias table of every region under a new master key, one at a time under
 * its lock. Crash-safe by construction: each secret file is replaced atomically and is always
 * wholly under one key, both keys stay known until the end (the next key waits in
 * KMS_LOCAL_NEW_MASTER_KEY or in the home's next-key file), so an interrupted rekey leaves every
 * secret readable and a rerun finishes the job. Only when every secret has moved does the home's
 * key file change (an atomic rename).
 */
import { linkSync, readFileSync, renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { CliError, ServiceError } from '../errors/errors.js';
import { Keyring } from '../crypto/envelope.js';
import { createFileOnce, fsyncDir, sweepStaleTemps, writeFileAtomic } from './fs-safe.js';
import { Home, MASTER_KEY_FILE, NEXT_KEY_FILE, decodeKey } from './home.js';
import { SecretStore } from './store.js';
import { KeyStore } from './key-store.js';

export interface RekeyProgress {
  (done: number, total: number): void;
}

export interface RekeySummary {
  FromKeyId: string;
  ToKeyId: string;
  Total: number;
  Rekeyed: number;
  AlreadyRekeyed: number;
  /** A secret (SecretName), a key (KeyId) or a region's alias table (neither) that could not be moved. */
  Failed: { Region: string; SecretName?: string; KeyId?: string; ErrorCode: string; Message: string }[];
  /** Where the master key now lives, or what the user must change. */
  KeyLocation: string;
  /** Where the key it replaced is kept (a rekey never drops a key), or what holds it. */
  OldKeyLocation: string;
  /** The command that moves every secret back under the old key. */
  GoBack: string;
}

/** Where rekey keeps the key it replaces: beside master.key, named by its key id (0600, like master.key). */
export function oldKeyFileOf(home: Home, keyId: string): string {
  return home.path(`${MASTER_KEY_FILE}.${keyId}`);
}

/** Keeps the current master.key under its key id (a hard link: same bytes, same 0600 mode); a rerun finds it there. */
function keepOldKeyFile(home: Home, keyId: string): string {
  const kept = oldKeyFileOf(home, keyId);
  try {
    linkSync(home.path(MASTER_KEY_FILE), kept);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  fsyncDir(home.root);
  return kept;
}

/** The key to move to: given (environment or file), or a new one kept beside the current key file. */
function nextKeyOf(home: Home, newKeyFile: string | undefined): Keyring {
  if (newKeyFile !== undefined) {
    // Registered with the home, so that secrets an earlier run already moved can be read.
    return home.useNextKeys(new Keyring(decodeKey(readKeyFile(newKeyFile), `the key file '${newKeyFile}'`)));
  }
  const next = home.nextKeys();
  if (next) return next;
  if (!home.managesKey()) {
    throw new CliError('the master key comes from KMS_LOCAL_MASTER_KEY(_FILE): give the new one in KMS_LOCAL_NEW_MASTER_KEY or with --NewMasterKeyFile <path>.', {
      kind: 'withTip',
      tip: 'generate one with: head -c 32 /dev/urandom | base64',
    });
  }
  home.ensure();
  const path = home.path(NEXT_KEY_FILE);
  const text = createFileOnce(path, `${randomBytes(32).toString('base64')}\n`);
  return home.useNextKeys(new Keyring(decodeKey(text, `the key file '${path}'`)));
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --NewMasterKeyFile '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

interface RekeyItem {
  region: string;
  what: { SecretName?: string; KeyId?: string };
  /** Moves the item under `keys`; false when it was already there (or is gone). */
  move: (keys: Keyring) => boolean;
  /** The alias table is moved but not counted: it holds nothing sealed. */
  uncounted?: boolean;
}

export function rekey(home: Home, options: { newKeyFile?: string; nowMs: number; progress?: RekeyProgress }): RekeySummary {
  // A temp file left in the home by a process killed while creating a key file may hold an old
  // master key: a rekey is the moment no copy of it should survive.
  sweepStaleTemps(home.root);
  const from = home.keys();
  const to = nextKeyOf(home, options.newKeyFile);
  // Every secret, every key file (its material is sealed under the master key too) and every alias
  // table (its MAC is) of every region.
  const work = home.regions().flatMap((region): RekeyItem[] => {
    const store = new SecretStore(home, region, () => options.nowMs);
    store.sweepTemps();
    const keyStore = new KeyStore(home, region, () => options.nowMs);
    return [
      ...store.names().map((name): RekeyItem => ({ region, what: { SecretName: name }, move: (keys) => store.moveUnder(name, keys) })),
      ...keyStore.keyIds().map((keyId): RekeyItem => ({ region, what: { KeyId: keyId }, move: (keys) => keyStore.moveUnder(keyId, keys) })),
      { region, what: {}, move: (keys) => keyStore.moveAliasesUnder(keys), uncounted: true },
      // Last: the manifests, whose entries the moves above changed (they wrote them under the new key already).
      { region, what: {}, move: (keys) => store.moveManifestUnder(keys), uncounted: true },
      { region, what: {}, move: (keys) => keyStore.moveManifestUnder(keys), uncounted: true },
    ];
  });
  const summary: RekeySummary = {
    FromKeyId: from.keyId,
    ToKeyId: to.keyId,
    Total: work.filter((item) => !item.uncounted).length,
    Rekeyed: 0,
    AlreadyRekeyed: 0,
    Failed: [],
    KeyLocation: '',
    OldKeyLocation: '',
    GoBack: '',
  };
  if (from.keyId === to.keyId) throw new CliError('the new master key is the current one; nothing to do.');
  work.forEach(({ region, what, move, uncounted }, index) => {
    try {
      const moved = move(to);
      if (!uncounted) {
        if (moved) summary.Rekeyed++;
        else summary.AlreadyRekeyed++;
      }
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      summary.Failed.push({ Region: region, ...what, ErrorCode: err.code, Message: err.message });
    }
    options.progress?.(index + 1, work.length);
  });
  if (summary.Failed.length > 0) {
    summary.KeyLocation = 'unchanged: fix the failed secrets and run rekey again; both keys stay in use until then';
    summary.OldKeyLocation = 'unchanged: still the current key';
  } else if (home.managesKey()) {
    // The home's key file: the old key stays beside it under its id, then the new one takes its place.
    summary.OldKeyLocation = keepOldKeyFile(home, from.keyId);
    if (options.newKeyFile === undefined && home.keepsNextKeyFile()) {
      renameSync(home.path(NEXT_KEY_FILE), home.path(MASTER_KEY_FILE));
      fsyncDir(home.root);
    } else {
      // The new key was given (--NewMasterKeyFile or KMS_LOCAL_NEW_MASTER_KEY): it becomes the home's key file.
      const text = options.newKeyFile !== undefined ? readKeyFile(options.newKeyFile) : (home.newKeyVariable() ?? '');
      writeFileAtomic(home.path(MASTER_KEY_FILE), `${text.trim()}\n`);
    }
    summary.KeyLocation = `${home.path(MASTER_KEY_FILE)} (back it up now: copies of the old key no longer open this store)`;
    summary.GoBack = `kms-local rekey --yes --NewMasterKeyFile ${summary.OldKeyLocation}`;
  } else {
    summary.KeyLocation = 'every secret is under the new key: set KMS_LOCAL_MASTER_KEY (or _FILE) to it now';
    summary.OldKeyLocation = 'KMS_LOCAL_MASTER_KEY (or _FILE), until you change it';
    summary.GoBack = 'save the old key in a file, then: kms-local rekey --yes --NewMasterKeyFile <that file>, with KMS_LOCAL_NEW_MASTER_KEY unset';
  }
  return summary;
}
