/**
 * Which target a dynamic secret rotates on (and creates its accounts on), and the admin account a
 * target names: a Generic secret of the store, read like GetSecretValue reads it, never stored with
 * the target (targets.json, or a shared store's kms_local_targets).
 */
import { ServiceError } from '../errors/errors.js';
import { ACS_CURRENT, holderOf } from '../core/model.js';
import type { DynamicKind, RdsAccountValue } from '../core/dynamic.js';
import type { Target, TargetRegistry } from '../targets/registry.js';
import type { Context } from './context.js';
import { openValue } from './secrets.js';

const HINTS: Record<DynamicKind['type'], (id: string) => string> = {
  ECS: (id) => `kms-local target add --InstanceId ${id} --Host <host> --Port 22`,
  Rds: (id) => `kms-local target add --DBInstanceId ${id} --Engine postgresql|mysql --Host <host>`,
  PolarDB: (id) => `kms-local target add --DBInstanceId ${id} --Engine postgresql|mysql --Host <host> --AdminSecretName <secret>`,
  Redis: (id) => `kms-local target add --InstanceId ${id} --Engine redis --Host <host> --Port 6379 --AdminSecretName <secret>`,
};

/** The target of a dynamic secret of `kind`, or Rejected.TargetNotFound saying how to add one. */
export async function targetFor(registry: TargetRegistry, kind: DynamicKind, secretName: string, doing: string): Promise<Target> {
  const targetKind = kind.type === 'ECS' ? 'ssh' : kind.type === 'Redis' ? 'redis' : 'db';
  const target = await registry.find(targetKind, kind.instanceId);
  const idName = kind.type === 'Rds' ? 'DBInstanceId' : kind.type === 'PolarDB' ? 'DBClusterId' : 'InstanceId';
  if (!target) {
    throw new ServiceError(
      'Rejected.TargetNotFound',
      `The secret '${secretName}' cannot ${doing}: no target is configured for ${idName} '${kind.instanceId}'. Add one with: ${HINTS[kind.type](kind.instanceId)}`,
    );
  }
  if (kind.type === 'PolarDB' && target.kind === 'db' && (target.engine === 'postgresql') !== (kind.engine === 'postgresql')) {
    throw new ServiceError(
      'Rejected.TargetNotFound',
      `The secret '${secretName}' is a PolarDB ${kind.engine === 'postgresql' ? 'PostgreSQL' : 'MySQL'} secret, but the target of '${kind.instanceId}' is --Engine ${target.engine}.`,
    );
  }
  return target;
}

/** The admin account of a target that names one (AdminSecretName), read from its Generic secret. */
export async function adminAccountOf(ctx: Context, target: Target): Promise<RdsAccountValue | undefined> {
  const name = target.kind === 'ssh' ? undefined : target.adminSecretName;
  if (name === undefined) return undefined;
  const secret = await ctx.store.get(name);
  const version = secret && secret.type === 'Generic' ? holderOf(secret, ACS_CURRENT) : undefined;
  if (!secret || !version || secret.plannedDeleteTime !== undefined) {
    throw new ServiceError('Forbidden.ResourceNotFound', `The admin secret '${name}' of target '${target.instanceId}' is not a Generic secret of this home.`);
  }
  let value: Partial<RdsAccountValue> = {};
  try {
    value = JSON.parse(await openValue(ctx, secret, version)) as Partial<RdsAccountValue>;
  } catch {
    /* reported below */
  }
  if (typeof value?.AccountName !== 'string' || typeof value.AccountPassword !== 'string') {
    throw new ServiceError('InvalidParameter', `The admin secret '${name}' must hold {"AccountName":"...","AccountPassword":"..."}.`);
  }
  return { AccountName: value.AccountName, AccountPassword: value.AccountPassword };
}
