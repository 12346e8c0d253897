/**
 * The secret store: one file per secret under `<home>/store/<region>/`, a lock per secret around
 * every read-modify-write, atomic replacement of files. Reads take no lock: a file is only ever
 * replaced whole by rename, so a reader sees the old or the new version, never a torn one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretRecord } from '../core/model.js';
import { isPastDeletion } from '../core/lifecycle.js';
import { IntegrityError } from '../crypto/envelope.js';
import type { Home } from './home.js';
import { ensureDir, removeFile, writeFileAtomic } from './fs-safe.js';
import { withLock } from './lock.js';
import { decodeSecretFile, encodeSecretFile, fileNameFor, integrityError } from './secret-file.js';

/** What a mutation returns: the secret to write (`null` deletes it, `undefined` leaves it) and a result. */
export interface Mutation<T> {
  next?: SecretRecord | null;
  result: T;
}

export class SecretStore {
  private readonly home: Home;
  readonly region: string;
  private readonly dir: string;
  private readonly nowMs: () => number;

  constructor(home: Home, region: string, nowMs: () => number) {
    this.home = home;
    this.region = region;
    this.dir = home.path('store', region);
    this.nowMs = nowMs;
  }

  private fileOf(name: string): string {
    return join(this.dir, fileNameFor(name));
  }

  private lockOf(name: string): string {
    return join(this.dir, '.locks', `${fileNameFor(name)}.lock`);
  }

  private readRaw(name: string): SecretRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return decodeSecretFile(text, name, this.region, this.home.keys());
    } catch (err) {
      if (err instanceof IntegrityError) throw integrityError(name, err.message);
      throw err;
    }
  }

  /** Past its PlannedDeleteTime a secret is gone (DESIGN §4 rule 9). */
  private isExpired(secret: SecretRecord): boolean {
    return isPastDeletion(secret, this.nowMs());
  }

  /** The secret, or undefined when there is none; one past its deletion date is purged on the way. */
  get(name: string): SecretRecord | undefined {
    const secret = this.readRaw(name);
    if (secret && this.isExpired(secret)) {
      this.mutate(name, () => ({ result: undefined }));
      return undefined;
    }
    return secret;
  }

  /** Read-modify-write of one secret under its inter-process lock. */
  mutate<T>(name: string, change: (current: SecretRecord | undefined) => Mutation<T>): T {
    ensureDir(join(this.dir, '.locks'));
    return withLock(this.lockOf(name), `secret '${name}'`, () => {
      let current = this.readRaw(name);
      if (current && this.isExpired(current)) {
        removeFile(this.fileOf(name));
        current = undefined;
      }
      const { next, result } = change(current);
      if (next === null) removeFile(this.fileOf(name));
      else if (next !== undefined) writeFileAtomic(this.fileOf(name), encodeSecretFile(next, this.region, this.home.keys()));
      return result;
    });
  }

  /** Every secret of the region, expired ones left out. */
  list(): SecretRecord[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const secrets: SecretRecord[] = [];
    for (const entry of entries) {
      if (!entry.endsWith('.json') || entry.startsWith('.')) continue;
      const text = readFileSync(join(this.dir, entry), 'utf8');
      const name = (JSON.parse(text) as { secret?: { name?: string } }).secret?.name;
      if (typeof name !== 'string' || fileNameFor(name) !== entry) continue;
      const secret = this.get(name);
      if (secret) secrets.push(secret);
    }
    return secrets;
  }
}
