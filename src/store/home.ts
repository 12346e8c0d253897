/**
 * The kms-local home (docs/design.md §3): where configuration, keys and the store live.
 * Nothing here is created until it is needed, and everything is created once, atomically.
 */
import { homedir } from '../os-lazy.js';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { CliError } from '../errors/errors.js';
import { Keyring } from '../crypto/envelope.js';
import { createFileOnce, ensureDir } from './fs-safe.js';
import { checkHomeSafety } from './home-safety.js';
import type { ReadCache } from './read-cache.js';
import type { StampedSecret } from './secret-file.js';
import type { Shard } from './manifest.js';

export type Env = Record<string, string | undefined>;

/** Where the next master key of an unfinished `rekey` waits, when the home manages the key. */
export const NEXT_KEY_FILE = 'master.key.next';

export class Home {
  readonly root: string;
  /**
   * Where the store says what it skipped (an unreadable secret file in a listing): the CLI's
   * stderr, the server's log. Nothing is printed without one.
   */
  onWarning: ((message: string) => void) | undefined;
  private readonly env: Env;
  private currentKeyring: Keyring | undefined;
  /** The account id, once read (it never changes: a file made once). */
  private account: string | undefined;
  /** Decoded secret files, kept by a long-lived process (serve) that enables it; none in the CLI. */
  readCache: ReadCache<StampedSecret> | undefined;
  /** Verified manifest shards, kept likewise (serve). */
  manifestCache: ReadCache<Shard> | undefined;
  private nextKeyring: Keyring | null | undefined;

  /** Where a one-line notice for the user goes (stderr), such as "a new master key was made". */
  private readonly notice: (line: string) => void;

  constructor(env: Env, notice: (line: string) => void = () => {}) {
    this.env = env;
    this.notice = notice;
    this.root = env.KMS_LOCAL_HOME || join(homedir(), '.kms-local');
  }

  /** Paths made before (a bounded few: fixed names, regions, key ids); serve asks for the same ones on every request. */
  private readonly paths = new Map<string, string>();

  path(...parts: string[]): string {
    const key = parts.join('\0');
    let path = this.paths.get(key);
    if (path === undefined) {
      path = join(this.root, ...parts);
      if (this.paths.size < 256) this.paths.set(key, path);
    }
    return path;
  }

  ensure(): void {
    this.checkSafe();
    ensureDir(this.root);
  }

  private checkedSafe = false;

  /**
   * Refuses a home others could change or that points elsewhere (home-safety.ts), once per
   * process, before anything is read from it or written to it.
   */
  checkSafe(): void {
    if (this.checkedSafe) return;
    checkHomeSafety({
      root: this.root,
      store: this.path('store'),
      files: ['audit.log', 'config.json', 'account-id', NEXT_KEY_FILE].map((file) => this.path(file)),
      masterKey: this.managesKey() ? this.path(MASTER_KEY_FILE) : undefined,
    });
    this.checkedSafe = true;
  }

  /** The regions that have a store folder, sorted. */
  regions(): string[] {
    try {
      return readdirSync(this.path('store'), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** An environment variable the home was made with (KMS_LOCAL_STORE, for one). */
  variable(name: string): string | undefined {
    return this.env[name];
  }

  /** The account id of a shared store (kept in its database), used instead of the home's own. */
  useAccountId(accountId: string): void {
    this.account = accountId;
  }

  /**
   * What a shared store holds, learnt when it is opened: the master key id of its records (none
   * when it holds none) and how to name it. A home with no master key of its own must not make one
   * for a store whose records are under another key (loadMasterKey).
   */
  private sharedStore: { where: string; keyId: string | undefined } | undefined;

  useSharedStore(where: string, keyId: string | undefined): void {
    this.sharedStore = { where, keyId };
  }

  /** The account id if it is known already (a shared store's, once opened), without making one. */
  knownAccountId(): string | undefined {
    return this.account;
  }

  /** A stable 16-digit account id, made when the home is first used. */
  accountId(): string {
    if (this.account === undefined) {
      this.ensure();
      const made = String(randomInt(1, 10)) + Array.from({ length: 15 }, () => randomInt(0, 10)).join('');
      this.account = createFileOnce(this.path('account-id'), `${made}\n`).trim();
    }
    return this.account;
  }

  /**
   * For a long-lived process (serve): the key files are watched, and the keys read again when one
   * changed (a `kms-local rekey` replaced master.key, or started a move to master.key.next).
   */
  watchKeyFiles = false;
  private keyFilesStamp: string | undefined;

  private keyFilesNow(): string {
    const files = this.env.KMS_LOCAL_MASTER_KEY ? [] : this.env.KMS_LOCAL_MASTER_KEY_FILE ? [this.env.KMS_LOCAL_MASTER_KEY_FILE] : [this.path('master.key'), this.path(NEXT_KEY_FILE)];
    return files
      .map((file) => {
        const st = statSync(file, { throwIfNoEntry: false });
        return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : '-';
      })
      .join(' ');
  }

  /** The master key: KMS_LOCAL_MASTER_KEY, else KMS_LOCAL_MASTER_KEY_FILE, else a key file in the home. */
  keys(): Keyring {
    if (this.watchKeyFiles) {
      const stamp = this.keyFilesNow();
      if (stamp !== this.keyFilesStamp) {
        this.currentKeyring = undefined;
        this.nextKeyring = undefined;
        this.keyFilesStamp = stamp;
      }
    }
    this.currentKeyring ??= new Keyring(this.loadMasterKey());
    return this.currentKeyring;
  }

  /**
   * An empty key variable is a mistake (a CI secret that did not fill it in, `export X=` in a
   * script), never a request for the home's key file: refused before anything is read or written.
   */
  private keyVariablesChecked = false;

  /** Once per Home, as the key itself is read once: its environment does not change while it lives. */
  checkKeyVariables(): void {
    if (this.keyVariablesChecked) return;
    for (const name of ['KMS_LOCAL_MASTER_KEY', 'KMS_LOCAL_MASTER_KEY_FILE', 'KMS_LOCAL_NEW_MASTER_KEY'] as const) {
      const value = this.env[name];
      if (value !== undefined && value.trim() === '') {
        throw new CliError(`${name} is set but empty: set it to the ${name.endsWith('_FILE') ? 'path of the master key file' : 'base64 of a 32-byte key'}, or unset it.`);
      }
    }
    this.keyVariablesChecked = true;
  }

  /**
   * Whether the master key lives in the home (rather than in the environment). A variable that is
   * set counts even when empty: loadMasterKey refuses it rather than fall back to a key file.
   */
  managesKey(): boolean {
    return this.env.KMS_LOCAL_MASTER_KEY === undefined && this.env.KMS_LOCAL_MASTER_KEY_FILE === undefined;
  }

  /**
   * The key a `rekey` is moving the store to, if one is known: KMS_LOCAL_NEW_MASTER_KEY, or the
   * home's next-key file left by a rekey that has not finished. Secrets already moved stay readable.
   */
  nextKeys(): Keyring | undefined {
    if (this.nextKeyring === undefined) {
      const inline = this.env.KMS_LOCAL_NEW_MASTER_KEY;
      let text: string | undefined = inline;
      if (!text && this.managesKey()) {
        try {
          text = readFileSync(this.path(NEXT_KEY_FILE), 'utf8');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      this.nextKeyring = text ? new Keyring(decodeKey(text, inline ? 'KMS_LOCAL_NEW_MASTER_KEY' : `the key file '${this.path(NEXT_KEY_FILE)}'`)) : null;
    }
    return this.nextKeyring ?? undefined;
  }

  /**
   * The key writes seal under (secret and key files, manifest shards): the next key while a move
   * to one is known, else the current key.
   * Records only ever move forward: a write during a rekey (this host's, or on a shared store
   * another host's that was given KMS_LOCAL_NEW_MASTER_KEY) never puts a moved record back under
   * the key being retired, which the hosts stop having once the move is done.
   */
  writeKeys(): Keyring {
    const current = this.keys();
    return this.nextKeys() ?? current;
  }

  /** KMS_LOCAL_NEW_MASTER_KEY as given, for rekey to install in the home's key file. */
  newKeyVariable(): string | undefined {
    return this.env.KMS_LOCAL_NEW_MASTER_KEY;
  }

  /** Whether a rekey's next key waits in the home's next-key file (not in the environment). */
  keepsNextKeyFile(): boolean {
    return this.managesKey() && !this.env.KMS_LOCAL_NEW_MASTER_KEY;
  }

  /**
   * Uses `keys` as the master key from now on, whatever the environment or the home's key file say
   * (a copy between stores: the destination is read and written under the source's key, and no
   * key file is made for it).
   */
  useKeys(keys: Keyring): Keyring {
    this.currentKeyring = keys;
    return keys;
  }

  /** Makes a next key given on the command line known, as if it were in the environment. */
  useNextKeys(keys: Keyring): Keyring {
    this.nextKeyring = keys;
    return keys;
  }

  /**
   * Whether KMS_LOCAL_REENROL=1 asks to take the files of a folder whose manifest is gone as the
   * latest copies (after restoring a folder on purpose, or losing a damaged manifest).
   */
  reenrols(): boolean {
    return this.env.KMS_LOCAL_REENROL === '1';
  }

  /** The keyring for a key id found in a file: the current master key or the next one. */
  keyring(keyId: string): Keyring | undefined {
    const current = this.keys();
    if (current.keyId === keyId) return current;
    const next = this.nextKeys();
    return next?.keyId === keyId ? next : undefined;
  }

  private loadMasterKey(): Buffer {
    const { KMS_LOCAL_MASTER_KEY: inline, KMS_LOCAL_MASTER_KEY_FILE: file } = this.env;
    this.checkKeyVariables();
    if (inline) return decodeKey(inline, 'KMS_LOCAL_MASTER_KEY');
    if (file) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read KMS_LOCAL_MASTER_KEY_FILE '${file}': ${(err as Error).message}`);
      }
      return decodeKey(text, `the key file '${file}'`);
    }
    const keyFile = this.path(MASTER_KEY_FILE);
    const existing = readIfExists(keyFile);
    if (existing !== undefined) return decodeKey(existing, `the key file '${keyFile}'`);
    // No key anywhere. A new one is only right for a store that holds nothing: secrets written under
    // a key that went missing must never be joined by secrets under another one.
    const orphaned = this.sharedStore ? this.sharedStore.keyId : this.storedKeyId();
    const store = this.sharedStore ? `the ${this.sharedStore.where}` : `the store in ${this.root}`;
    if (orphaned !== undefined) {
      const kept = this.path(`${MASTER_KEY_FILE}.${orphaned}`);
      if (readIfExists(kept) !== undefined) {
        throw new CliError(`${store} holds secrets under master key ${orphaned}, and no master key was found in KMS_LOCAL_MASTER_KEY, KMS_LOCAL_MASTER_KEY_FILE or ${keyFile}; ${kept} (kept by rekey) holds that key: copy it to ${keyFile}. Nothing was written.`);
      }
      throw new CliError(
        `${store} holds secrets under master key ${orphaned}, but no master key was found: not in KMS_LOCAL_MASTER_KEY, ` +
          `not in KMS_LOCAL_MASTER_KEY_FILE, not in ${keyFile}. Give that key in one of them; nothing was written.`,
      );
    }
    this.ensure();
    const made = `${Buffer.from(Array.from({ length: 32 }, () => randomInt(0, 256))).toString('base64')}\n`;
    const text = createFileOnce(keyFile, made);
    if (text === made) this.notice(`kms-local: made a new master key in ${keyFile}; back it up: without it nothing in this home can be read.\n`);
    return decodeKey(text, `the key file '${keyFile}'`);
  }

  /**
   * The master key id of some file in the store (a secret or a key), or undefined when the store
   * holds none. Stops at the first file that names one.
   */
  private storedKeyId(): string | undefined {
    for (const region of this.regions()) {
      for (const dir of [this.path('store', region), this.path('store', region, 'keys')]) {
        let entries: string[];
        try {
          entries = readdirSync(dir).filter((e) => e.endsWith('.json') && !e.startsWith('.'));
        } catch {
          continue;
        }
        for (const entry of entries) {
          const keyId = keyIdOfStoredFile(readIfExists(join(dir, entry)) ?? '');
          if (keyId !== undefined) return keyId;
        }
      }
    }
    return undefined;
  }
}

/** The master key file of a home that manages its own key. */
export const MASTER_KEY_FILE = 'master.key';

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The master key id a secret file (secret.versions[].payload) or a key file (key.versions[].material) was sealed under. */
export function keyIdOfStoredFile(text: string): string | undefined {
  try {
    const file = JSON.parse(text) as {
      secret?: { versions?: { payload?: { keyId?: unknown } }[] };
      key?: { versions?: { material?: { keyId?: unknown } }[] };
    };
    const keyId = file.secret?.versions?.[0]?.payload?.keyId ?? file.key?.versions?.[0]?.material?.keyId;
    return typeof keyId === 'string' ? keyId : undefined;
  } catch {
    return undefined;
  }
}

export function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== 32) {
    throw new CliError(`${source} must hold a base64-encoded 32-byte key.`);
  }
  return key;
}
