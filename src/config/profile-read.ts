/**
 * Reads the profile file (KMS_LOCAL_HOME/config.json, the layout of the aliyun CLI's
 * ~/.aliyun/config.json) with fs and JSON.parse only: operations need at most a region from it, and
 * conf, which writes it, costs tens of milliseconds to load. Nothing here writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CliError } from '../errors/errors.js';
import type { Principal } from '../core/principals.js';

export const CONFIG_FILE = 'config.json';
export const DEFAULT_PROFILE = 'default';

export interface Profile {
  name: string;
  mode?: string;
  access_key_id?: string;
  access_key_secret?: string;
  region_id?: string;
  output_format?: string;
  language?: string;
  /** System policies attached to the profile's RAM user (configure set --policy). */
  policies?: string[];
  /** Custom identity policies attached to it, as compact JSON (configure set --policy-document). */
  policy_documents?: string[];
  /** Region ids kms-local accepts beside Alibaba Cloud's public ones (private regions): configure set --extra-regions. */
  extra_regions?: string[];
}

/** The private regions the profiles of a profile file add (every profile's: the store is one per home). */
export function extraRegionsOf(path: string): string[] {
  return readProfileFile(path).profiles.flatMap((p) => (Array.isArray(p.extra_regions) ? p.extra_regions.filter((r) => typeof r === 'string') : []));
}

export interface ProfileFile {
  current: string;
  profiles: Profile[];
  meta_path?: string;
  /** Where the home's secrets and keys live: a postgresql:// URL, or absent for the home's files (configure set --store). */
  store?: string;
}

export type Env = Record<string, string | undefined>;

export const CONFIGURE_TIP = 'Configuration failed, use `kms-local configure` to configure it';

function configError(detail: string): CliError {
  return new CliError(`load configuration failed: ${detail}`, { kind: 'withTip', tip: CONFIGURE_TIP });
}

/** The profile file, or an empty one when there is none yet. */
export function readProfileFile(path: string): ProfileFile {
  // Most homes have no profile file, and every call asks twice (its region, its store): asked
  // first, with no exception, as a process's first failed read cost about 0.15 ms to make its error.
  if (!existsSync(path)) return { current: '', profiles: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { current: '', profiles: [] };
    throw configError(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw configError(`${path} is not valid JSON`);
  }
  const file = data as Partial<ProfileFile> | null;
  if (!file || typeof file !== 'object' || (file.profiles !== undefined && !Array.isArray(file.profiles))) {
    throw configError(`${path} does not hold {"current": ..., "profiles": [...]}`);
  }
  const profiles = (file.profiles ?? []).filter((p): p is Profile => !!p && typeof p === 'object' && typeof p.name === 'string');
  const read: ProfileFile = { current: typeof file.current === 'string' ? file.current : '', profiles, meta_path: file.meta_path ?? '' };
  if (typeof file.store === 'string') read.store = file.store;
  return read;
}

/** The profile named by `--profile`, else by the environment, as the aliyun CLI reads them. */
export function namedProfile(flag: string | undefined, env: Env): string | undefined {
  return flag ?? (env.ALIBABA_CLOUD_PROFILE || env.ALIBABACLOUD_PROFILE || env.ALICLOUD_PROFILE || undefined);
}

export function unknownProfile(name: string): CliError {
  return new CliError(`unknown profile ${name}, run configure to check`, { kind: 'withTip', tip: CONFIGURE_TIP });
}

/**
 * The profile an operation runs with: `--profile` > ALIBABA_CLOUD_PROFILE > the current profile.
 * A named profile must exist. The file is read only when a profile is named or `needed` (a
 * setting such as the region is not given otherwise).
 */
export function selectProfile(path: string, flag: string | undefined, env: Env, needed: boolean): Profile | undefined {
  const named = namedProfile(flag, env);
  if (named === undefined && (!needed || env.ALIBABA_CLOUD_IGNORE_PROFILE?.toUpperCase() === 'TRUE')) return undefined;
  const file = readProfileFile(path);
  const name = named ?? (file.current || DEFAULT_PROFILE);
  const profile = file.profiles.find((p) => p.name === name);
  if (!profile && named !== undefined) throw unknownProfile(named);
  return profile;
}

/** aliyun's MosaicString: all but the last `keep` characters become `*`. */
export function mosaic(text: string | undefined, keep = 3): string {
  const value = text ?? '';
  const hidden = value.length - keep;
  return hidden > 0 ? '*'.repeat(hidden) + value.slice(hidden) : '*'.repeat(value.length);
}

/** aliyun's GetLastChars: the last `keep` characters, or all `*` for a short value. */
export function lastChars(text: string | undefined, keep = 3): string {
  const value = text ?? '';
  return value.length > keep ? value.slice(value.length - keep) : '*'.repeat(value.length);
}

/** The principal a profile of the file stands for (the home's files keep principals in their profiles). */
export function principalOfProfile(profile: Profile): Principal {
  const strings = (list: unknown): string[] => (Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : []);
  return {
    profile: profile.name,
    accessKeyId: typeof profile.access_key_id === 'string' ? profile.access_key_id : '',
    accessKeySecret: typeof profile.access_key_secret === 'string' ? profile.access_key_secret : '',
    policies: strings(profile.policies),
    policyDocuments: strings(profile.policy_documents),
  };
}

/** `profile` holding `principal`'s AccessKey and policies (no policy field when none is attached). */
export function withPrincipal(profile: Profile, principal: Principal): Profile {
  const next: Profile = { ...profile, access_key_id: principal.accessKeyId, access_key_secret: principal.accessKeySecret };
  delete next.policies;
  delete next.policy_documents;
  if (principal.policies.length > 0) next.policies = [...principal.policies];
  if (principal.policyDocuments.length > 0) next.policy_documents = [...principal.policyDocuments];
  return next;
}
