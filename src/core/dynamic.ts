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
export type DynamicType = 'ECS' | 'Rds' | 'Redis' | 'PolarDB';
/** The types whose accounts kms-local creates at CreateSecret (SecretData `$Auto`). */
export type ProvisionedType = 'Redis' | 'PolarDB';

export type DynamicKind =
  | { type: 'ECS'; subType: EcsSubType; instanceId: string }
  | { type: 'Rds'; subType: RdsSubType; instanceId: string }
  | { type: 'Redis'; subType: 'DoubleUsers'; instanceId: string }
  /** instanceId is the DBClusterId; engine from DBType. */
  | { type: 'PolarDB'; subType: 'DoubleUsers'; instanceId: string; engine: 'mysql' | 'postgresql' };

/** The two accounts kms-local creates for a Redis or PolarDB secret, from its ExtendedConfig. */
export interface ProvisionPlan {
  accountName: string;
  cloneAccountName: string;
  /** Redis: RoleReadOnly | RoleReadWrite; PolarDB MySQL: ReadWrite | ReadOnly | DMLOnly | DDLOnly | ReadIndex. */
  privilege?: string;
  /** PolarDB MySQL: the database the privilege is on. */
  dbName?: string;
}

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

export function isDynamicType(type: SecretType): type is DynamicType {
  return type === 'ECS' || type === 'Rds' || type === 'Redis' || type === 'PolarDB';
}

export function isProvisionedType(type: SecretType): type is ProvisionedType {
  return type === 'Redis' || type === 'PolarDB';
}

/** SecretData of a Redis or PolarDB secret at CreateSecret: the service creates the accounts. */
export const AUTO_SECRET_DATA = '$Auto';

// Redis (Tair CreateAccount): a lowercase letter first, then lowercase letters, digits, _; the
// clone adds 6 characters to at most 100. PolarDB: a lowercase letter first, letters, digits, _,
// at most 32 with the clone suffix.
const REDIS_ACCOUNT = /^[a-z][a-z0-9_]{0,93}$/;
const POLARDB_ACCOUNT = /^[a-z][a-z0-9_]{0,25}$/;
const REDIS_PRIVILEGES = ['RoleReadOnly', 'RoleReadWrite'];
const POLARDB_MYSQL_PRIVILEGES = ['ReadWrite', 'ReadOnly', 'DMLOnly', 'DDLOnly', 'ReadIndex'];
const DB_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const CLONE_SUFFIX = '_clone';

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

const ALLOWED_KEYS: Record<DynamicType, string[]> = {
  ECS: ['SecretSubType', 'RegionId', 'InstanceId', 'CustomData'],
  Rds: ['SecretSubType', 'DBInstanceId', 'CustomData'],
  Redis: ['SecretSubType', 'AccountName', 'CloneAccountName', 'AccountPrivilege', 'InstanceId', 'RegionId', 'CustomData'],
  PolarDB: ['SecretSubType', 'RegionId', 'DBClusterId', 'DBType', 'AccountName', 'CloneAccountName', 'AccountType', 'AccountPrivilege', 'DBName', 'CustomData'],
};
const SUB_TYPES: Record<DynamicType, string[]> = {
  ECS: ['Password', 'SSHKey'],
  Rds: ['SingleUser', 'DoubleUsers'],
  Redis: ['DoubleUsers'],
  PolarDB: ['DoubleUsers'],
};

/** Redis and PolarDB: the two account names (CloneAccountName is AccountName + `_clone`). */
function checkAccountPair(config: ExtendedConfig, pattern: RegExp, what: string, cloneRequired: boolean): ExtendedConfig {
  const name = requireString(config, 'AccountName', pattern, what);
  const clone = `${name}${CLONE_SUFFIX}`;
  if (config.CloneAccountName === undefined && !cloneRequired) return { ...config, CloneAccountName: clone };
  if (config.CloneAccountName !== clone) throw invalidParameter(`ExtendedConfig.CloneAccountName must be '${clone}' (AccountName followed by _clone).`);
  return config;
}

function checkProvisionedConfig(type: ProvisionedType, config: ExtendedConfig): ExtendedConfig {
  requireString(config, 'RegionId', REGION_ID_PATTERN, 'a region id such as cn-hangzhou');
  if (type === 'Redis') {
    requireString(config, 'InstanceId', INSTANCE_ID, 'a Redis/Tair instance id such as r-bp1zxszhcgatnx****');
    const out = checkAccountPair(config, REDIS_ACCOUNT, 'a lowercase letter followed by at most 93 lowercase letters, digits or _', true);
    if (!REDIS_PRIVILEGES.includes(config.AccountPrivilege as string)) {
      throw invalidParameter(`ExtendedConfig.AccountPrivilege of a Redis secret must be ${REDIS_PRIVILEGES.join(' or ')}.`);
    }
    return out;
  }
  requireString(config, 'DBClusterId', INSTANCE_ID, 'a PolarDB cluster id such as pc-bp1s826a1up****');
  if (config.DBType !== 'MySQL' && config.DBType !== 'PostgreSQL') throw invalidParameter('ExtendedConfig.DBType of a PolarDB secret must be MySQL or PostgreSQL.');
  if (config.AccountType !== undefined && config.AccountType !== 'Normal') throw invalidParameter('ExtendedConfig.AccountType of a PolarDB secret can only be Normal.');
  const out = checkAccountPair(config, POLARDB_ACCOUNT, 'a lowercase letter followed by at most 25 lowercase letters, digits or _', false);
  if (config.DBType === 'PostgreSQL') {
    if (config.AccountPrivilege !== undefined || config.DBName !== undefined) {
      throw invalidParameter('ExtendedConfig.AccountPrivilege and DBName are for PolarDB MySQL secrets only.');
    }
  } else if (config.AccountPrivilege !== undefined || config.DBName !== undefined) {
    if (!POLARDB_MYSQL_PRIVILEGES.includes(config.AccountPrivilege as string)) {
      throw invalidParameter(`ExtendedConfig.AccountPrivilege of a PolarDB MySQL secret must be ${POLARDB_MYSQL_PRIVILEGES.join(', ')}, with DBName.`);
    }
    requireString(config, 'DBName', DB_NAME, 'a database name (lowercase letters, digits, _ or -), given with AccountPrivilege');
  }
  return out;
}

/** Checks ExtendedConfig of a dynamic secret and returns it with CustomData (and a PolarDB CloneAccountName) defaulted. */
export function checkExtendedConfig(type: DynamicType, config: ExtendedConfig | undefined): ExtendedConfig {
  if (config === undefined) throw invalidParameter(`ExtendedConfig is required for ${type} secrets.`);
  if (JSON.stringify(config).length > EXTENDED_CONFIG_MAX_CHARS) {
    throw invalidParameter(`ExtendedConfig must be at most ${EXTENDED_CONFIG_MAX_CHARS} characters.`);
  }
  const allowed = ALLOWED_KEYS[type];
  const unknown = Object.keys(config).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw invalidParameter(`ExtendedConfig of a ${type} secret takes ${allowed.join(', ')}; not ${unknown.join(', ')}.`);
  }
  const subTypes = SUB_TYPES[type];
  if (!subTypes.includes(config.SecretSubType as string)) {
    throw invalidParameter(`ExtendedConfig.SecretSubType of a ${type} secret must be ${subTypes.join(' or ')}.`);
  }
  if (isProvisionedType(type)) {
    config = checkProvisionedConfig(type, config);
  } else if (type === 'ECS') {
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

/** The kind of a dynamic secret of `type` with a checked ExtendedConfig. */
export function kindOf(type: DynamicType, config: ExtendedConfig): DynamicKind {
  switch (type) {
    case 'ECS':
      return { type, subType: config.SecretSubType as EcsSubType, instanceId: config.InstanceId as string };
    case 'Rds':
      return { type, subType: config.SecretSubType as RdsSubType, instanceId: config.DBInstanceId as string };
    case 'Redis':
      return { type, subType: 'DoubleUsers', instanceId: config.InstanceId as string };
    case 'PolarDB':
      return { type, subType: 'DoubleUsers', instanceId: config.DBClusterId as string, engine: config.DBType === 'PostgreSQL' ? 'postgresql' : 'mysql' };
  }
}

/** What kind of dynamic secret `secret` is; undefined for Generic secrets. */
export function dynamicKind(secret: SecretRecord): DynamicKind | undefined {
  const config = secret.extendedConfig;
  if (!config || !isDynamicType(secret.type)) return undefined;
  return kindOf(secret.type, config);
}

/** The accounts to create for a Redis or PolarDB secret (its ExtendedConfig, checked). */
export function provisionPlan(config: ExtendedConfig): ProvisionPlan {
  const plan: ProvisionPlan = { accountName: config.AccountName as string, cloneAccountName: config.CloneAccountName as string };
  if (typeof config.AccountPrivilege === 'string') plan.privilege = config.AccountPrivilege;
  if (typeof config.DBName === 'string') plan.dbName = config.DBName;
  return plan;
}

/** CreateSecret's SecretData of a Redis or PolarDB secret must be `$Auto`: the accounts are created, not given. */
export function checkAutoData(type: ProvisionedType, text: string): void {
  if (text !== AUTO_SECRET_DATA) {
    throw invalidParameter(`SecretData of a ${type} secret must be '${AUTO_SECRET_DATA}': kms-local creates the two accounts and their password.`);
  }
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
  if (kind.type === 'Redis' || kind.type === 'PolarDB') throw new ServiceError('InternalFailure', `${kind.type} secrets take no initial accounts.`);
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
