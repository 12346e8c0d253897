/**
 * What the handlers share about dynamic (ECS, Rds) secrets: building them at CreateSecret, making
 * new credentials, and the rotation fields of GetSecretValue and DescribeSecret.
 */
import { ServiceError, invalidParameter } from '../errors/errors.js';
import {
  checkAutoData,
  checkExtendedConfig,
  checkNameForType,
  isDynamicType,
  isProvisionedType,
  kindOf,
  parseInitialData,
  type DynamicKind,
  type DynamicValue,
  type EcsSshKeyValue,
} from '../core/dynamic.js';
import { ACS_CURRENT, ACS_PREVIOUS, type ExtendedConfig, type RotationRecord, type SecretRecord, type SecretType, type SecretVersion } from '../core/model.js';
import { applyPolicy, formatInterval } from '../core/rotation-policy.js';
import { generateTargetPassword } from '../crypto/password.js';
import { generateSshKeyPair, keyPairMatches } from '../crypto/ssh-key.js';
import type { Context } from './context.js';
import type { ParamValues } from './params.js';
import { sealValue } from './secrets.js';

/**
 * A new credential for `owner` (a user or account name) of a dynamic secret. Passwords keep to the
 * target's documented rules (TARGET_PASSWORD_RULES in src/core/password-policy.ts).
 */
export function newCredential(kind: DynamicKind, owner: string, secretName: string): DynamicValue {
  if (kind.type !== 'ECS') return { AccountName: owner, AccountPassword: generateTargetPassword(kind.type) };
  if (kind.subType === 'Password') return { UserName: owner, Password: generateTargetPassword('ECS') };
  const pair = generateSshKeyPair(`kms-local:${secretName}`);
  return { UserName: owner, PublicKey: pair.publicKey, PrivateKey: pair.privateKey };
}

export function checkKeyPair(value: DynamicValue, name: string): void {
  if (!('PrivateKey' in value)) return;
  const key = value as EcsSshKeyValue;
  if (keyPairMatches(key.PrivateKey, key.PublicKey) === false) {
    throw invalidParameter(`${name}: PrivateKey does not belong to PublicKey.`);
  }
}


/** The name of the version that holds a DoubleUsers secret's second account at creation. */
export function previousVersionIdAtCreation(versionId: string): string {
  return `${versionId.slice(0, 55)}.previous`;
}

export interface DynamicParts {
  extendedConfig: ExtendedConfig;
  rotation: RotationRecord;
  versions: SecretVersion[];
}

/** Every check of CreateSecret's dynamic parts that needs no target: done before any account is created. */
export function checkDynamicRequest(p: ParamValues, name: string, type: SecretType): { extendedConfig: ExtendedConfig; kind: DynamicKind } {
  if (!isDynamicType(type)) {
    throw new ServiceError('UnsupportedOperation', `kms-local does not support ${type} secrets; it supports Generic, ECS, Rds, Redis and PolarDB secrets.`);
  }
  checkNameForType(name, type);
  if (p.SecretDataType !== undefined && p.SecretDataType !== 'text') {
    throw invalidParameter(`SecretDataType of a ${type} secret must be text.`);
  }
  const extendedConfig = checkExtendedConfig(type, p.ExtendedConfig as ExtendedConfig | undefined);
  if (isProvisionedType(type)) checkAutoData(type, p.SecretData as string);
  return { extendedConfig, kind: kindOf(type, extendedConfig) };
}

/**
 * CreateSecret of a dynamic secret: checks everything and seals the initial version(s). Redis and
 * PolarDB secrets pass the two accounts kms-local has just created (`provisioned`, current first).
 */
export async function buildDynamicSecret(
  ctx: Context,
  p: ParamValues,
  name: string,
  type: SecretType,
  encryptionKeyId: string,
  provisioned?: DynamicValue[],
): Promise<DynamicParts> {
  const { extendedConfig, kind } = checkDynamicRequest(p, name, type);
  const values = provisioned ?? parseInitialData(kind, p.SecretData as string);
  values.forEach((v) => checkKeyPair(v, 'SecretData'));
  const versionId = p.VersionId as string;
  const seal = async (id: string, value: DynamicValue, stages: string[]): Promise<SecretVersion> => ({
    versionId: id,
    createTime: ctx.now,
    stages,
    ...(await sealValue(ctx, { name, encryptionKeyId }, id, JSON.stringify(value), 'text')),
  });
  const versions = [await seal(versionId, values[0]!, [ACS_CURRENT])];
  if (values[1]) versions.unshift(await seal(previousVersionIdAtCreation(versionId), values[1], [ACS_PREVIOUS]));
  const shell = { createTime: ctx.now } as SecretRecord;
  const rotation =
    p.EnableAutomaticRotation === true
      ? applyPolicy(shell, { enable: true, interval: p.RotationInterval as string | undefined })
      : { automatic: false };
  return { extendedConfig, rotation, versions };
}

/**
 * The rotation fields of GetSecretValue and DescribeSecret for a dynamic secret (nothing for a
 * Generic one). RotationInterval and NextRotationDate only while automatic rotation is on.
 */
export function rotationFields(secret: Pick<SecretRecord, 'type' | 'extendedConfig' | 'rotation'>, opts: { extendedConfig: boolean }): Record<string, unknown> {
  if (secret.type === 'Generic') return {};
  const rotation = secret.rotation;
  const automatic = rotation?.automatic === true;
  return {
    AutomaticRotation: automatic ? 'Enabled' : 'Disabled',
    ExtendedConfig: opts.extendedConfig ? JSON.stringify(secret.extendedConfig ?? {}) : undefined,
    LastRotationDate: rotation?.lastRotationDate,
    NextRotationDate: automatic ? rotation?.nextRotationDate : undefined,
    RotationInterval: automatic && rotation?.intervalSeconds !== undefined ? formatInterval(rotation.intervalSeconds) : undefined,
  };
}

/**
 * kms-local's own DescribeSecret field: the state of the last rotation when it did not succeed
 * (or one running now), so that a failure is visible without reading logs.
 */
export function rotationStatus(secret: SecretRecord): Record<string, unknown> | undefined {
  const r = secret.rotation;
  if (!r?.lastError && !r?.inProgress) return undefined;
  return {
    InProgress: r.inProgress ? { VersionId: r.inProgress.versionId, StartedAt: r.inProgress.startedAt } : undefined,
    LastError: r.lastError
      ? { Code: r.lastError.code, Message: r.lastError.message, Step: r.lastError.step, Time: r.lastError.time, VersionId: r.lastError.versionId }
      : undefined,
  };
}
