/**
 * Everything the everyday operations do not need, behind ONE lazily imported module: the HTTP
 * server, `run`, the PostgreSQL store, the output tools (jmespath), the pager and the waiter, the rotation handlers and their SSH,
 * PostgreSQL and MySQL adapters, the profile writer (conf), and `store copy`. In the bundle (scripts/bundle.mjs) these
 * modules stay uninitialised, and their node built-ins and npm packages unloaded, until a command
 * needs them. One boundary keeps that rule visible in one place. Import it only as
 * `await import('../lazy.js')`, never statically.
 */
export { runServe } from './server/serve-command.js';
export { runRun } from './run/run-command.js';
export { checkTools, formatWithTools } from './output/tools.js';
export { collectPages } from './output/pager.js';
export { parseWaiter, waitFor } from './output/waiter.js';
export { handler as rotateSecret } from './api/handlers/rotate-secret.js';
export { handler as updateSecretRotationPolicy } from './api/handlers/update-secret-rotation-policy.js';
export { updateProfileFile } from './config/profile-write.js';
export { PostgresSession } from './targets/postgres.js';
export { MysqlSession } from './targets/mysql.js';
export { PostgresAccountCreator } from './targets/postgres-accounts.js';
export { RedisSession } from './targets/redis.js';
export { provisionAccounts } from './api/provision.js';
export { SshSession } from './targets/ssh.js';
export { PgBackend } from './store/pg/backend.js';
export { runStoreCopy, runStoreVerify } from './cli/builtin-store.js';
