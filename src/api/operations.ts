/**
 * The operation table: the one source of truth for operation names, parameters, limits, help,
 * suggestions and validation. The CLI parser, the help pages, the shell completion and the
 * validators are all read from here. Handlers are imported statically (one bundle chunk loads
 * faster than many small ones), except the rotation handlers, which bring the target adapters (src/lazy.ts).
 */
import type { Handler } from './context.js';
import type { ParamSpec } from './params.js';
import type { ServiceErrorCode } from '../errors/errors.js';
import { BATCH_GET_MAX_SECRETS, parseJsonObject, parsePolicy, parseSecretsList, parseTagKeys, parseTags, parseVersionStages, STAGE_PATTERN } from './json-params.js';
import { parseFilters } from '../core/list-filter.js';
import { cryptoOperations } from './crypto-operations.js';
import { handler as createSecret } from './handlers/create-secret.js';
import { handler as getSecretValue } from './handlers/get-secret-value.js';
import { handler as putSecretValue } from './handlers/put-secret-value.js';
import { handler as updateSecretVersionStage } from './handlers/update-secret-version-stage.js';
import { handler as listSecretVersionIds } from './handlers/list-secret-version-ids.js';
import { handler as getRandomPassword } from './handlers/get-random-password.js';
import { handler as describeSecret } from './handlers/describe-secret.js';
import { handler as listSecrets } from './handlers/list-secrets.js';
import { handler as updateSecret } from './handlers/update-secret.js';
import { handler as deleteSecret } from './handlers/delete-secret.js';
import { handler as restoreSecret } from './handlers/restore-secret.js';
import { handler as tagResource } from './handlers/tag-resource.js';
import { handler as untagResource } from './handlers/untag-resource.js';
import { handler as listTagResources } from './handlers/list-tag-resources.js';
import { handler as getSecretPolicy } from './handlers/get-secret-policy.js';
import { handler as setSecretPolicy } from './handlers/set-secret-policy.js';
import { handler as batchGetSecretValue } from './handlers/batch-get-secret-value.js';
import { handler as tagResources } from './handlers/tag-resources.js';
import { handler as untagResources } from './handlers/untag-resources.js';
import { handler as createKey } from './handlers/create-key.js';
import { handler as describeKey } from './handlers/describe-key.js';
import { handler as listKeys } from './handlers/list-keys.js';
import { cancelDeletion, disableKey, enableKey, scheduleDeletion, setProtection, updateKeyDescription } from './handlers/key-state.js';
import { createKeyVersion, describeKeyVersion, listKeyVersions, updateRotationPolicy } from './handlers/key-versions.js';
import { createAlias, deleteAlias, listAliases, listAliasesByKeyId, updateAlias } from './handlers/aliases.js';
import { getKeyPolicy, setKeyPolicy } from './handlers/key-policy.js';
import { KEY_SPEC_NAMES, KEY_USAGES, parseKeyFilters } from '../core/keys.js';

export interface OperationSpec {
  name: string;
  summary: string;
  params: readonly ParamSpec[];
  /** Whether the operation changes the store (it is then audited and locked). */
  mutates: boolean;
  /** A read that is audited all the same: a use of a key (the cryptography operations). */
  audited?: boolean;
  /** The response fields, with what each holds (for the docs; RequestId is in every response). */
  response?: Readonly<Record<string, string>>;
  /** kms-local's rules for the operation where the service documents are silent (for the docs). */
  notes?: readonly string[];
  /** The service error codes the operation can answer with (for the docs). */
  errors?: readonly ServiceErrorCode[];
  load: () => Promise<{ handler: Handler }>;
}

export const SECRET_DATA_MAX_BYTES = 30720;

const secretName: ParamSpec = {
  name: 'SecretName',
  type: 'String',
  required: true,
  help: 'The name of the secret, or its ARN.',
  rule: { kind: 'text', max: 256 },
};
const versionId = (help: string, required = true): ParamSpec => ({
  name: 'VersionId',
  type: 'String',
  required,
  help,
  rule: { kind: 'text', max: 64 },
});
const secretData: ParamSpec = {
  name: 'SecretData',
  type: 'String',
  required: true,
  help: `The secret value, 1 to ${SECRET_DATA_MAX_BYTES} bytes; base64 text when SecretDataType is binary. Use --SecretData-FILE path (or -) to keep it out of argv.`,
  rule: { kind: 'bytes', min: 1, max: SECRET_DATA_MAX_BYTES },
  sensitive: true,
};
const secretDataType: ParamSpec = {
  name: 'SecretDataType',
  type: 'String',
  help: 'text (default) or binary.',
  rule: { kind: 'enum', values: ['text', 'binary'] },
};
const stage = (name: string, help: string, required = false): ParamSpec => ({
  name,
  type: 'String',
  required,
  help,
  rule: { kind: 'text', max: 64, pattern: STAGE_PATTERN, patternHelp: 'is 1 to 64 letters, digits or _ . @ -' },
});
const boolString = (name: string, help: string): ParamSpec => ({ name, type: 'String', help, rule: { kind: 'bool' } });
const page = (name: string, help: string, max: number): ParamSpec => ({
  name,
  type: 'Integer',
  help,
  rule: { kind: 'int', min: 1, max },
});

/** A KeyId parameter: the key id, its ARN, an alias (alias/<name>) or an alias ARN. */
const keyIdParam: ParamSpec = {
  name: 'KeyId',
  type: 'String',
  required: true,
  help: 'The key: its id, its ARN (acs:kms:<region>:<account-id>:key/<id>), an alias (alias/<name>) or an alias ARN.',
  rule: { kind: 'text', max: 512 },
};

const policyName: ParamSpec = { name: 'PolicyName', type: 'String', help: 'default (the only policy a secret has).', rule: { kind: 'enum', values: ['default'] } };

/** The rotation fields GetSecretValue and DescribeSecret return for ECS and Rds secrets. */
const rotationFields = {
  AutomaticRotation: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only: Enabled or Disabled.',
  LastRotationDate: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only: when the secret was last rotated.',
  NextRotationDate: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only, with automatic rotation: when it rotates next.',
  RotationInterval: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only, with automatic rotation: the period, in seconds such as 604800s.',
} as const;

export const operations: readonly OperationSpec[] = [
  {
    name: 'CreateSecret',
    summary: 'Creates a secret and stores its initial version under ACSCurrent.',
    mutates: true,
    params: [
      { ...secretName, help: 'The name of the secret: 1 to 192 letters, digits or _ / + = . @ -.' },
      versionId('The id of the initial version, 1 to 64 characters.'),
      secretData,
      secretDataType,
      { name: 'SecretType', type: 'String', help: 'Generic (default), ECS (name starts acs/ecs/), Rds, Redis or PolarDB (SecretData $Auto: kms-local creates the two accounts on the target); RAMCredentials is refused with UnsupportedOperation.', rule: { kind: 'enum', values: ['Generic', 'Rds', 'Redis', 'RAMCredentials', 'ECS', 'PolarDB'] } },
      { name: 'Description', type: 'String', help: 'A description, up to 1024 characters.', rule: { kind: 'text', min: 0, max: 1024 } },
      { name: 'EncryptionKeyId', type: 'String', help: "The key that protects the secret: a symmetric ENCRYPT/DECRYPT key of the region (id, ARN or alias/<name>); the local master key when absent.", rule: { kind: 'text', max: 512 } },
      { name: 'DKMSInstanceId', type: 'String', help: 'A KMS instance id; recorded and returned as given.', rule: { kind: 'text', max: 128 } },
      { name: 'Tags', type: 'String', help: 'JSON array of {"TagKey","TagValue"}, at most 20.', rule: { kind: 'json', parse: parseTags } },
      { name: 'ExtendedConfig', type: 'String', help: 'JSON object, required for ECS ({"SecretSubType":"Password"|"SSHKey","RegionId","InstanceId","CustomData"?}), Rds ({"SecretSubType":"SingleUser"|"DoubleUsers","DBInstanceId","CustomData"?}), Redis ({"SecretSubType":"DoubleUsers","AccountName","CloneAccountName":"<AccountName>_clone","AccountPrivilege":"RoleReadOnly"|"RoleReadWrite","InstanceId","RegionId","CustomData"?}) and PolarDB ({"SecretSubType":"DoubleUsers","RegionId","DBClusterId","DBType":"MySQL"|"PostgreSQL","AccountName","CloneAccountName"?,"AccountType"?:"Normal","AccountPrivilege"?,"DBName"?,"CustomData"?}); ignored for Generic secrets.', rule: { kind: 'json', parse: parseJsonObject } },
      { name: 'EnableAutomaticRotation', type: 'Boolean', help: 'true to rotate a dynamic (ECS, Rds, Redis, PolarDB) secret every RotationInterval (run `kms-local rotate-due` on a schedule); Generic secrets are rotated with PutSecretValue instead.', rule: { kind: 'bool' } },
      { name: 'RotationInterval', type: 'String', help: 'Rotation period such as 30d, 12h or 604800s, from 6 hours to 365 days; required when EnableAutomaticRotation is true.', rule: { kind: 'text', max: 16, pattern: /^\d{1,9}[dhms]?$/, patternHelp: 'is a number with a unit d, h, m or s, such as 30d' } },
      { name: 'Policy', type: 'String', help: 'The secret policy, a JSON policy document.', rule: { kind: 'json', parse: parsePolicy } },
    ],
    response: {
      Arn: 'The ARN of the secret.',
      DKMSInstanceId: 'The KMS instance id, when one was given.',
      SecretName: 'The name of the secret.',
      SecretType: 'The type of the secret.',
      VersionId: 'The id of the initial version.',
      AutomaticRotation: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only: Enabled or Disabled.',
      ExtendedConfig: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only: the ExtendedConfig, as JSON text.',
      NextRotationDate: 'With automatic rotation: when the secret rotates first.',
      RotationInterval: 'With automatic rotation: the period, in seconds such as 604800s.',
    },
    errors: ['InvalidParameter', 'UnsupportedOperation', 'Forbidden.ResourceNotFound', 'Rejected.ResourceExist', 'Rejected.ResourceInDeleteWindow', 'Rejected.Disabled', 'Rejected.PendingDeletion'],
    notes: [
      'EncryptionKeyId: without it (or with the local master key\'s id) the secret is sealed under the master key, as before. With a symmetric ENCRYPT/DECRYPT key of the region (id, ARN or alias; DescribeSecret shows its id) every version gets a data key wrapped by that key\'s primary version at the time, and the result is sealed under the master key as well.',
      'A secret sealed by a key can be read and written only while that key is Enabled: Rejected.Disabled or Rejected.PendingDeletion otherwise, Forbidden.KeyNotFound once the key is gone. EnableKey makes it readable again; rotating the key leaves old versions readable.',
      'An unknown EncryptionKeyId is Forbidden.ResourceNotFound; an RSA or EC key is InvalidParameter; a Disabled or pending key is refused as above.',
    ],
    load: async () => ({ handler: createSecret }),
  },
  {
    name: 'GetSecretValue',
    summary: 'Reads a version of a secret (ACSCurrent unless a stage or version is named).',
    mutates: false,
    params: [
      secretName,
      stage('VersionStage', 'The stage to read; ACSCurrent by default. ECS and Rds secrets: ACSCurrent or ACSPrevious only.'),
      versionId('The version to read; ignored for ECS and Rds secrets.', false),
      { name: 'FetchExtendedConfig', type: 'Boolean', help: 'true to return ExtendedConfig (dynamic secrets).', rule: { kind: 'bool' } },
      boolString('DryRun', 'true to check the request without reading the value: it then fails with DryRunOperationError.'),
    ],
    response: {
      CreateTime: 'When the version was created.',
      SecretData: 'The value (base64 text for binary data).',
      SecretDataType: 'text or binary.',
      SecretName: 'The name of the secret.',
      SecretType: 'The type of the secret.',
      VersionId: 'The id of the version read.',
      VersionStages: 'VersionStages.VersionStage: the stages of the version.',
      ExtendedConfig: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only, with FetchExtendedConfig=true: the ExtendedConfig, as JSON text.',
      ...rotationFields,
    },
    errors: ['InvalidParameter', 'DryRunOperationError', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow', 'Rejected.IntegrityCheckFailed', 'Rejected.Disabled', 'Rejected.PendingDeletion', 'Forbidden.KeyNotFound'],
    load: async () => ({ handler: getSecretValue }),
  },
  {
    name: 'PutSecretValue',
    summary: 'Stores a new version of a secret; it becomes ACSCurrent unless VersionStages is given.',
    mutates: true,
    params: [
      secretName,
      versionId('The id of the new version, 1 to 64 characters; retrying with the same data is safe.'),
      secretData,
      secretDataType,
      { name: 'VersionStages', type: 'String', help: 'JSON array of stages for the new version, such as ["MyPendingLabel"].', rule: { kind: 'json', parse: parseVersionStages } },
    ],
    response: {
      SecretName: 'The name of the secret.',
      VersionId: 'The id of the new version.',
      VersionStages: 'VersionStages.VersionStage: the stages of the new version.',
    },
    errors: ['InvalidParameter', 'Rejected.LimitExceeded', 'Forbidden.ResourceNotFound', 'Rejected.ResourceExist', 'Rejected.ResourceInDeleteWindow', 'Rejected.Disabled', 'Rejected.PendingDeletion', 'Forbidden.KeyNotFound'],
    load: async () => ({ handler: putSecretValue }),
  },
  {
    name: 'UpdateSecretVersionStage',
    summary: 'Moves a stage to a version, or removes a custom stage from one.',
    mutates: true,
    params: [
      secretName,
      stage('VersionStage', 'The stage to move: ACSCurrent, ACSPrevious or a custom stage.', true),
      { ...versionId('The version that receives the stage.', false), name: 'MoveToVersion' },
      { ...versionId('The version that holds the stage now.', false), name: 'RemoveFromVersion' },
    ],
    response: { SecretName: 'The name of the secret.' },
    errors: ['InvalidParameter', 'Rejected.LimitExceeded', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow'],
    load: async () => ({ handler: updateSecretVersionStage }),
  },
  {
    name: 'ListSecretVersionIds',
    summary: 'Lists the versions of a secret, newest first.',
    mutates: false,
    params: [
      secretName,
      boolString('IncludeDeprecated', 'true to list versions that hold no stage too.'),
      page('PageNumber', 'The page to return, from 1.', 2_147_483_647),
      page('PageSize', 'Versions per page, from 1; 20 by default (the service sets no maximum).', 2_147_483_647),
    ],
    response: {
      PageNumber: 'The page returned.',
      PageSize: 'Versions per page.',
      SecretName: 'The name of the secret.',
      TotalCount: 'How many versions are listed, on all pages.',
      VersionIds: 'VersionIds.VersionId: [{CreateTime, VersionId, VersionStages.VersionStage}], newest first.',
    },
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound'],
    load: async () => ({ handler: listSecretVersionIds }),
  },
  {
    name: 'RotateSecret',
    summary: 'Rotates a dynamic (ECS, Rds, Redis, PolarDB) secret: changes the credential on its target, verifies it, then moves ACSCurrent.',
    mutates: true,
    params: [
      secretName,
      versionId('The id of the new version, 1 to 64 characters; the idempotency key: a VersionId already rotated in changes nothing, the VersionId of a failed rotation retries it.'),
      {
        ...secretData,
        required: false,
        help: 'kms-local only (the console\'s "Use Custom Secret"): the new value instead of a generated one, as GetSecretValue returns it: {"Password"} or {"PublicKey","PrivateKey"} for ECS, {"AccountPassword"} for Rds, Redis and PolarDB (UserName/AccountName may be given and must match). Use --SecretData-FILE to keep it out of argv.',
      },
    ],
    response: {
      Arn: 'The ARN of the secret.',
      SecretName: 'The name of the secret.',
      VersionId: 'The id of the new version, now ACSCurrent.',
    },
    errors: [
      'InvalidParameter',
      'UnsupportedOperation',
      'Forbidden.ResourceNotFound',
      'Rejected.ResourceExist',
      'Rejected.ResourceInDeleteWindow',
      'Rejected.TargetNotFound',
      'Rejected.RotationInProgress',
      'Rejected.RotationFailed',
    ],
    notes: [
      'Generic secrets: UnsupportedOperation (rotate them with PutSecretValue). The instance of the secret needs a target: `kms-local target add` (Rejected.TargetNotFound otherwise).',
      'Without SecretData a new credential is generated: a 32-character password by the GetRandomPassword rules, or an RSA-2048 key pair (OpenSSH ssh-rsa public key, PEM private key).',
      'The new value is stored under ACSPending, applied on the target, and verified by logging in with it; only then does ACSCurrent move (ACSPrevious follows). ECS SSHKey: the new public key is added to authorized_keys, verified, then the secret\'s other keys are removed. Rds, Redis and PolarDB DoubleUsers: the ACSPrevious account\'s password is reset, so the account read as ACSCurrent before keeps working.',
      'On failure (Rejected.RotationFailed) ACSCurrent and the working credential on the target are unchanged, the pending version is kept, and DescribeSecret shows the error under RotationStatus. A second RotateSecret while one runs: Rejected.RotationInProgress.',
    ],
    load: async () => ({ handler: (await import('../lazy.js')).rotateSecret }),
  },
  {
    name: 'UpdateSecretRotationPolicy',
    summary: 'Turns automatic rotation of a dynamic (ECS, Rds, Redis, PolarDB) secret on or off.',
    mutates: true,
    params: [
      secretName,
      { name: 'EnableAutomaticRotation', type: 'Boolean', required: true, help: 'true to rotate every RotationInterval, false to stop.', rule: { kind: 'bool' } },
      { name: 'RotationInterval', type: 'String', help: 'Rotation period such as 30d, 12h or 604800s, from 6 hours to 365 days; required when EnableAutomaticRotation is true.', rule: { kind: 'text', max: 16, pattern: /^\d{1,9}[dhms]?$/, patternHelp: 'is a number with a unit d, h, m or s, such as 30d' } },
    ],
    response: { SecretName: 'The name of the secret.' },
    errors: ['InvalidParameter', 'UnsupportedOperation', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow'],
    notes: [
      'The next rotation is due one interval after the last rotation (or after creation). `kms-local rotate-due`, run on a schedule, rotates the secrets that are due.',
      'Generic secrets: UnsupportedOperation.',
    ],
    load: async () => ({ handler: (await import('../lazy.js')).updateSecretRotationPolicy }),
  },
  {
    name: 'GetRandomPassword',
    summary: 'Generates a random password.',
    mutates: false,
    params: [
      { name: 'PasswordLength', type: 'String', help: 'Length, 8 to 128; 32 by default.', rule: { kind: 'int', min: 8, max: 128 } },
      { name: 'ExcludeCharacters', type: 'String', help: 'Characters the password must not contain.', rule: { kind: 'text', max: 256 } },
      boolString('ExcludeLowercase', 'true to leave out lowercase letters.'),
      boolString('ExcludeUppercase', 'true to leave out uppercase letters.'),
      boolString('ExcludeNumbers', 'true to leave out digits.'),
      boolString('ExcludePunctuation', 'true to leave out punctuation.'),
      boolString('RequireEachIncludedType', 'true (default) to include at least one character of every type not excluded.'),
    ],
    response: { RandomPassword: 'The password.' },
    errors: ['InvalidParameter'],
    load: async () => ({ handler: getRandomPassword }),
  },
  {
    name: 'DescribeSecret',
    summary: 'Shows the metadata of a secret (never its value), also while it is pending deletion.',
    mutates: false,
    params: [secretName, boolString('FetchTags', 'true to return the tags of the secret.')],
    response: {
      Arn: 'The ARN of the secret.',
      CreateTime: 'When the secret was created.',
      DKMSInstanceId: 'The KMS instance id, when one was given at creation.',
      Description: 'The description ("" when none).',
      EncryptionKeyId: 'The id of the key that protects the secret.',
      OwingService: 'The cloud service that manages the secret; always "" (no cloud service manages a kms-local secret).',
      PlannedDeleteTime: 'When the secret will be deleted; only while it is pending deletion.',
      SecretName: 'The name of the secret.',
      SecretType: 'Generic.',
      Tags: 'Tags.Tag: [{TagKey, TagValue}], only with FetchTags=true.',
      UpdateTime: 'When the secret (its versions, stages, metadata or deletion state) last changed.',
      ExtendedConfig: 'Dynamic (ECS, Rds, Redis, PolarDB) secrets only: the ExtendedConfig, as JSON text.',
      ...rotationFields,
      RotationStatus: 'kms-local, dynamic secrets only, while a rotation runs or after one failed: {InProgress: {VersionId, StartedAt}, LastError: {Code, Message, Step, Time, VersionId}}.',
    },
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound'],
    notes: [
      'Works on a secret pending deletion, which then shows PlannedDeleteTime; a secret past its PlannedDeleteTime is gone: Forbidden.ResourceNotFound, and its file is removed.',
      'Never returns a value; Tags only with FetchTags=true; DKMSInstanceId only when one was given at creation.',
    ],
    load: async () => ({ handler: describeSecret }),
  },
  {
    name: 'ListSecrets',
    summary: 'Lists the secrets of the region, sorted by name, pending deletion ones included.',
    mutates: false,
    params: [
      boolString('FetchTags', 'true to return the tags of every secret.'),
      {
        name: 'Filters',
        type: 'String',
        help: 'JSON array of {"Key","Values"}; Key SecretName or Description (substring), TagKey, TagValue, SecretType (any case: RDS is Rds), DKMSInstanceId or Creator (exact); values OR-ed, filters AND-ed.',
        rule: { kind: 'json', parse: parseFilters },
      },
      page('PageNumber', 'The page to return, from 1.', 2_147_483_647),
      page('PageSize', 'Secrets per page, 1 to 100; 10 by default.', 100),
    ],
    response: {
      PageNumber: 'The page returned.',
      PageSize: 'Secrets per page.',
      TotalCount: 'How many secrets match, on all pages.',
      SecretList: 'SecretList.Secret: [{CreateTime, OwingService (""), PlannedDeleteTime (pending deletion only), SecretName, SecretType, UpdateTime, Tags.Tag (FetchTags=true only)}].',
    },
    errors: ['InvalidParameter'],
    notes: [
      'Filter match types (the service does not document them): SecretName and Description match when the value is a case-sensitive substring; TagKey and TagValue when the secret carries a tag with exactly that key / exactly that value; SecretType and DKMSInstanceId exactly; Creator exactly the local account id (every kms-local secret is created by it).',
      'Values of one filter are OR-ed; filters are AND-ed, a key given twice included (so TagKey and TagValue need not be the same tag). An empty Values list sets no condition.',
      'At most 10 filters of at most 10 values; an unknown Key, a SecretType that is no type, or a value of the wrong length is InvalidParameter.',
      'Secrets are sorted by SecretName in code-unit order (uppercase before lowercase), the same on every run; a page past the end is empty.',
      'Secrets pending deletion are listed with PlannedDeleteTime; secrets past it are gone and their files removed.',
    ],
    load: async () => ({ handler: listSecrets }),
  },
  {
    name: 'UpdateSecret',
    summary: 'Changes the description of a secret (and the CustomData of a dynamic secret).',
    mutates: true,
    params: [
      secretName,
      { name: 'Description', type: 'String', help: 'The new description, up to 1024 characters ("" clears it).', rule: { kind: 'text', min: 0, max: 1024 } },
      { name: 'ExtendedConfig.CustomData', type: 'String', help: 'JSON object of at most 10 entries that replaces the CustomData of a dynamic secret; refused for Generic secrets.', rule: { kind: 'json', parse: parseJsonObject } },
    ],
    response: { SecretName: 'The name of the secret.' },
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow'],
    notes: [
      'A secret pending deletion cannot be changed: Rejected.ResourceInDeleteWindow.',
      'Giving neither Description nor a changed ExtendedConfig.CustomData is a success that changes nothing.',
    ],
    load: async () => ({ handler: updateSecret }),
  },
  {
    name: 'DeleteSecret',
    summary: 'Schedules a secret for deletion after a recovery window, or deletes it at once.',
    mutates: true,
    params: [
      secretName,
      { name: 'RecoveryWindowInDays', type: 'String', help: 'Days until the secret is deleted, 7 to 30; 30 by default. Not with ForceDeleteWithoutRecovery=true.', rule: { kind: 'int', min: 7, max: 30 } },
      boolString('ForceDeleteWithoutRecovery', 'true to delete the secret and its file at once, beyond any RestoreSecret (also a secret already pending deletion).'),
    ],
    response: {
      PlannedDeleteTime: 'When the secret will be deleted; with ForceDeleteWithoutRecovery=true, the moment it was deleted.',
      SecretName: 'The name of the secret.',
    },
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow'],
    notes: [
      'Without ForceDeleteWithoutRecovery=true the secret stays, pending deletion, until PlannedDeleteTime = now + RecoveryWindowInDays (7 to 30, 30 by default). Meanwhile GetSecretValue, PutSecretValue, UpdateSecretVersionStage, UpdateSecret, tag changes, SetSecretPolicy, a CreateSecret of the name and a second DeleteSecret without force fail with Rejected.ResourceInDeleteWindow; DescribeSecret, ListSecrets, ListSecretVersionIds, GetSecretPolicy and RestoreSecret work.',
      'Once PlannedDeleteTime has passed (KMS_LOCAL_NOW counts) the secret is gone for every operation (Forbidden.ResourceNotFound), its file is removed, and the name is free for CreateSecret.',
      'ForceDeleteWithoutRecovery=true removes the file at once, also of a secret already pending deletion; nothing can restore it. PlannedDeleteTime is then the moment of deletion.',
      'RecoveryWindowInDays together with ForceDeleteWithoutRecovery=true is InvalidParameter; with ForceDeleteWithoutRecovery=false it is allowed.',
    ],
    load: async () => ({ handler: deleteSecret }),
  },
  {
    name: 'RestoreSecret',
    summary: 'Cancels the planned deletion of a secret; a secret not pending deletion is left as it is.',
    mutates: true,
    params: [secretName],
    response: { SecretName: 'The name of the secret.' },
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound'],
    notes: [
      'Cancels the planned deletion: the secret, its versions, stages and values are as they were.',
      'A secret that is not pending deletion: success, nothing changes. After a force delete or once PlannedDeleteTime has passed: Forbidden.ResourceNotFound.',
    ],
    load: async () => ({ handler: restoreSecret }),
  },
  {
    name: 'TagResource',
    summary: 'Adds tags to a secret or a key, or changes the values of its tags.',
    mutates: true,
    params: [
      { ...secretName, required: false, help: 'The name of the secret, or its ARN.' },
      { name: 'KeyId', type: 'String', help: 'The key: its id, ARN or an alias.', rule: { kind: 'text', max: 512 } },
      { name: 'CertificateId', type: 'String', help: 'Not supported: kms-local has no certificates.', rule: { kind: 'text', max: 256 } },
      { name: 'Tags', type: 'String', required: true, help: 'JSON array of {"TagKey","TagValue"}; a secret carries at most 20 tags.', rule: { kind: 'json', parse: parseTags } },
    ],
    response: {},
    errors: ['InvalidParameter', 'UnsupportedOperation', 'Rejected.LimitExceeded', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.PendingDeletion'],
    notes: [
      'Exactly one of SecretName, KeyId and CertificateId; CertificateId is UnsupportedOperation (kms-local has no certificates). KeyId takes the key id, its ARN or an alias; a key pending deletion: Rejected.PendingDeletion.',
      'A tag key the resource carries gets the new value; other keys are added. More than 20 tags in all is Rejected.LimitExceeded and nothing changes.',
      'Tag keys and values are 1 to 128 characters; a key must not start with aliyun or acs:. A secret pending deletion: Rejected.ResourceInDeleteWindow.',
    ],
    load: async () => ({ handler: tagResource }),
  },
  {
    name: 'UntagResource',
    summary: 'Removes tags from a secret or a key; tag keys it does not carry are ignored.',
    mutates: true,
    params: [
      { ...secretName, required: false, help: 'The name of the secret, or its ARN.' },
      { name: 'KeyId', type: 'String', help: 'The key: its id, ARN or an alias.', rule: { kind: 'text', max: 512 } },
      { name: 'CertificateId', type: 'String', help: 'Not supported: kms-local has no certificates.', rule: { kind: 'text', max: 256 } },
      { name: 'TagKeys', type: 'String', required: true, help: 'The tag keys to remove: a JSON array such as ["k1","k2"] or a comma list k1,k2.', rule: { kind: 'custom', parse: parseTagKeys } },
    ],
    response: {},
    errors: ['InvalidParameter', 'UnsupportedOperation', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.PendingDeletion'],
    notes: [
      'TagKeys is a JSON array (["k1","k2"]) or a comma list (k1,k2, spaces around keys ignored); at most 20 keys.',
      'Tag keys the resource does not carry are ignored. CertificateId is UnsupportedOperation. A secret pending deletion: Rejected.ResourceInDeleteWindow; a key pending deletion: Rejected.PendingDeletion.',
    ],
    load: async () => ({ handler: untagResource }),
  },
  {
    name: 'ListTagResources',
    summary: 'Lists the tags of secrets or of keys, one row per tag, 200 rows a page.',
    mutates: false,
    params: [
      { name: 'RegionId', type: 'String', required: true, fromRegion: true, help: 'The region: taken from --region or --RegionId, ALIBABA_CLOUD_REGION_ID, the profile, or cn-hangzhou.', rule: { kind: 'text' } },
      { name: 'ResourceType', type: 'String', required: true, help: 'secret or key.', rule: { kind: 'enum', values: ['secret', 'key'] } },
      { name: 'ResourceId', type: 'RepeatList', repeat: { max: 50 }, help: 'Secret names or ARNs (key ids, ARNs or aliases with ResourceType key) to list, N from 1 to 50; all of the region when none is given.', rule: { kind: 'text', max: 256 } },
      { name: 'Tag', type: 'RepeatList', repeat: { max: 20, fields: ['Key', 'Value'] }, help: 'Only secrets that carry every Tag.N.Key (with Tag.N.Value when given), N from 1 to 20.', rule: { kind: 'text', max: 128 } },
      { name: 'NextToken', type: 'String', help: 'The NextToken of the previous page.', rule: { kind: 'text', max: 256 } },
    ],
    response: {
      NextToken: 'Present when there are more rows: pass it as --NextToken for the next page.',
      TagResources: 'TagResources.TagResource: [{ResourceId, ResourceType, TagKey, TagValue}], ordered by ResourceId, then TagKey.',
    },
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound'],
    notes: [
      'RegionId is the region of the request (--region, --RegionId, ALIBABA_CLOUD_REGION_ID, the profile, cn-hangzhou), as the aliyun CLI fills it.',
      'ResourceType secret: ResourceId.N names secrets (name or ARN); an unknown one is Forbidden.ResourceNotFound. ResourceType key: ResourceId.N names keys (id, ARN or alias; rows carry the key id); an unknown one is Forbidden.KeyNotFound. Without ResourceId.N every secret (or key) of the region is listed.',
      'With Tag.N, a secret is listed only when it carries every Tag.N.Key (with that Tag.N.Value, when given); all its tags are listed then. Tag.N.Value without Tag.N.Key is InvalidParameter.',
      'Rows are sorted by ResourceId, then TagKey, 200 a page; NextToken is present while more rows follow.',
    ],
    load: async () => ({ handler: listTagResources }),
  },
  // ---- issue 11: operations and forms of the current SDKs (BatchGetSecretValue, multi-resource tagging)
  {
    name: 'BatchGetSecretValue',
    summary: `Reads up to ${BATCH_GET_MAX_SECRETS} secrets in one call; a secret that cannot be read is listed under Errors.`,
    mutates: false,
    params: [
      {
        name: 'SecretsList',
        type: 'String',
        required: true,
        help: `JSON array of 1 to ${BATCH_GET_MAX_SECRETS} {"SecretName","VersionId","VersionStage","FetchExtendedConfig"}; SecretName required, each read as GetSecretValue reads it.`,
        rule: { kind: 'json', parse: parseSecretsList },
      },
    ],
    response: {
      SecretValues: '[{the GetSecretValue fields of each secret read, RequestId included}], in the order asked.',
      Errors: '[{SecretName, Code, HttpStatus, Message}]: the secrets that could not be read, with what GetSecretValue would have answered.',
    },
    errors: ['InvalidParameter'],
    notes: [
      `SecretsList holds 1 to ${BATCH_GET_MAX_SECRETS} items (the service's limit). FetchExtendedConfig of an item is "true"/"false" in any case, or a JSON boolean.`,
      'A secret that is not found, pending deletion, lacks the stage or version asked, or fails its integrity check does not fail the call: it is listed under Errors with the code and HTTP status GetSecretValue gives, and the other secrets are returned. SecretValues and Errors are always present (possibly empty).',
    ],
    load: async () => ({ handler: batchGetSecretValue }),
  },
  {
    name: 'TagResources',
    summary: 'Adds the same tags to several secrets or keys (ResourceId.N), or changes their values.',
    mutates: true,
    params: [
      { name: 'RegionId', type: 'String', required: true, fromRegion: true, help: 'The region: taken from --region or --RegionId, ALIBABA_CLOUD_REGION_ID, the profile, or cn-hangzhou.', rule: { kind: 'text' } },
      { name: 'ResourceType', type: 'String', required: true, help: 'secret or key.', rule: { kind: 'enum', values: ['secret', 'key'] } },
      { name: 'ResourceId', type: 'RepeatList', required: true, repeat: { max: 50 }, help: 'The secrets (names or ARNs) or keys (ids, ARNs or aliases) to tag, N from 1 to 50.', rule: { kind: 'text', max: 256 } },
      { name: 'Tag', type: 'RepeatList', required: true, repeat: { max: 20, fields: ['Key', 'Value'] }, help: 'The tags, Tag.N.Key and Tag.N.Value, N from 1 to 20.', rule: { kind: 'text', max: 128 } },
    ],
    response: {},
    errors: ['InvalidParameter', 'Rejected.LimitExceeded', 'Forbidden.ResourceNotFound', 'Forbidden.KeyNotFound', 'Rejected.ResourceInDeleteWindow'],
    notes: [
      'Every resource is checked first (it exists, is not pending deletion, would carry at most 20 tags); a refusal changes none.',
      'A tag key a resource carries gets the new value; other tag keys are added. Tag rules as in TagResource.',
    ],
    load: async () => ({ handler: tagResources }),
  },
  {
    name: 'UntagResources',
    summary: 'Removes tags (TagKey.N, or all with All=true) from several secrets or keys.',
    mutates: true,
    params: [
      { name: 'RegionId', type: 'String', required: true, fromRegion: true, help: 'The region: taken from --region or --RegionId, ALIBABA_CLOUD_REGION_ID, the profile, or cn-hangzhou.', rule: { kind: 'text' } },
      { name: 'ResourceType', type: 'String', required: true, help: 'secret or key.', rule: { kind: 'enum', values: ['secret', 'key'] } },
      { name: 'ResourceId', type: 'RepeatList', required: true, repeat: { max: 50 }, help: 'The secrets (names or ARNs) or keys (ids, ARNs or aliases), N from 1 to 50.', rule: { kind: 'text', max: 256 } },
      { name: 'TagKey', type: 'RepeatList', repeat: { max: 20 }, help: 'The tag keys to remove, N from 1 to 20.', rule: { kind: 'text', max: 128 } },
      { name: 'All', type: 'Boolean', help: 'true to remove every tag; only without TagKey.N.', rule: { kind: 'bool' } },
    ],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound', 'Forbidden.KeyNotFound', 'Rejected.ResourceInDeleteWindow'],
    notes: [
      'Give TagKey.N or All=true, not both. Tag keys a resource does not carry are ignored. Every resource is checked first; a refusal changes none.',
    ],
    load: async () => ({ handler: untagResources }),
  },
  // ---- end of issue 11's block
  {
    name: 'GetSecretPolicy',
    summary: 'Shows the policy of a secret; the default policy when none was set.',
    mutates: false,
    params: [secretName, policyName],
    response: { Policy: 'The policy document, as JSON text.' },
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound'],
    notes: [
      'A secret that was never given a policy (CreateSecret --Policy or SetSecretPolicy) has the default policy: the local account may do everything (Principal RAM acs:ram::<account-id>:*, Action kms:*, Resource *).',
      'Works on a secret pending deletion. PolicyName must be default.',
    ],
    load: async () => ({ handler: getSecretPolicy }),
  },
  {
    name: 'SetSecretPolicy',
    summary: 'Replaces the policy of a secret with a checked policy document.',
    mutates: true,
    params: [
      secretName,
      { name: 'Policy', type: 'String', required: true, help: 'JSON policy document {"Version":"1","Statement":[{"Effect":"Allow"|"Deny","Action":[...],...}]}, at most 32768 bytes.', rule: { kind: 'json', parse: parsePolicy } },
      policyName,
    ],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.ResourceNotFound', 'Rejected.ResourceInDeleteWindow'],
    notes: [
      'The document must be a JSON object {"Version":"1","Statement":[...]} (optionally with Id), at most 32768 bytes, with at least one statement. Each statement has Effect Allow or Deny and Action (a string or list of strings), and may have Sid, Principal ("*" or an object of strings or lists of strings), Resource (a string or list of strings) and Condition (an object); any other element is InvalidParameter.',
      'kms-local stores the policy and returns it; it does not enforce it. A secret pending deletion: Rejected.ResourceInDeleteWindow.',
    ],
    load: async () => ({ handler: setSecretPolicy }),
  },
  // --- Keys (customer master keys): the key-management operations, one block. ---
  {
    name: 'CreateKey',
    summary: 'Creates a key (customer master key) with its first version; the key material is made and kept by kms-local.',
    mutates: true,
    params: [
      { name: 'KeySpec', type: 'String', help: 'Aliyun_AES_256 (default), Aliyun_AES_128, RSA_2048, RSA_3072, EC_P256 or EC_P256K.', rule: { kind: 'enum', values: KEY_SPEC_NAMES } },
      { name: 'KeyUsage', type: 'String', help: 'ENCRYPT/DECRYPT or SIGN/VERIFY; SIGN/VERIFY by default for specs that can sign (RSA, EC), ENCRYPT/DECRYPT otherwise. AES keys: ENCRYPT/DECRYPT only; EC keys: SIGN/VERIFY only.', rule: { kind: 'enum', values: KEY_USAGES } },
      { name: 'Description', type: 'String', help: 'A description, up to 8192 characters.', rule: { kind: 'text', min: 0, max: 8192 } },
      { name: 'Origin', type: 'String', help: 'Aliyun_KMS (default); EXTERNAL (imported material) is refused with UnsupportedOperation.', rule: { kind: 'enum', values: ['Aliyun_KMS', 'EXTERNAL'] } },
      { name: 'ProtectionLevel', type: 'String', help: 'SOFTWARE (default, and the only level kms-local has); HSM is refused with UnsupportedOperation.', rule: { kind: 'enum', values: ['SOFTWARE', 'HSM'] } },
      { name: 'EnableAutomaticRotation', type: 'Boolean', help: 'true to make a new key version every RotationInterval (symmetric keys only; run `kms-local rotate-due` on a schedule).', rule: { kind: 'bool' } },
      { name: 'RotationInterval', type: 'String', help: 'Rotation period such as 365d or 604800s, from 7 to 365 days; required when EnableAutomaticRotation is true.', rule: { kind: 'text', max: 16, pattern: /^\d{1,9}[dhms]?$/, patternHelp: 'is a number with a unit d, h, m or s, such as 365d' } },
      { name: 'Tags', type: 'String', help: 'JSON array of {"TagKey","TagValue"}, at most 20.', rule: { kind: 'json', parse: parseTags } },
      { name: 'Policy', type: 'String', help: 'The key policy, a JSON policy document of at most 32768 bytes; the default policy when absent.', rule: { kind: 'json', parse: parsePolicy } },
      { name: 'DKMSInstanceId', type: 'String', help: 'A KMS instance id; recorded and returned as given.', rule: { kind: 'text', max: 128 } },
    ],
    response: {
      KeyMetadata:
        'Arn, AutomaticRotation (Enabled or Disabled), CreationDate, Creator (the account id), DKMSInstanceId (when given), Description, KeyId, KeySpec, KeyState (Enabled), KeyUsage, LastRotationDate, MaterialExpireTime ("": never), NextRotationDate and RotationInterval (with automatic rotation), Origin, PrimaryKeyVersion, ProtectionLevel.',
    },
    errors: ['InvalidParameter', 'UnsupportedOperation'],
    notes: [
      'The key id is `key-` and 24 random lowercase letters or digits; the first key version id is a UUID. The key starts Enabled.',
      'The material (a 256- or 128-bit AES key, an RSA key pair of 2048 or 3072 bits, or an EC key pair on P-256 or secp256k1) is made by kms-local and stored sealed under the master key; no operation ever returns it (GetPublicKey returns the public half of an asymmetric key).',
      'A KeyUsage the KeySpec does not take (SIGN/VERIFY with an AES spec, ENCRYPT/DECRYPT with an EC spec) is InvalidParameter. EnableAutomaticRotation=true on an asymmetric key is UnsupportedOperation.',
    ],
    load: async () => ({ handler: createKey }),
  },
  {
    name: 'DescribeKey',
    summary: 'Shows the metadata of a key (never its material), in every key state.',
    mutates: false,
    params: [keyIdParam],
    response: {
      KeyMetadata:
        'Arn, AutomaticRotation, CreationDate, Creator, DKMSInstanceId, DeleteDate (PendingDeletion only), DeletionProtection (Enabled or Disabled), DeletionProtectionDescription, Description, KeyId, KeySpec, KeyState (Enabled, Disabled or PendingDeletion), KeyUsage, LastRotationDate, MaterialExpireTime, NextRotationDate and RotationInterval (with automatic rotation), Origin, PrimaryKeyVersion, ProtectionLevel.',
    },
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound'],
    notes: [
      'KeyId takes the key id, its ARN (acs:kms:<region>:<account-id>:key/<id>), an alias (alias/<name>) or an alias ARN; an ARN of another region or account is Forbidden.KeyNotFound.',
      'A key past its DeleteDate is gone: Forbidden.KeyNotFound (with KMS_LOCAL_NOW it reads as gone; its file is removed only once the real clock has passed the date too).',
    ],
    load: async () => ({ handler: describeKey }),
  },

  {
    name: 'ListKeys',
    summary: 'Lists the keys of the region, sorted by KeyId, pending deletion ones included.',
    mutates: false,
    params: [
      { name: 'Filters', type: 'String', help: 'JSON array of {"Key","Values"}; Key KeyState, KeySpec, KeyUsage, ProtectionLevel, CreatorType, DKMSInstanceId, keyId, AliasName, Creator, TagKey, TagValue; values OR-ed, filters AND-ed, exact matches.', rule: { kind: 'json', parse: parseKeyFilters } },
      page('PageNumber', 'The page to return, from 1.', 2_147_483_647),
      page('PageSize', 'Keys per page, 1 to 100; 10 by default.', 100),
    ],
    response: {
      Keys: 'Keys.Key: [{KeyArn, KeyId}], sorted by KeyId.',
      PageNumber: 'The page returned.',
      PageSize: 'Keys per page.',
      TotalCount: 'How many keys match, on all pages.',
    },
    errors: ['InvalidParameter'],
    notes: [
      'Filters: at most 10 of at most 10 values. KeyState, KeySpec, KeyUsage, ProtectionLevel (SOFTWARE), CreatorType (User), DKMSInstanceId, keyId, AliasName, Creator (the account id), TagKey and TagValue match exactly; an empty Values list sets no condition.',
      'Keys pending deletion are listed; keys past their DeleteDate are gone. A page past the end is empty.',
    ],
    load: async () => ({ handler: listKeys }),
  },
  {
    name: 'UpdateKeyDescription',
    summary: 'Replaces the description of a key.',
    mutates: true,
    params: [keyIdParam, { name: 'Description', type: 'String', required: true, help: 'The new description, up to 8192 characters ("" clears it).', rule: { kind: 'text', min: 0, max: 8192 } }],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound'],
    notes: ['Works in every key state.'],
    load: async () => ({ handler: updateKeyDescription }),
  },
  {
    name: 'EnableKey',
    summary: 'Enables a key, so that it can be used again.',
    mutates: true,
    params: [keyIdParam],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.StateModifiedFailed'],
    notes: ['An Enabled or Disabled key becomes Enabled; a key pending deletion is Rejected.StateModifiedFailed (CancelKeyDeletion first).'],
    load: async () => ({ handler: enableKey }),
  },
  {
    name: 'DisableKey',
    summary: 'Disables a key: it refuses every cryptographic use, and secrets sealed by it cannot be read, until EnableKey.',
    mutates: true,
    params: [keyIdParam],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.StateModifiedFailed'],
    notes: [
      'An Enabled or Disabled key becomes Disabled; a key pending deletion is Rejected.StateModifiedFailed.',
      'A Disabled key refuses Encrypt, Decrypt, GenerateDataKey, signing and the like with Rejected.Disabled, and the secrets whose EncryptionKeyId it is cannot be read or written (Rejected.Disabled) until it is enabled again. DescribeKey, ListKeys, aliases, tags and policies still work.',
    ],
    load: async () => ({ handler: disableKey }),
  },
  {
    name: 'ScheduleKeyDeletion',
    summary: 'Schedules a key for deletion after a waiting period of 7 to 366 days.',
    mutates: true,
    params: [keyIdParam, { name: 'PendingWindowInDays', type: 'Integer', required: true, help: 'Days until the key is deleted, 7 to 366.', rule: { kind: 'int', min: 7, max: 366 } }],
    response: {},
    errors: ['InvalidParameter', 'UnsupportedOperation', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.StateModifiedFailed'],
    notes: [
      'The key becomes PendingDeletion with DeleteDate = now + PendingWindowInDays; meanwhile every cryptographic use is Rejected.PendingDeletion, and CancelKeyDeletion makes it Enabled again.',
      'Once DeleteDate has passed the key is gone (Forbidden.KeyNotFound), with its aliases, and so is every ciphertext and secret sealed by it. KMS_LOCAL_NOW shows the key as gone but never removes its file: only once the real clock has passed DeleteDate is it removed.',
      'A key already pending deletion: Rejected.StateModifiedFailed. A key with deletion protection: UnsupportedOperation (turn it off with SetDeletionProtection first).',
    ],
    load: async () => ({ handler: scheduleDeletion }),
  },
  {
    name: 'CancelKeyDeletion',
    summary: 'Cancels the scheduled deletion of a key; it is Enabled again.',
    mutates: true,
    params: [keyIdParam],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.StateModifiedFailed'],
    notes: ['A key that is not pending deletion: Rejected.StateModifiedFailed. After DeleteDate the key is gone: Forbidden.KeyNotFound.'],
    load: async () => ({ handler: cancelDeletion }),
  },
  {
    name: 'SetDeletionProtection',
    summary: 'Turns deletion protection of a key on or off.',
    mutates: true,
    params: [
      { name: 'ProtectedResourceArn', type: 'String', help: 'The ARN of the key (acs:kms:<region>:<account-id>:key/<id>); or give KeyId.', rule: { kind: 'text', max: 512 } },
      { ...keyIdParam, required: false, help: 'The key (id, ARN or alias), when ProtectedResourceArn is not given.' },
      { name: 'EnableDeletionProtection', type: 'Boolean', required: true, help: 'true to protect the key from ScheduleKeyDeletion, false to stop.', rule: { kind: 'bool' } },
      { name: 'DeletionProtectionDescription', type: 'String', help: 'Why the key is protected (only with EnableDeletionProtection=true), up to 1024 characters.', rule: { kind: 'text', min: 0, max: 1024 } },
    ],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.PendingDeletion'],
    notes: [
      'One of ProtectedResourceArn and KeyId is needed; given both, they must name the same key. A key pending deletion: Rejected.PendingDeletion.',
      'DescribeKey shows DeletionProtection (Enabled or Disabled) and DeletionProtectionDescription.',
    ],
    load: async () => ({ handler: setProtection }),
  },
  {
    name: 'CreateKeyVersion',
    summary: 'Makes a new version of a symmetric key; it becomes the primary version, and old versions still decrypt.',
    mutates: true,
    params: [keyIdParam],
    response: { KeyVersion: '{CreationDate, KeyId, KeyVersionId}: the new (now primary) version.' },
    errors: ['InvalidParameter', 'UnsupportedOperation', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.PendingDeletion'],
    notes: [
      'Symmetric keys only (UnsupportedOperation for RSA and EC keys). A key pending deletion: Rejected.PendingDeletion. A Disabled key gets a version too.',
      'New encryptions use the new version; ciphertexts of older versions name their version and keep decrypting. With automatic rotation the next rotation is one interval after this one.',
    ],
    load: async () => ({ handler: createKeyVersion }),
  },
  {
    name: 'DescribeKeyVersion',
    summary: 'Shows one version of a key.',
    mutates: false,
    params: [keyIdParam, { name: 'KeyVersionId', type: 'String', required: true, help: 'The id of the version.', rule: { kind: 'text', max: 64 } }],
    response: { KeyVersion: '{CreationDate, KeyId, KeyVersionId}.' },
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Forbidden.KeyVersionNotFound'],
    load: async () => ({ handler: describeKeyVersion }),
  },
  {
    name: 'ListKeyVersions',
    summary: 'Lists the versions of a key, oldest first.',
    mutates: false,
    params: [keyIdParam, page('PageNumber', 'The page to return, from 1.', 2_147_483_647), page('PageSize', 'Versions per page, 1 to 100; 10 by default.', 100)],
    response: {
      KeyVersions: 'KeyVersions.KeyVersion: [{CreationDate, KeyId, KeyVersionId}], oldest first.',
      PageNumber: 'The page returned.',
      PageSize: 'Versions per page.',
      TotalCount: 'How many versions the key has.',
    },
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound'],
    load: async () => ({ handler: listKeyVersions }),
  },
  {
    name: 'UpdateRotationPolicy',
    summary: 'Turns automatic rotation of a symmetric key on or off.',
    mutates: true,
    params: [
      keyIdParam,
      { name: 'EnableAutomaticRotation', type: 'Boolean', required: true, help: 'true to make a new key version every RotationInterval, false to stop.', rule: { kind: 'bool' } },
      { name: 'RotationInterval', type: 'String', help: 'Rotation period such as 365d or 604800s, from 7 to 365 days; required when EnableAutomaticRotation is true.', rule: { kind: 'text', max: 16, pattern: /^\d{1,9}[dhms]?$/, patternHelp: 'is a number with a unit d, h, m or s, such as 365d' } },
    ],
    response: {},
    errors: ['InvalidParameter', 'UnsupportedOperation', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound'],
    notes: [
      'The next rotation is due one interval after the last one (LastRotationDate: when the newest version was made). `kms-local rotate-due`, run on a schedule, makes a new version of every Enabled key that is due; a Disabled or pending key waits.',
      'Symmetric keys only: EnableAutomaticRotation=true on an RSA or EC key is UnsupportedOperation.',
    ],
    load: async () => ({ handler: updateRotationPolicy }),
  },
  {
    name: 'CreateAlias',
    summary: 'Gives a key an alias (alias/<name>), usable wherever a KeyId is.',
    mutates: true,
    params: [
      { name: 'AliasName', type: 'String', required: true, help: 'alias/ then 1 to 249 letters, digits or _ - / (not alias/acs/).', rule: { kind: 'text', max: 255 } },
      keyIdParam,
    ],
    response: {},
    errors: ['InvalidParameter', 'AliasAlreadyExists', 'Rejected.LimitExceeded', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.StateModifiedFailed'],
    notes: [
      'An alias names one key of the region; a name already taken is AliasAlreadyExists. A key has at most 50 aliases. A key pending deletion: Rejected.StateModifiedFailed.',
      'When a key is deleted its aliases go with it.',
    ],
    load: async () => ({ handler: createAlias }),
  },
  {
    name: 'UpdateAlias',
    summary: 'Points an existing alias at another key.',
    mutates: true,
    params: [{ name: 'AliasName', type: 'String', required: true, help: 'The alias, alias/<name>.', rule: { kind: 'text', max: 255 } }, { ...keyIdParam, help: 'The key the alias names from now on: its id, ARN or an alias.' }],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.PendingDeletion'],
    notes: ['Only the state of the target key counts: a target pending deletion is Rejected.PendingDeletion. An unknown alias: Forbidden.AliasNotFound.'],
    load: async () => ({ handler: updateAlias }),
  },
  {
    name: 'DeleteAlias',
    summary: 'Deletes an alias (never its key).',
    mutates: true,
    params: [{ name: 'AliasName', type: 'String', required: true, help: 'The alias, alias/<name>.', rule: { kind: 'text', max: 255 } }],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.AliasNotFound'],
    load: async () => ({ handler: deleteAlias }),
  },
  {
    name: 'ListAliases',
    summary: 'Lists the aliases of the region, sorted by name.',
    mutates: false,
    params: [page('PageNumber', 'The page to return, from 1.', 2_147_483_647), page('PageSize', 'Aliases per page, 1 to 100; 10 by default.', 100)],
    response: {
      Aliases: 'Aliases.Alias: [{AliasArn, AliasName, KeyId}], sorted by AliasName.',
      PageNumber: 'The page returned.',
      PageSize: 'Aliases per page.',
      TotalCount: 'How many aliases there are.',
    },
    errors: ['InvalidParameter'],
    load: async () => ({ handler: listAliases }),
  },
  {
    name: 'ListAliasesByKeyId',
    summary: 'Lists the aliases of one key, sorted by name.',
    mutates: false,
    params: [keyIdParam, page('PageNumber', 'The page to return, from 1.', 2_147_483_647), page('PageSize', 'Aliases per page, 1 to 100; 10 by default.', 100)],
    response: {
      Aliases: 'Aliases.Alias: [{AliasArn, AliasName, KeyId}], sorted by AliasName.',
      PageNumber: 'The page returned.',
      PageSize: 'Aliases per page.',
      TotalCount: 'How many aliases the key has.',
    },
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound'],
    load: async () => ({ handler: listAliasesByKeyId }),
  },
  {
    name: 'GetKeyPolicy',
    summary: 'Shows the policy of a key; the default policy when none was set.',
    mutates: false,
    params: [keyIdParam, { ...policyName, help: 'default (the only policy a key has).' }],
    response: { Policy: 'The policy document, as JSON text.' },
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound'],
    notes: ['A key that was never given a policy (CreateKey --Policy or SetKeyPolicy) has the default policy: the local account may do everything (Principal RAM acs:ram::<account-id>:*, Action kms:*, Resource *).'],
    load: async () => ({ handler: getKeyPolicy }),
  },
  {
    name: 'SetKeyPolicy',
    summary: 'Replaces the policy of a key with a checked policy document.',
    mutates: true,
    params: [
      keyIdParam,
      { name: 'Policy', type: 'String', required: true, help: 'JSON policy document {"Version":"1","Statement":[...]}, at most 32768 bytes.', rule: { kind: 'json', parse: parsePolicy } },
      { ...policyName, help: 'default (the only policy a key has).' },
    ],
    response: {},
    errors: ['InvalidParameter', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.PendingDeletion'],
    notes: ['The document is checked as secret policies are (SetSecretPolicy); kms-local stores it and returns it, it does not enforce it. A key pending deletion: Rejected.PendingDeletion.'],
    load: async () => ({ handler: setKeyPolicy }),
  },
  // --- Cryptography (issue 12 item 2): its own block, src/api/crypto-operations.ts. ---
  ...cryptoOperations,
];

const byName = new Map(operations.map((op) => [op.name, op]));

export function findOperation(name: string): OperationSpec | undefined {
  return byName.get(name);
}
