/**
 * The SignatureNonces of every `serve` replica on a PostgreSQL store (`kms_local_nonces`): a
 * request captured on its way to one replica is refused by every other, whatever host it runs on.
 *
 * A claim is one INSERT ... ON CONFLICT DO NOTHING on the primary key (AccessKeyId, nonce hash):
 * of two replicas given one replay at the same moment, exactly one inserts the row. A row holds
 * the hash only (of AccessKeyId and nonce), never anything of the request, and the time after which
 * no replica can accept its request any more. Rows past it are deleted by whichever replica finds
 * a minute has gone by since it last did (never waited for: a failed delete is tried again later).
 */
import type { NonceClaims } from '../backend.js';
import type { Ready } from './backend.js';
import type { PgConnection } from './connection.js';

/** How often one replica deletes expired rows. */
const PRUNE_EVERY_MS = 60 * 1000;
/** Rows outlive their expiry by this much: hosts' clocks may disagree a little. */
const PRUNE_GRACE_MS = 5 * 60 * 1000;

export class PgNonceClaims implements NonceClaims {
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: PgConnection,
    private readonly ready: Ready,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async claim(accessKeyId: string, nonceHash: string, expiresAtMs: number): Promise<boolean> {
    await this.ready('write');
    this.maybePrune();
    const { rowCount } = await this.db.read((client) =>
      client.query({
        name: 'kms_local_nonce_claim',
        text: 'INSERT INTO kms_local_nonces (access_key_id, nonce_hash, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        values: [accessKeyId, nonceHash, expiresAtMs],
      }),
    );
    return rowCount === 1;
  }

  private maybePrune(): void {
    const now = this.nowMs();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    this.db
      .read((client) => client.query('DELETE FROM kms_local_nonces WHERE expires_at < $1', [now - PRUNE_GRACE_MS]))
      // The database is away: the claim beside it says so; the delete is tried again in a minute.
      .catch(() => undefined);
  }
}
