/**
 * The principals of a PostgreSQL store (src/store/principals.ts): one row per profile, its secret
 * sealed and the row MAC'd under the master key the team's hosts share (principal-record.ts).
 * A change is one transaction holding the principal's row lock; the AccessKeyId column is unique,
 * so two hosts can never give one AccessKey to two profiles.
 */
import { accessKeyHolder, applyPrincipalChange, emptyPrincipal, type Principal, type PrincipalChange } from '../../core/principals.js';
import { ServiceError } from '../../errors/errors.js';
import type { Home } from '../home.js';
import { accessKeyTaken, type PrincipalStorage } from '../principals.js';
import type { Ready } from './backend.js';
import type { PgConnection } from './connection.js';
import { decodePrincipal, encodePrincipal, sealedUnder } from './principal-record.js';
import { lockRecord, writeRecord } from './rows.js';
import type { Keyring } from '../../crypto/envelope.js';

const TABLE = 'kms_local_principals';
/** SQLSTATE of a unique constraint violated: another host gave the AccessKeyId to another profile meanwhile. */
const UNIQUE_VIOLATION = '23505';

export class PgPrincipalStorage implements PrincipalStorage {
  /** Warnings already given: `serve` lists the principals every second, and says each once. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly db: PgConnection,
    private readonly ready: Ready,
    private readonly home: Home,
  ) {}

  private decode(profile: string, text: string): Principal {
    return decodePrincipal(text, profile, (keyId) => this.home.keyring(keyId));
  }

  /** Rows that fail their check are left out (and named in a warning), as a listing skips a tampered secret. */
  private decodeAll(rows: { profile: string; record: string }[]): Principal[] {
    const principals: Principal[] = [];
    for (const { profile, record } of rows) {
      try {
        principals.push(this.decode(profile, record));
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        const warning = `${err.message} Its AccessKey is refused.`;
        if (!this.warned.has(warning)) this.home.onWarning?.(warning);
        this.warned.add(warning);
      }
    }
    return principals;
  }

  async list(): Promise<Principal[]> {
    if (!(await this.ready('read'))) return [];
    const { rows } = await this.db.read((client) => client.query<{ profile: string; record: string }>(`SELECT profile, record FROM ${TABLE} ORDER BY profile COLLATE "C"`));
    return this.decodeAll(rows);
  }

  async get(profile: string): Promise<Principal | undefined> {
    if (!(await this.ready('read'))) return undefined;
    const { rows } = await this.db.read((client) => client.query<{ record: string }>(`SELECT record FROM ${TABLE} WHERE profile = $1`, [profile]));
    return rows[0] ? this.decode(profile, rows[0].record) : undefined;
  }

  async byAccessKeyId(accessKeyId: string): Promise<Principal | undefined> {
    if (accessKeyId === '' || !(await this.ready('read'))) return undefined;
    const { rows } = await this.db.read((client) =>
      client.query<{ profile: string; record: string }>(`SELECT profile, record FROM ${TABLE} WHERE access_key_id = $1`, [accessKeyId]),
    );
    return rows[0] ? this.decode(rows[0].profile, rows[0].record) : undefined;
  }

  async put(profile: string, change: PrincipalChange): Promise<Principal> {
    // The master key first: a host whose key cannot be found does not even open a transaction.
    const keys = this.home.writeKeys();
    await this.ready('write');
    return this.db.transaction(async (client) => {
      const text = await lockRecord(client, TABLE, [['profile', profile]]);
      const next = applyPrincipalChange(text === undefined ? emptyPrincipal(profile) : this.decode(profile, text), change);
      if (next.accessKeyId !== '') {
        const { rows } = await client.query<{ profile: string; access_key_id: string }>(
          `SELECT profile, access_key_id FROM ${TABLE} WHERE access_key_id = $1 AND profile <> $2`,
          [next.accessKeyId, profile],
        );
        const holder = accessKeyHolder(rows.map((r) => ({ ...emptyPrincipal(r.profile), accessKeyId: r.access_key_id })), profile, next.accessKeyId);
        if (holder !== undefined) throw accessKeyTaken(holder);
      }
      try {
        await writeRecord(client, TABLE, [['profile', profile]], encodePrincipal(next, keys), { access_key_id: next.accessKeyId === '' ? null : next.accessKeyId });
      } catch (err) {
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw accessKeyTaken('another');
        throw err;
      }
      return next;
    });
  }

  async remove(profile: string): Promise<boolean> {
    if (!(await this.ready('read'))) return false;
    const { rowCount } = await this.db.transaction((client) => client.query(`DELETE FROM ${TABLE} WHERE profile = $1`, [profile]));
    return (rowCount ?? 0) > 0;
  }

  /** One transaction holding the principal's row lock: sealed and MAC'd again under `keys`. */
  async moveUnder(profile: string, keys: Keyring): Promise<boolean> {
    if (!(await this.ready('read'))) return false;
    return this.db.transaction(async (client) => {
      const text = await lockRecord(client, TABLE, [['profile', profile]]);
      if (text === undefined || sealedUnder(text) === keys.keyId) return false;
      const principal = this.decode(profile, text);
      await writeRecord(client, TABLE, [['profile', profile]], encodePrincipal(principal, keys), { access_key_id: principal.accessKeyId === '' ? null : principal.accessKeyId });
      return true;
    });
  }
}
