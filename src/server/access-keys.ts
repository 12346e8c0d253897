/**
 * The AccessKey pairs `kms-local serve` accepts: those of the kms-local profiles (docs/design.md §3), and
 * the pairs in KMS_LOCAL_SERVE_ACCESS_KEYS (`id:secret,id2:secret2`), for a server started without
 * any profile (CI, containers). Secrets are held in memory only, never printed or logged.
 */
import { CliError } from '../errors/errors.js';
import type { Env, Home } from '../store/home.js';

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

/** Where the profiles' pairs come from; replaced by the profile module's reader (see serve-command). */
export type ProfileKeysReader = (home: Home, env: Env) => Map<string, string>;

export interface AccessKeySource {
  lookup: AccessKeyLookup;
  /** How many pairs are known now (for the start-up line). */
  count(): number;
}

/**
 * A lookup that re-reads the profiles at most once a second, so that `kms-local configure` while
 * the server runs takes effect without a restart. The environment's pairs are read once.
 */
export function accessKeySource(home: Home, env: Env, readProfiles: ProfileKeysReader, nowMs = () => Date.now()): AccessKeySource {
  const fromEnv = env[ACCESS_KEYS_ENV] ? parseAccessKeyList(env[ACCESS_KEYS_ENV]) : new Map<string, string>();
  let cached: Map<string, string> | undefined;
  let readAt = 0;
  const current = (): Map<string, string> => {
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
    lookup: (id) => current().get(id),
    count: () => current().size,
  };
}
