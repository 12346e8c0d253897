/**
 * Everything the everyday operations do not need, behind ONE lazily imported module: the HTTP
 * server, `run`, the PostgreSQL store, the output tools (jmespath), the pager and the waiter, the
 * rotation handlers and their SSH, PostgreSQL, MySQL and Redis adapters, the profile writer (conf),
 * and `store copy`. In the bundle (scripts/bundle.mjs) this module and what only it reaches are a
 * second bundle, read only when a command needs it. One boundary keeps that rule visible in one
 * place. Import it only as `await import('../lazy.js')`, never statically.
 *
 * Inside the boundary, each heavy part sits behind an import() of its own: the second bundle then
 * initialises it, with its node built-ins and npm packages (node:http and tls, child_process, pg,
 * mysql2, ssh2, @redis/client), only when it runs. Loaded together, they cost a `--cli-query`
 * about 12 ms of every call. The output tools are light and load with this module.
 */
import type { PgBackend } from './store/pg/backend.js';
import type { MysqlSession } from './targets/mysql.js';
import type { PostgresSession } from './targets/postgres.js';
import type { PostgresAccountCreator } from './targets/postgres-accounts.js';
import type { RedisSession } from './targets/redis.js';
import type { SshSession } from './targets/ssh.js';

export { checkTools, formatWithTools } from './output/tools.js';
export { collectPages } from './output/pager.js';
export { parseWaiter, waitFor } from './output/waiter.js';

/** Export `K` of module `M` as an async function that loads `M` on its first call. */
type Deferred<M, K extends keyof M> = M[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
type ServeCommand = typeof import('./server/serve-command.js');
type RunCommand = typeof import('./run/run-command.js');
type StoreCommand = typeof import('./cli/builtin-store.js');
type RotateSecret = typeof import('./api/handlers/rotate-secret.js');
type UpdateRotationPolicy = typeof import('./api/handlers/update-secret-rotation-policy.js');
type ProfileWrite = typeof import('./config/profile-write.js');
type Provision = typeof import('./api/provision.js');

export const runServe: Deferred<ServeCommand, 'runServe'> = async (...args) => (await import('./server/serve-command.js')).runServe(...args);
export const runRun: Deferred<RunCommand, 'runRun'> = async (...args) => (await import('./run/run-command.js')).runRun(...args);
export const runStoreCopy: Deferred<StoreCommand, 'runStoreCopy'> = async (...args) => (await import('./cli/builtin-store.js')).runStoreCopy(...args);
export const runStoreVerify: Deferred<StoreCommand, 'runStoreVerify'> = async (...args) => (await import('./cli/builtin-store.js')).runStoreVerify(...args);
export const rotateSecret: Deferred<RotateSecret, 'handler'> = async (...args) => (await import('./api/handlers/rotate-secret.js')).handler(...args);
export const updateSecretRotationPolicy: Deferred<UpdateRotationPolicy, 'handler'> = async (...args) =>
  (await import('./api/handlers/update-secret-rotation-policy.js')).handler(...args);
export const updateProfileFile: ProfileWrite['updateProfileFile'] = async (...args) => (await import('./config/profile-write.js')).updateProfileFile(...args);
export const provisionAccounts: Deferred<Provision, 'provisionAccounts'> = async (...args) => (await import('./api/provision.js')).provisionAccounts(...args);

export const newPostgresSession = async (...args: ConstructorParameters<typeof PostgresSession>) => new (await import('./targets/postgres.js')).PostgresSession(...args);
export const newMysqlSession = async (...args: ConstructorParameters<typeof MysqlSession>) => new (await import('./targets/mysql.js')).MysqlSession(...args);
export const newPostgresAccountCreator = async (...args: ConstructorParameters<typeof PostgresAccountCreator>) =>
  new (await import('./targets/postgres-accounts.js')).PostgresAccountCreator(...args);
export const newRedisSession = async (...args: ConstructorParameters<typeof RedisSession>) => new (await import('./targets/redis.js')).RedisSession(...args);
export const newSshSession = async (...args: ConstructorParameters<typeof SshSession>) => new (await import('./targets/ssh.js')).SshSession(...args);
export const newPgBackend = async (...args: ConstructorParameters<typeof PgBackend>) => new (await import('./store/pg/backend.js')).PgBackend(...args);
