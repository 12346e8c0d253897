/**
 * A store URL (`postgresql://user:password@host:port/db`) and how it is named in messages: with
 * its user, host, port and database, never its password or options.
 */
const STORE_URL = /^postgres(ql)?:\/\//i;

export function isStoreUrl(text: string): boolean {
  return STORE_URL.test(text);
}

/** `PostgreSQL store postgresql://user@host:port/db`. */
export function describeStore(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `PostgreSQL store ${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return 'PostgreSQL store (its URL cannot be parsed)';
  }
}
