/**
 * The kms-local home (docs/design.md §3): where configuration, keys and the store live.
 * Nothing here is created until it is needed, and everything is created once, atomically.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { CliError } from '../errors/errors.js';
import { Keyring } from '../crypto/envelope.js';
import { createFileOnce, ensureDir } from './fs-safe.js';
import type { ReadCache } from './read-cache.js';
import type { SecretRecord } from '../core/model.js';

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
  readCache: ReadCache<SecretRecord> | undefined;
  private nextKeyring: Keyring | null | undefined;

  constructor(env: Env) {
    this.env = env;
    this.root = env.KMS_LOCAL_HOME || join(homedir(), '.kms-local');
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  ensure(): void {
    ensureDir(this.root);
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

  /** A stable 16-digit account id, made when the home is first used. */
  accountId(): string {
    if (this.account === undefined) {
      this.ensure();
      const made = String(randomInt(1, 10)) + Array.from({ length: 15 }, () => randomInt(0, 10)).join('');
      this.account = createFileOnce(this.path('account-id'), `${made}\n`).trim();
    }
    return this.account;
  }

  /** The master key: KMS_LOCAL_MASTER_KEY, else KMS_LOCAL_MASTER_KEY_FILE, else a key file in the home. */
  keys(): Keyring {
    this.currentKeyring ??= new Keyring(this.loadMasterKey());
    return this.currentKeyring;
  }

  /** Whether the master key lives in the home (rather than in the environment). */
  managesKey(): boolean {
    return !this.env.KMS_LOCAL_MASTER_KEY && !this.env.KMS_LOCAL_MASTER_KEY_FILE;
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

  /** Whether a rekey's next key waits in the home's next-key file (not in the environment). */
  keepsNextKeyFile(): boolean {
    return this.managesKey() && !this.env.KMS_LOCAL_NEW_MASTER_KEY;
  }

  /** Makes a next key given on the command line known, as if it were in the environment. */
  useNextKeys(keys: Keyring): Keyring {
    this.nextKeyring = keys;
    return keys;
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
    this.ensure();
    const made = Buffer.from(Array.from({ length: 32 }, () => randomInt(0, 256))).toString('base64');
    return decodeKey(createFileOnce(this.path('master.key'), `${made}\n`), `the key file '${this.path('master.key')}'`);
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
