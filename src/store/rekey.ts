/**
 * `rekey`: moves every secret, key and alias table of every region of the home's store (its files,
 * or a PostgreSQL database) under a new master key, one at a time under its lock (a lock file, or
 * a row lock in a transaction). Crash-safe by construction: each record is replaced whole and is
 * always wholly under one key, both keys stay known until the end (the next key waits in
 * KMS_LOCAL_NEW_MASTER_KEY or in the home's next-key file), and writes meanwhile go under the new
 * key (Home.writeKeys), so an interrupted rekey leaves every record readable and a rerun finishes
 * the job. Only when every record has moved does the home's key file change (an atomic rename).
 * On a shared store the other hosts are not reached from here: the summary says they must be
 * given the new key.
 */
import { linkSync, readFileSync, renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { CliError, ServiceError } from '../errors/errors.js';
import { Keyring } from '../crypto/envelope.js';
import { createFileOnce, fsyncDir, sweepStaleTemps, writeFileAtomic } from './fs-safe.js';
import { Home, MASTER_KEY_FILE, NEXT_KEY_FILE, decodeKey } from './home.js';
import { SecretStore } from './store.js';
import { KeyStore } from './key-store.js';
import type { StoreBackend } from './backend.js';
import { describeStore } from './pg/connection.js';

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
  Failed: { Region: string; SecretName?: string; KeyId?: string; Profile?: string; Target?: string; ErrorCode: string; Message: string }[];
  /** Where the master key now lives, or what the user must change. */
  KeyLocation: string;
  /** Where the key it replaced is kept (a rekey never drops a key), or what holds it. */
  OldKeyLocation: string;
  /** The command that moves every secret back under the old key. */
  GoBack: string;
  /** On a store shared by hosts (PostgreSQL): what every other host must be given now. */
  SharedStore?: string;
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
  what: { SecretName?: string; KeyId?: string; Profile?: string; Target?: string };
  /** Moves the item under `keys`; false when it was already there (or is gone). */
  move: (keys: Keyring) => Promise<boolean>;
  /** The alias table is moved but not counted: it holds nothing sealed. */
  uncounted?: boolean;
}

/** Every record of the store that is sealed or MAC'd under the master key, region by region. */
async function workOf(backend: StoreBackend, home: Home, nowMs: number): Promise<RekeyItem[]> {
  const work: RekeyItem[] = [];
  for (const region of await backend.regions()) {
    // Temp files a writer killed mid-write left among the region's files may hold old sealed values.
    const files = backend.kind === 'files' ? new SecretStore(home, region, () => nowMs) : undefined;
    files?.sweepTemps();
    const secrets = backend.secrets(region, () => nowMs);
    const keys = backend.keys(region, () => nowMs);
    for (const name of await secrets.names()) work.push({ region, what: { SecretName: name }, move: (to) => secrets.moveUnder(name, to) });
    for (const keyId of await keys.keyIds()) work.push({ region, what: { KeyId: keyId }, move: (to) => keys.moveUnder(keyId, to) });
    work.push({ region, what: {}, move: (to) => keys.moveAliasesUnder(to), uncounted: true });
    // Last: a home's manifests, whose entries the moves above changed (they wrote them under the new key already).
    if (files) {
      const keyFiles = new KeyStore(home, region, () => nowMs);
      work.push({ region, what: {}, move: async (to) => files.moveManifestUnder(to), uncounted: true });
      work.push({ region, what: {}, move: async (to) => keyFiles.moveManifestUnder(to), uncounted: true });
    }
  }
  // A shared store's principals hold their AccessKey secrets sealed (a home's profile file does not).
  if (backend.kind === 'postgresql') {
    const principals = backend.principals();
    for (const { profile } of await principals.list()) {
      work.push({ region: '*', what: { Profile: profile }, move: (to) => principals.moveUnder(profile, to) });
    }
    // Its rotation targets are MAC'd (targets.json in a home is not).
    const targets = backend.targets();
    for (const { kind, instanceId } of await targets.list()) {
      work.push({ region: '*', what: { Target: `${kind}:${instanceId}` }, move: (to) => targets.moveUnder(kind, instanceId, to) });
    }
  }
  return work;
}

function identityOf(item: RekeyItem): string {
  return JSON.stringify([item.region, item.what.SecretName ?? null, item.what.KeyId ?? null, item.what.Profile ?? null, item.what.Target ?? null]);
}

/**
 * A check pass after the first: a record made meanwhile by a process (or, on a shared store, a
 * host) that did not know the new key is under the old one; it is moved too. Passes repeat until
 * one moves nothing, a few times at most (writers that never stop are reported, not chased).
 */
const MAX_PASSES = 4;

/** What the team must do on a shared store: every host reads the store with the master key it is given. */
function sharedStoreNote(backend: StoreBackend, url: string | undefined, toKeyId: string): string | undefined {
  if (backend.kind !== 'postgresql' || url === undefined) return undefined;
  return (
    `${describeStore(url)} is shared: every host using it must now be given the new master key ${toKeyId} ` +
    '(KMS_LOCAL_MASTER_KEY, KMS_LOCAL_MASTER_KEY_FILE or its master.key); a host still on the old key cannot read the store. ' +
    'A host given it as KMS_LOCAL_NEW_MASTER_KEY reads both meanwhile and writes under the new one.'
  );
}

export async function rekey(
  home: Home,
  backend: StoreBackend,
  options: { newKeyFile?: string; nowMs: number; progress?: RekeyProgress; storeUrl?: string },
): Promise<RekeySummary> {
  // A temp file left in the home by a process killed while creating a key file may hold an old
  // master key: a rekey is the moment no copy of it should survive.
  sweepStaleTemps(home.root);
  const from = home.keys();
  const to = nextKeyOf(home, options.newKeyFile);
  if (from.keyId === to.keyId) throw new CliError('the new master key is the current one; nothing to do.');
  // Every secret, every key (its material is sealed under the master key too) and every alias
  // table (its MAC is) of every region, each moved in its own locked write.
  const summary: RekeySummary = {
    FromKeyId: from.keyId,
    ToKeyId: to.keyId,
    Total: 0,
    Rekeyed: 0,
    AlreadyRekeyed: 0,
    Failed: [],
    KeyLocation: '',
    OldKeyLocation: '',
    GoBack: '',
  };
  /** Per counted item: whether any pass moved it. */
  const seen = new Map<string, boolean>();
  const failed = new Map<string, RekeySummary['Failed'][number]>();
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const work = await workOf(backend, home, options.nowMs);
    let movedThisPass = 0;
    for (const [index, item] of work.entries()) {
      const id = identityOf(item);
      try {
        const moved = await item.move(to);
        failed.delete(id);
        // What decides another pass is a record moved; tables rewritten every pass (a home's manifest) do not.
        if (moved && !item.uncounted) movedThisPass++;
        if (!item.uncounted) seen.set(id, (seen.get(id) ?? false) || moved);
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        failed.set(id, { Region: item.region, ...item.what, ErrorCode: err.code, Message: err.message });
        if (!item.uncounted && !seen.has(id)) seen.set(id, false);
      }
      // Progress is the first pass's: the check passes are quick and usually find nothing.
      if (pass === 1) options.progress?.(index + 1, work.length);
    }
    if (movedThisPass === 0 || failed.size > 0) break;
    if (pass === MAX_PASSES) {
      summary.Failed.push({ Region: '*', ErrorCode: 'Rekey.StoreStillChanging', Message: `records under the old key kept appearing after ${MAX_PASSES} passes: stop writers that do not have the new key, then run rekey again.` });
    }
  }
  summary.Failed.push(...failed.values());
  summary.Total = seen.size;
  for (const [id, moved] of seen) {
    if (failed.has(id)) continue;
    if (moved) summary.Rekeyed++;
    else summary.AlreadyRekeyed++;
  }
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
  const note = summary.Failed.length === 0 ? sharedStoreNote(backend, options.storeUrl, to.keyId) : undefined;
  if (note !== undefined) summary.SharedStore = note;
  return summary;
}
