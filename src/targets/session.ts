/** Opens the adapter session for a target; adapters (and ssh2, pg, mysql2, @redis/client) load only when a rotation runs (src/lazy.ts). */
import type { RdsAccountValue } from '../core/dynamic.js';
import type { AccountCreator, TargetSession } from './adapter.js';
import type { Target, TargetRegistry } from './registry.js';

/** `admin`: the account of the target's AdminSecretName, for targets whose accounts cannot change their own passwords. */
export async function openSession(target: Target, registry: TargetRegistry, admin?: RdsAccountValue): Promise<TargetSession> {
  if (target.kind === 'redis') {
    return (await import('../lazy.js')).newRedisSession(target, admin);
  }
  if (target.kind === 'db') {
    if (target.engine === 'mysql' || target.engine === 'mariadb') {
      return (await import('../lazy.js')).newMysqlSession(target);
    }
    return (await import('../lazy.js')).newPostgresSession(target);
  }
  return (await import('../lazy.js')).newSshSession(target, registry);
}

/** The admin session that creates the accounts of a Redis or PolarDB secret. */
export async function openAccountCreator(target: Target, registry: TargetRegistry, admin: RdsAccountValue): Promise<AccountCreator> {
  if (target.kind === 'redis') {
    return (await import('../lazy.js')).newRedisSession(target, admin);
  }
  if (target.kind === 'db' && target.engine === 'postgresql') {
    return (await import('../lazy.js')).newPostgresAccountCreator(target, admin);
  }
  if (target.kind === 'db') {
    return (await import('../lazy.js')).newMysqlSession(target, admin);
  }
  throw new Error(`an SSH target (${target.instanceId}) cannot create accounts`);
}
