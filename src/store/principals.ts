/**
 * Where a store keeps its principals (profiles with an AccessKey and policies, src/core/principals.ts).
 * The home's files keep them in the profiles of config.json, as they always have; a shared store
 * keeps them in its database (sealed), so that every host and `serve` replica on it knows them.
 */
import { CliError } from '../errors/errors.js';
import { accessKeyHolder, applyPrincipalChange, emptyPrincipal, type Principal, type PrincipalChange } from '../core/principals.js';
import { CONFIG_FILE, principalOfProfile, readProfileFile, withPrincipal, type ProfileFile } from '../config/profile-read.js';
import type { Home } from './home.js';
import type { Keyring } from '../crypto/envelope.js';

export interface PrincipalStorage {
  /** Every principal, sorted by profile name. */
  list(): Promise<Principal[]>;
  get(profile: string): Promise<Principal | undefined>;
  /** The principal an AccessKeyId belongs to. */
  byAccessKeyId(accessKeyId: string): Promise<Principal | undefined>;
  /**
   * Applies `change` to the principal (made when there is none) under the store's lock and returns
   * it as stored; an AccessKeyId that another profile holds is refused.
   */
  put(profile: string, change: PrincipalChange): Promise<Principal>;
  /** Removes the principal; false when there was none. */
  remove(profile: string): Promise<boolean>;
  /**
   * For `rekey`: moves the principal's sealed AccessKey secret and MAC under `keys`; false when
   * there is none, it is there already, or the store keeps nothing sealed (a home's profile file).
   */
  moveUnder(profile: string, keys: Keyring): Promise<boolean>;
}

/** The refusal of an AccessKeyId that already names another caller. */
export function accessKeyTaken(holder: string): CliError {
  return new CliError(`fail to set configuration: the AccessKeyId given is already profile ${holder}'s; an AccessKey names one caller.`);
}

/**
 * Applies `change` to the profile `name` of a profile file (made when there is none), checking
 * that no other profile holds its AccessKeyId; returns the principal it now holds.
 */
export function putPrincipalInFile(file: ProfileFile, name: string, change: PrincipalChange): Principal {
  const at = file.profiles.findIndex((p) => p.name === name);
  const profile = at < 0 ? { name } : file.profiles[at]!;
  const principal = applyPrincipalChange(at < 0 ? emptyPrincipal(name) : principalOfProfile(profile), change);
  const holder = accessKeyHolder(file.profiles.map(principalOfProfile), name, principal.accessKeyId);
  if (holder !== undefined) throw accessKeyTaken(holder);
  const next = withPrincipal(profile, principal);
  if (at < 0) file.profiles.push(next);
  else file.profiles[at] = next;
  return principal;
}

/** The principals of the home's profile file (read with fs only; written with conf, loaded lazily). */
export class FilePrincipalStorage implements PrincipalStorage {
  constructor(private readonly home: Home) {}

  private read(): Principal[] {
    return readProfileFile(this.home.path(CONFIG_FILE))
      .profiles.map(principalOfProfile)
      .sort((a, b) => (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0));
  }

  async list(): Promise<Principal[]> {
    return this.read();
  }

  async get(profile: string): Promise<Principal | undefined> {
    return this.read().find((p) => p.profile === profile);
  }

  async byAccessKeyId(accessKeyId: string): Promise<Principal | undefined> {
    if (accessKeyId === '') return undefined;
    return this.read().find((p) => p.accessKeyId === accessKeyId);
  }

  async put(profile: string, change: PrincipalChange): Promise<Principal> {
    const { updateProfileFile } = await import('../lazy.js');
    return updateProfileFile(this.home, (file) => putPrincipalInFile(file, profile, change));
  }

  async remove(profile: string): Promise<boolean> {
    const { updateProfileFile } = await import('../lazy.js');
    return updateProfileFile(this.home, (file) => {
      const kept = file.profiles.filter((p) => p.name !== profile);
      const removed = kept.length < file.profiles.length;
      file.profiles = kept;
      return removed;
    });
  }

  /** The profile file keeps nothing sealed under the master key: nothing to move. */
  async moveUnder(_profile: string, _keys: Keyring): Promise<boolean> {
    return false;
  }
}
