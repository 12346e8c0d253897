/**
 * `kms-local target add|list|remove`: where the systems behind dynamic secrets are (docs/design.md §5).
 *   target add --InstanceId i-x --Host H [--Port 22] [--HostKeyFingerprint SHA256:...]
 *   target add --DBInstanceId rm-x --Engine postgresql|mysql|mariadb --Host H [--Port 5432|3306] [--Database name] [--AdminSecretName s]
 *   target add --InstanceId r-x --Engine redis --Host H [--Port 6379] --AdminSecretName s
 *   target list
 *   target remove --InstanceId i-x | --DBInstanceId rm-x
 */
import { CliError } from '../errors/errors.js';
import { Home } from '../store/home.js';
import { SECRET_NAME_PATTERN } from '../core/model.js';
import { FINGERPRINT, checkHost, checkInstanceId, checkPort, type Target, type TargetRegistry } from '../targets/registry.js';
import { backendOf, closeBackendOf } from '../store/open-backend.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { formatResponse } from './run-operation.js';

const USAGE = [
  'kms-local target add --InstanceId <i-...> --Host <host> [--Port 22] [--HostKeyFingerprint SHA256:...]',
  'kms-local target add --DBInstanceId <rm-...|pc-...> --Engine postgresql|mysql|mariadb --Host <host> [--Port 5432|3306] [--Database <name>] [--AdminSecretName <secret>]',
  'kms-local target add --InstanceId <r-...> --Engine redis --Host <host> [--Port 6379] --AdminSecretName <secret>',
  'kms-local target list',
  'kms-local target remove --InstanceId <i-...> | --DBInstanceId <rm-...>',
];

function usageError(message: string): CliError {
  return new CliError(message, { kind: 'withTip', tip: `usage:\n  ${USAGE.join('\n  ')}` });
}

function paramsOf(args: ParsedArgv): Record<string, string> {
  // Only the flags the built-ins' table lists for the sub-command get here (builtin-dispatch.ts).
  return Object.fromEntries(args.params.map((p) => [p.name, p.value]));
}

/** A target as `target list` prints it (PascalCase, like the API). */
export function describeTarget(t: Target): Record<string, unknown> {
  if (t.kind === 'ssh') {
    return {
      Type: 'ECS',
      InstanceId: t.instanceId,
      Host: t.host,
      Port: t.port,
      HostKeyFingerprint: t.hostKeyFingerprint,
      HostKeyLearned: t.hostKeyFingerprint ? Boolean(t.hostKeyLearned) : undefined,
    };
  }
  if (t.kind === 'redis') {
    return { Type: 'Redis', InstanceId: t.instanceId, Engine: 'redis', Host: t.host, Port: t.port, AdminSecretName: t.adminSecretName };
  }
  return {
    Type: 'Rds',
    DBInstanceId: t.instanceId,
    Engine: t.engine,
    Host: t.host,
    Port: t.port,
    Database: t.database || undefined,
    AdminSecretName: t.adminSecretName,
  };
}

function targetFrom(v: Record<string, string>): Target {
  if ((v.InstanceId === undefined) === (v.DBInstanceId === undefined)) {
    throw usageError('target add needs --InstanceId (an SSH server) or --DBInstanceId (a database), not both.');
  }
  if (v.Host === undefined) throw usageError('required parameters not assigned: \n  --Host');
  const host = checkHost(v.Host);
  const admin = v.AdminSecretName;
  if (admin !== undefined && !SECRET_NAME_PATTERN.test(admin)) throw usageError(`--AdminSecretName '${admin}' is not a secret name.`);
  if (v.InstanceId !== undefined && v.Engine?.toLowerCase() === 'redis') {
    if (v.Database !== undefined || v.HostKeyFingerprint !== undefined) throw usageError('--Database and --HostKeyFingerprint are not for Redis targets.');
    if (admin === undefined) {
      throw usageError('a Redis target needs --AdminSecretName: a Generic secret holding {"AccountName","AccountPassword"} of an account allowed ACL commands.');
    }
    return { kind: 'redis', instanceId: checkInstanceId(v.InstanceId, 'InstanceId'), host, port: checkPort(v.Port, 6379), adminSecretName: admin };
  }
  if (v.InstanceId !== undefined) {
    if (v.Engine !== undefined || v.Database !== undefined) throw usageError('--Engine and --Database are for --DBInstanceId targets (and --Engine redis).');
    if (admin !== undefined) throw usageError('--AdminSecretName is for database and Redis targets.');
    const fingerprint = v.HostKeyFingerprint;
    if (fingerprint !== undefined && !FINGERPRINT.test(fingerprint)) {
      throw usageError(`--HostKeyFingerprint must look like SHA256:<43 base64 characters>, as \`ssh-keygen -lf <key>.pub\` prints it.`);
    }
    const target: Target = { kind: 'ssh', instanceId: checkInstanceId(v.InstanceId, 'InstanceId'), host, port: checkPort(v.Port, 22) };
    if (fingerprint) target.hostKeyFingerprint = fingerprint;
    return target;
  }
  if (v.HostKeyFingerprint !== undefined) throw usageError('--HostKeyFingerprint is for --InstanceId (SSH) targets.');
  const engine = (v.Engine ?? '').toLowerCase();
  if (engine !== 'postgresql' && engine !== 'mysql' && engine !== 'mariadb') throw usageError('--Engine must be postgresql, mysql or mariadb.');
  const postgres = engine === 'postgresql';
  const target: Target = {
    kind: 'db',
    instanceId: checkInstanceId(v.DBInstanceId!, 'DBInstanceId'),
    engine,
    host,
    port: checkPort(v.Port, postgres ? 5432 : 3306),
    // MySQL logins need no database; PostgreSQL ones do.
    database: v.Database ?? (postgres ? 'postgres' : ''),
  };
  if (admin !== undefined) target.adminSecretName = admin;
  return target;
}

/** The targets of the home's store: its targets.json, or a shared database's table. */
export async function runTarget(args: ParsedArgv, io: CliIo): Promise<number> {
  const home = new Home(io.env);
  // A shared store's target that fails its check is left out of a listing, and said so.
  home.onWarning = (message) => io.stderr(`WARNING: ${message}\n`);
  try {
    return await runOn(backendOf(home).targets(), args, io);
  } finally {
    await closeBackendOf(home);
  }
}

async function runOn(registry: TargetRegistry, args: ParsedArgv, io: CliIo): Promise<number> {
  const sub = args.words[1];
  const values = paramsOf(args);
  if (sub === 'list') {
    io.stdout(await formatResponse({ Targets: { Target: (await registry.list()).map(describeTarget) } }, args));
    return 0;
  }
  if (sub === 'add') {
    const target = await registry.put(targetFrom(values));
    io.stdout(await formatResponse({ Target: describeTarget(target) }, args));
    return 0;
  }
  if ((values.InstanceId === undefined) === (values.DBInstanceId === undefined)) {
    throw usageError('target remove needs --InstanceId or --DBInstanceId.');
  }
  const byInstance = values.InstanceId !== undefined;
  const id = byInstance ? values.InstanceId! : values.DBInstanceId!;
  // An InstanceId names an SSH server or a Redis instance.
  const removed = byInstance ? [await registry.remove('ssh', id), await registry.remove('redis', id)].some(Boolean) : await registry.remove('db', id);
  if (!removed) throw new CliError(`no target for ${byInstance ? 'InstanceId' : 'DBInstanceId'} '${id}'.`);
  io.stdout(await formatResponse({ Removed: byInstance ? { InstanceId: id } : { DBInstanceId: id } }, args));
  return 0;
}
