/**
 * Dynamic secret types (docs/reference/aliyun-kms-api.md §3.1, §3.2, §4), pure: ECS (Password, SSHKey) and Rds
 * (SingleUser, DoubleUsers). Their ExtendedConfig, the SecretData they take and return, and the
 * rules that set them apart from Generic secrets. Values are parsed here only to check their shape
 * at the door; they are sealed by the caller right after.
 */
import { ServiceError, invalidParameter } from '../errors/errors.js';
import { ACS_CURRENT, ACS_PREVIOUS, type ExtendedConfig, type SecretRecord, type SecretType, REGION_ID_PATTERN } from './model.js';

export type EcsSubType = 'Password' | 'SSHKey';
export type RdsSubType = 'SingleUser' | 'DoubleUsers';
export type DynamicSubType = EcsSubType | RdsSubType;

export type DynamicKind =
  | { type: 'ECS'; subType: EcsSubType; instanceId: string }
  | { type: 'Rds'; subType: RdsSubType; instanceId: string };

/** The values a dynamic secret's versions hold, as GetSecretValue returns them. */
export interface EcsPasswordValue {
  UserName: string;
  Password: string;
}
export interface EcsSshKeyValue {
  UserName: string;
  PublicKey: string;
  PrivateKey: string;
}
export interface RdsAccountValue {
  AccountName: string;
  AccountPassword: string;
}
export type DynamicValue = EcsPasswordValue | EcsSshKeyValue | RdsAccountValue;

export const EXTENDED_CONFIG_MAX_CHARS = 1024;
const MAX_CUSTOM_DATA_KEYS = 10;
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const ACCOUNT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const PUBLIC_KEY = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
const PRIVATE_KEY = /^-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/;

export function isDynamicType(type: SecretType): type is 'ECS' | 'Rds' {
  return type === 'ECS' || type === 'Rds';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(config: Record<string, unknown>, key: string, pattern: RegExp, what: string): string {
  const value = config[key];
  if (typeof value !== 'string' || !pattern.test(value)) throw invalidParameter(`ExtendedConfig.${key} must be ${what}.`);
  return value;
}

/** CreateSecret's name rule for a type: ECS names start `acs/ecs/`, the others must not start `acs/`. */
export function checkNameForType(name: string, type: SecretType): void {
  if (type === 'ECS') {
    if (!name.startsWith('acs/ecs/') || name.length === 'acs/ecs/'.length) {
      throw invalidParameter("SecretName of an ECS secret must start with 'acs/ecs/'.");
    }
  } else if (name.startsWith('acs/')) {
    throw invalidParameter(`SecretName of a ${type} secret must not start with 'acs/'.`);
  }
}

/** Checks ExtendedConfig of an ECS or Rds secret and returns it with CustomData defaulted to {}. */
export function checkExtendedConfig(type: 'ECS' | 'Rds', config: ExtendedConfig | undefined): ExtendedConfig {
  if (config === undefined) throw invalidParameter(`ExtendedConfig is required for ${type} secrets.`);
  if (JSON.stringify(config).length > EXTENDED_CONFIG_MAX_CHARS) {
    throw invalidParameter(`ExtendedConfig must be at most ${EXTENDED_CONFIG_MAX_CHARS} characters.`);
  }
  const allowed = type === 'ECS' ? ['SecretSubType', 'RegionId', 'InstanceId', 'CustomData'] : ['SecretSubType', 'DBInstanceId', 'CustomData'];
  const unknown = Object.keys(config).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw invalidParameter(`ExtendedConfig of a ${type} secret takes ${allowed.join(', ')}; not ${unknown.join(', ')}.`);
  }
  const subTypes = type === 'ECS' ? ['Password', 'SSHKey'] : ['SingleUser', 'DoubleUsers'];
  if (!subTypes.includes(config.SecretSubType as string)) {
    throw invalidParameter(`ExtendedConfig.SecretSubType of a ${type} secret must be ${subTypes.join(' or ')}.`);
  }
  if (type === 'ECS') {
    requireString(config, 'RegionId', REGION_ID_PATTERN, 'a region id such as cn-hangzhou');
    requireString(config, 'InstanceId', INSTANCE_ID, 'an instance id such as i-bp1g6zv0ce8oghu7****');
  } else {
    requireString(config, 'DBInstanceId', INSTANCE_ID, 'a DB instance id such as rm-bp1b3dd3a506e****');
  }
  const custom = config.CustomData ?? {};
  if (!isPlainObject(custom) || Object.keys(custom).length > MAX_CUSTOM_DATA_KEYS) {
    throw invalidParameter(`ExtendedConfig.CustomData must be a JSON object of at most ${MAX_CUSTOM_DATA_KEYS} keys.`);
  }
  return { ...config, CustomData: custom };
}

/** What kind of dynamic secret `secret` is; undefined for Generic secrets. */
export function dynamicKind(secret: SecretRecord): DynamicKind | undefined {
  const config = secret.extendedConfig;
  if (!config || !isDynamicType(secret.type)) return undefined;
  if (secret.type === 'ECS') {
    return { type: 'ECS', subType: config.SecretSubType as EcsSubType, instanceId: config.InstanceId as string };
  }
  return { type: 'Rds', subType: config.SecretSubType as RdsSubType, instanceId: config.DBInstanceId as string };
}

export function requireDynamic(secret: SecretRecord, operation: string): DynamicKind {
  const kind = dynamicKind(secret);
  if (!kind) {
    throw new ServiceError(
      'UnsupportedOperation',
      `${operation} is not supported for ${secret.type} secrets${secret.type === 'Generic' ? '; rotate them with PutSecretValue' : ''}.`,
    );
  }
  return kind;
}

function parseJsonValue(text: string, name: string, shape: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParameter(`${name} must be JSON of the form ${shape}.`);
  }
  if (!isPlainObject(value)) throw invalidParameter(`${name} must be JSON of the form ${shape}.`);
  return value;
}

/** A password as a target can take it: 1 to 128 characters, no control characters. */
function checkPassword(value: unknown, name: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > 128 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalidParameter(`${name} must be 1 to 128 characters without control characters.`);
  }
  return value;
}

function onlyKeys(value: Record<string, unknown>, keys: string[], name: string, shape: string): void {
  if (Object.keys(value).some((k) => !keys.includes(k))) throw invalidParameter(`${name} must be JSON of the form ${shape}.`);
}

const SHAPES = {
  Password: '{"UserName":"...","Password":"..."}',
  SSHKey: '{"UserName":"...","PublicKey":"ssh-rsa ...","PrivateKey":"-----BEGIN ... PRIVATE KEY-----..."}',
  Account: '{"AccountName":"...","AccountPassword":"..."}',
  Accounts: '{"Accounts":[{"AccountName":"...","AccountPassword":"..."}]}',
} as const;

function checkEcsValue(subType: EcsSubType, value: Record<string, unknown>, name: string): DynamicValue {
  const shape = SHAPES[subType];
  if (typeof value.UserName !== 'string' || !USER_NAME.test(value.UserName)) {
    throw invalidParameter(`${name}: UserName must be a user name of 1 to 32 letters, digits or _ . - (${shape}).`);
  }
  if (subType === 'Password') {
    onlyKeys(value, ['UserName', 'Password'], name, shape);
    return { UserName: value.UserName, Password: checkPassword(value.Password, `${name}: Password`) };
  }
  onlyKeys(value, ['UserName', 'PublicKey', 'PrivateKey'], name, shape);
  if (typeof value.PublicKey !== 'string' || !PUBLIC_KEY.test(value.PublicKey.trim())) {
    throw invalidParameter(`${name}: PublicKey must be an OpenSSH public key line such as 'ssh-rsa AAAA...'.`);
  }
  if (typeof value.PrivateKey !== 'string' || !PRIVATE_KEY.test(value.PrivateKey)) {
    throw invalidParameter(`${name}: PrivateKey must be a PEM or OpenSSH private key.`);
  }
  return { UserName: value.UserName, PublicKey: value.PublicKey.trim(), PrivateKey: value.PrivateKey };
}

function checkAccount(value: unknown, name: string): RdsAccountValue {
  if (!isPlainObject(value)) throw invalidParameter(`${name} must be JSON of the form ${SHAPES.Account}.`);
  onlyKeys(value, ['AccountName', 'AccountPassword'], name, SHAPES.Account);
  if (typeof value.AccountName !== 'string' || !ACCOUNT_NAME.test(value.AccountName)) {
    throw invalidParameter(`${name}: AccountName must be 1 to 63 letters, digits or _ . -, starting with a letter or _.`);
  }
  return { AccountName: value.AccountName, AccountPassword: checkPassword(value.AccountPassword, `${name}: AccountPassword`) };
}

/**
 * CreateSecret's SecretData of a dynamic secret -> the values of its initial versions: one for
 * ECS and SingleUser (ACSCurrent), two for DoubleUsers (ACSCurrent, then ACSPrevious).
 */
export function parseInitialData(kind: DynamicKind, text: string): DynamicValue[] {
  if (kind.type === 'ECS') return [checkEcsValue(kind.subType, parseJsonValue(text, 'SecretData', SHAPES[kind.subType]), 'SecretData')];
  const data = parseJsonValue(text, 'SecretData', SHAPES.Accounts);
  onlyKeys(data, ['Accounts'], 'SecretData', SHAPES.Accounts);
  const wanted = kind.subType === 'SingleUser' ? 1 : 2;
  if (!Array.isArray(data.Accounts) || data.Accounts.length !== wanted) {
    throw invalidParameter(
      `SecretData of a ${kind.subType} Rds secret lists exactly ${wanted} account${wanted > 1 ? 's (the two accounts that alternate)' : ''}: ${SHAPES.Accounts}.`,
    );
  }
  const accounts = data.Accounts.map((a, i) => checkAccount(a, `SecretData.Accounts[${i}]`));
  if (accounts.length === 2 && accounts[0]!.AccountName === accounts[1]!.AccountName) {
    throw invalidParameter('SecretData of a DoubleUsers Rds secret names two different accounts.');
  }
  return accounts;
}

/**
 * RotateSecret's local `SecretData` (the console's "Use Custom Secret"), in the form GetSecretValue
 * returns. The user or account name may be left out; if given it must be the one being rotated.
 */
export function parseCustomData(kind: DynamicKind, text: string, owner: string): DynamicValue {
  if (kind.type === 'ECS') {
    const value = parseJsonValue(text, 'SecretData', SHAPES[kind.subType]);
    if (value.UserName !== undefined && value.UserName !== owner) {
      throw invalidParameter(`SecretData: UserName must be '${owner}', the user of the secret.`);
    }
    return checkEcsValue(kind.subType, { ...value, UserName: owner }, 'SecretData');
  }
  const value = parseJsonValue(text, 'SecretData', SHAPES.Account);
  if (value.AccountName !== undefined && value.AccountName !== owner) {
    throw invalidParameter(`SecretData: AccountName must be '${owner}', the account this rotation resets.`);
  }
  return checkAccount({ ...value, AccountName: owner }, 'SecretData');
}

/** The user or account a value belongs to. */
export function ownerOf(value: DynamicValue): string {
  return 'AccountName' in value ? value.AccountName : value.UserName;
}

/** Reference §3.2: of a dynamic secret only ACSCurrent and ACSPrevious can be read. */
export function checkReadableStage(secret: SecretRecord, stage: string | undefined): void {
  if (!isDynamicType(secret.type) || stage === undefined) return;
  if (stage !== ACS_CURRENT && stage !== ACS_PREVIOUS) {
    throw invalidParameter(`only ACSCurrent and ACSPrevious can be read from ${secret.type} secrets, not '${stage}'.`);
  }
}
