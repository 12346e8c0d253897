/**
 * SCRAM-SHA-256 verifiers as PostgreSQL stores them (RFC 5802, RFC 7677):
 * `SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>`. Rotation sends
 * only this to the server (`ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'`), so no password reaches
 * its logs (log_statement), pg_stat_activity or a replication stream.
 *
 * PostgreSQL prepares a password before hashing it (src/common/saslprep.c, pg_saslprep), and libpq
 * does the same when logging in; the verifier must be of the password as prepared, or no login
 * with it would work:
 *   - pure ASCII: used as it is (control characters included);
 *   - else RFC 4013 SASLprep: non-ASCII spaces become U+0020, "commonly mapped to nothing"
 *     characters go, then NFKC; an empty result, a prohibited or unassigned code point, or a
 *     right-to-left mix SASLprep refuses: PostgreSQL then hashes the password as it is.
 * The tables (RFC 3454) come from @mongodb-js/saslprep. One difference remains: PostgreSQL checks
 * prohibited characters before normalising, the library after; the two agree whenever NFKC leaves
 * the password unchanged, and differ only for compatibility characters that normalise into or out
 * of a prohibited class.
 *
 * Pure: the salt comes from the caller.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import saslprep from '@mongodb-js/saslprep';

export const SCRAM_ITERATIONS = 4096;

/** The password PostgreSQL hashes for `password`. */
export function postgresSaslPrep(password: string): string {
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  try {
    const prepared = saslprep(password);
    // PostgreSQL refuses to prepare a password that maps to nothing: it is hashed as it is.
    return prepared === '' ? password : prepared;
  } catch {
    return password;
  }
}

/**
 * What node-postgres (`pg` 8.x, lib/crypto/sasl.js) hashes when it logs in: the mappings and NFKC
 * of SASLprep without its checks. Where this differs from postgresSaslPrep, a password set by
 * verifier could be used by psql but not by `pg`, so rotation refuses such a password.
 */
export function nodePgSaslPrep(password: string): string {
  return password
    .replace(/[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .replace(/[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/g, '')
    .normalize('NFKC');
}

/** The SCRAM-SHA-256 verifier PostgreSQL would store for `password` with this salt. */
export function scramVerifier(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(Buffer.from(postgresSaslPrep(password), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
