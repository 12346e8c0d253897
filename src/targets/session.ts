/** Opens the adapter session for a target; adapters (and ssh2, pg, mysql2) load only when a rotation runs (src/lazy.ts). */
import type { TargetSession } from './adapter.js';
import type { Target, TargetRegistry } from './registry.js';

export async function openSession(target: Target, registry: TargetRegistry): Promise<TargetSession> {
  if (target.kind === 'db') {
    if (target.engine === 'mysql' || target.engine === 'mariadb') {
      const { MysqlSession } = await import('../lazy.js');
      return new MysqlSession(target);
    }
    const { PostgresSession } = await import('../lazy.js');
    return new PostgresSession(target);
  }
  const { SshSession } = await import('../lazy.js');
  return new SshSession(target, registry);
}
