/**
 * The AccessKey pairs `kms-local serve` accepts: those of the store's principals (the home's profiles,
 * or a shared store's principals table; docs/permissions.md), and
 * the pairs in KMS_LOCAL_SERVE_ACCESS_KEYS (`id:secret,id2:secret2`), for a server started without
 * any profile (CI, containers). Secrets are held in memory only, never printed or logged.
 */
import { CliError, ServiceError } from '../errors/errors.js';
import type { Env } from '../store/home.js';
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

/** The pairs of the store's principals (those with both halves of an AccessKey), by AccessKeyId. */
export type PrincipalKeysReader = () => Promise<Map<string, KeyHolder>>;

export interface AccessKeySource {
  lookup: AccessKeyLookup;
  /** The caller an AccessKey stands for: its profile and that profile's policies. */
  callerOf(accessKeyId: string): Caller | undefined;
  /** How many pairs are known now (for the start-up line). */
  count(): number;
  /**
   * Reads the principals again when the last read is more than a second old (one read at a time,
   * shared by the requests that wait for it). A failed read keeps the pairs read before.
   */
  refresh(): Promise<void> | undefined;
}

/**
 * A lookup over the store's principals, read again at most once a second (refresh, before each
 * request), so that `kms-local configure` on any host while the server runs takes effect without
 * a restart. The environment's pairs are read once and win over a principal's with the same id.
 */
export function accessKeySource(env: Env, readPrincipals: PrincipalKeysReader, nowMs = () => Date.now()): AccessKeySource {
  const fromEnv = new Map<string, KeyHolder>();
  for (const [id, secret] of env[ACCESS_KEYS_ENV] ? parseAccessKeyList(env[ACCESS_KEYS_ENV]) : []) fromEnv.set(id, { secret });
  let cached = new Map(fromEnv);
  let readAt: number | undefined;
  let reading: Promise<void> | undefined;
  const read = async (): Promise<void> => {
    try {
      cached = new Map([...(await readPrincipals()), ...fromEnv]);
    } catch (err) {
      // A profile file being rewritten or broken, a database away: keep serving with what was read before.
      if (!(err instanceof CliError) && !(err instanceof ServiceError)) throw err;
    } finally {
      readAt = nowMs();
    }
  };
  return {
    lookup: (id) => cached.get(id)?.secret,
    callerOf: (id) => cached.get(id)?.caller,
    count: () => cached.size,
    refresh: () => {
      // Nothing to wait for (the common case, at every request): no promise to await.
      if (readAt !== undefined && nowMs() - readAt <= 1000) return undefined;
      reading ??= read().finally(() => {
        reading = undefined;
      });
      return reading;
    },
  };
}
