/**
 * Creating the two accounts of a PolarDB PostgreSQL secret, with `pg`, as the target's admin
 * account (it needs CREATEROLE): `CREATE ROLE <name> LOGIN PASSWORD '<SCRAM verifier>'`, the
 * verifier computed here as for rotations (src/targets/scram.ts), so the plaintext never
 * reaches the server. Both roles get the same attributes (LOGIN) and no grants: the service's
 * PolarDB PostgreSQL secrets take no privilege either.
 */
import type { ProvisionPlan, RdsAccountValue } from '../core/dynamic.js';
import { randomBytes } from 'node:crypto';
import { scramVerifier } from './scram.js';
import type { DbTarget } from './registry.js';
import { CONNECT_TIMEOUT_MS, COMMAND_TIMEOUT_MS, TargetError, type AccountCreator } from './adapter.js';
import { loadPg } from '../pg-module.js';


export class PostgresAccountCreator implements AccountCreator {
  private readonly target: DbTarget;
  private readonly admin: RdsAccountValue;
  private client: import('pg').Client | undefined;

  constructor(target: DbTarget, admin: RdsAccountValue) {
    this.target = target;
    this.admin = admin;
  }

  private where(): string {
    return `PostgreSQL ${this.target.instanceId} (${this.target.host}:${this.target.port}/${this.target.database})`;
  }

  async createAccounts(plan: ProvisionPlan, password: string): Promise<void> {
    const pg = loadPg();
    const client = new pg.Client({
      host: this.target.host,
      port: this.target.port,
      database: this.target.database,
      user: this.admin.AccountName,
      password: this.admin.AccountPassword,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: COMMAND_TIMEOUT_MS,
      application_name: 'kms-local',
    });
    client.on('error', () => undefined);
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      throw new TargetError('unreachable', `${this.where()}: logging in as the admin account failed: ${(err as Error).message}`);
    }
    const names = [plan.accountName, plan.cloneAccountName];
    const existing = await client.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [names]);
    if (existing.rows.length > 0) {
      throw new TargetError('failed', `${this.where()}: the account ${existing.rows[0].rolname} already exists; a PolarDB secret manages two new accounts that kms-local creates.`);
    }
    const created: string[] = [];
    try {
      for (const name of names) {
        await client.query(`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(scramVerifier(password, randomBytes(16)))}`);
        created.push(name);
      }
    } catch (err) {
      for (const name of created) await client.query(`DROP ROLE ${pg.escapeIdentifier(name)}`).catch(() => undefined);
      throw new TargetError('failed', `${this.where()}: creating the accounts failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
