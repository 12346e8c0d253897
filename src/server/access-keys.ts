/**
 * The AccessKey pairs `kms-local serve` accepts: those of the kms-local profiles (docs/design.md §3), and
 * the pairs in KMS_LOCAL_SERVE_ACCESS_KEYS (`id:secret,id2:secret2`), for a server started without
 * any profile (CI, containers). Secrets are held in memory only, never printed or logged.
 */
import { CliError } from '../errors/errors.js';
import type { Env, Home } from '../store/home.js';
import type { Caller } from '../api/authorize.js';

export type AccessKeyLookup = (accessKeyId: string) => string | undefined;

export const ACCESS_KEYS_ENV = 'KMS_LOCAL_SERVE_ACCESS_KEYS';

/** Parses `id:secret,id2:secret2`. The error names the position, never the text. */
export function parseAccessKeyList(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  text.split(',').forEach((item, i) => {
    if (item.trim() === '') return;
    const cut = item.indexOf(':');
    const id = item.slice(0, cut).trim();
    const secret = item.slice(cut + 1).trim();
    if (cut <= 0 || !id || !secret) {
      throw new CliError(`${ACCESS_KEYS_ENV}: entry ${i + 1} is not AccessKeyId:AccessKeySecret.`);
    }
    keys.set(id, secret);
  });
  return keys;
}

/** An AccessKey's secret, and the caller it stands for (none for the environment's pairs: unrestricted). */
export interface KeyHolder {
  secret: string;
  caller?: Caller;
}

/** Where the profiles' pairs come from; replaced by the profile module's reader (see serve-command). */
export type ProfileKeysReader = (home: Home, env: Env) => Map<string, KeyHolder>;

export interface AccessKeySource {
  lookup: AccessKeyLookup;
  /** The caller an AccessKey stands for: its profile and that profile's policies. */
  callerOf(accessKeyId: string): Caller | undefined;
  /** How many pairs are known now (for the start-up line). */
  count(): number;
}

/**
 * A lookup that re-reads the profiles at most once a second, so that `kms-local configure` while
 * the server runs takes effect without a restart. The environment's pairs are read once.
 */
export function accessKeySource(home: Home, env: Env, readProfiles: ProfileKeysReader, nowMs = () => Date.now()): AccessKeySource {
  const fromEnv = new Map<string, KeyHolder>();
  for (const [id, secret] of env[ACCESS_KEYS_ENV] ? parseAccessKeyList(env[ACCESS_KEYS_ENV]) : []) fromEnv.set(id, { secret });
  let cached: Map<string, KeyHolder> | undefined;
  let readAt = 0;
  const current = (): Map<string, KeyHolder> => {
    const now = nowMs();
    if (!cached || now - readAt > 1000) {
      try {
        cached = new Map([...readProfiles(home, env), ...fromEnv]);
      } catch (err) {
        // A profile file being rewritten or broken: keep serving with what was read before.
        cached ??= new Map(fromEnv);
        if (!(err instanceof CliError)) throw err;
      }
      readAt = now;
    }
    return cached;
  };
  return {
    lookup: (id) => current().get(id)?.secret,
    callerOf: (id) => current().get(id)?.caller,
    count: () => current().size,
  };
}
