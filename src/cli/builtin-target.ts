/**
 * `kms-local target add|list|remove`: where the systems behind dynamic secrets are (docs/design.md §5).
 *   target add --InstanceId i-x --Host H [--Port 22] [--HostKeyFingerprint SHA256:...]
 *   target add --DBInstanceId rm-x --Engine postgresql|mysql|mariadb --Host H [--Port 5432|3306] [--Database name]
 *   target list
 *   target remove --InstanceId i-x | --DBInstanceId rm-x
 */
import { CliError } from '../errors/errors.js';
import { Home } from '../store/home.js';
import { FINGERPRINT, TargetRegistry, checkHost, checkInstanceId, checkPort, type Target } from '../targets/registry.js';
import type { ParsedArgv } from './argv.js';
import type { CliIo } from './io.js';
import { formatResponse } from './run-operation.js';

const USAGE = [
  'kms-local target add --InstanceId <i-...> --Host <host> [--Port 22] [--HostKeyFingerprint SHA256:...]',
  'kms-local target add --DBInstanceId <rm-...> --Engine postgresql|mysql|mariadb --Host <host> [--Port 5432|3306] [--Database <name>]',
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
  return { Type: 'Rds', DBInstanceId: t.instanceId, Engine: t.engine, Host: t.host, Port: t.port, Database: t.database || undefined };
}

function targetFrom(v: Record<string, string>): Target {
  if ((v.InstanceId === undefined) === (v.DBInstanceId === undefined)) {
    throw usageError('target add needs --InstanceId (an SSH server) or --DBInstanceId (a database), not both.');
  }
  if (v.Host === undefined) throw usageError('required parameters not assigned: \n  --Host');
  const host = checkHost(v.Host);
  if (v.InstanceId !== undefined) {
    if (v.Engine !== undefined || v.Database !== undefined) throw usageError('--Engine and --Database are for --DBInstanceId targets.');
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
  return {
    kind: 'db',
    instanceId: checkInstanceId(v.DBInstanceId!, 'DBInstanceId'),
    engine,
    host,
    port: checkPort(v.Port, postgres ? 5432 : 3306),
    // MySQL logins need no database; PostgreSQL ones do.
    database: v.Database ?? (postgres ? 'postgres' : ''),
  };
}

export async function runTarget(args: ParsedArgv, io: CliIo): Promise<number> {
  const sub = args.words[1];
  const values = paramsOf(args);
  const registry = new TargetRegistry(new Home(io.env));
  if (sub === 'list') {
    io.stdout(await formatResponse({ Targets: { Target: registry.list().map(describeTarget) } }, args));
    return 0;
  }
  if (sub === 'add') {
    const target = registry.put(targetFrom(values));
    io.stdout(await formatResponse({ Target: describeTarget(target) }, args));
    return 0;
  }
  if ((values.InstanceId === undefined) === (values.DBInstanceId === undefined)) {
    throw usageError('target remove needs --InstanceId or --DBInstanceId.');
  }
  const [kind, id] = values.InstanceId !== undefined ? (['ssh', values.InstanceId] as const) : (['db', values.DBInstanceId!] as const);
  if (!registry.remove(kind, id)) throw new CliError(`no target for ${kind === 'ssh' ? 'InstanceId' : 'DBInstanceId'} '${id}'.`);
  io.stdout(await formatResponse({ Removed: kind === 'ssh' ? { InstanceId: id } : { DBInstanceId: id } }, args));
  return 0;
}
