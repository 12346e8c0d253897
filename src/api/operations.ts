/**
 * The operation table: the one source of truth for operation names, parameters, limits, help,
 * suggestions and validation. The CLI parser, the help pages, the shell completion and the
 * validators are all read from here. Handlers are imported only when their operation runs.
 */
import type { Handler } from './context.js';
import type { ParamSpec } from './params.js';
import { parseJsonObject, parsePolicy, parseTags, parseVersionStages, STAGE_PATTERN } from './json-params.js';

export interface OperationSpec {
  name: string;
  summary: string;
  params: readonly ParamSpec[];
  /** Whether the operation changes the store (it is then audited and locked). */
  mutates: boolean;
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
      { name: 'SecretType', type: 'String', help: 'Generic (default).', rule: { kind: 'enum', values: ['Generic', 'Rds', 'Redis', 'RAMCredentials', 'ECS', 'PolarDB'] } },
      { name: 'Description', type: 'String', help: 'A description, up to 1024 characters.', rule: { kind: 'text', min: 0, max: 1024 } },
      { name: 'EncryptionKeyId', type: 'String', help: "The key that protects the secret; only the local master key's id is accepted.", rule: { kind: 'text', max: 128 } },
      { name: 'DKMSInstanceId', type: 'String', help: 'A KMS instance id; recorded and returned as given.', rule: { kind: 'text', max: 128 } },
      { name: 'Tags', type: 'String', help: 'JSON array of {"TagKey","TagValue"}, at most 20.', rule: { kind: 'json', parse: parseTags } },
      { name: 'ExtendedConfig', type: 'String', help: 'JSON object; ignored for Generic secrets.', rule: { kind: 'json', parse: parseJsonObject } },
      { name: 'EnableAutomaticRotation', type: 'Boolean', help: 'true or false; Generic secrets are rotated with PutSecretValue instead.', rule: { kind: 'bool' } },
      { name: 'RotationInterval', type: 'String', help: 'Rotation period such as 30d, 12h or 604800s.', rule: { kind: 'text', max: 16, pattern: /^\d{1,9}[dhms]?$/, patternHelp: 'is a number with a unit d, h, m or s, such as 30d' } },
      { name: 'Policy', type: 'String', help: 'The secret policy, a JSON policy document.', rule: { kind: 'json', parse: parsePolicy } },
    ],
    load: () => import('./handlers/create-secret.js'),
  },
  {
    name: 'GetSecretValue',
    summary: 'Reads a version of a secret (ACSCurrent unless a stage or version is named).',
    mutates: false,
    params: [
      secretName,
      stage('VersionStage', 'The stage to read; ACSCurrent by default.'),
      versionId('The version to read.', false),
      { name: 'FetchExtendedConfig', type: 'Boolean', help: 'true to return ExtendedConfig (dynamic secrets).', rule: { kind: 'bool' } },
      boolString('DryRun', 'true to check the request without reading the value: it then fails with DryRunOperationError.'),
    ],
    load: () => import('./handlers/get-secret-value.js'),
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
    load: () => import('./handlers/put-secret-value.js'),
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
    load: () => import('./handlers/update-secret-version-stage.js'),
  },
  {
    name: 'ListSecretVersionIds',
    summary: 'Lists the versions of a secret, newest first.',
    mutates: false,
    params: [
      secretName,
      boolString('IncludeDeprecated', 'true to list versions that hold no stage too.'),
      page('PageNumber', 'The page to return, from 1.', 2_147_483_647),
      page('PageSize', 'Versions per page, 1 to 100; 20 by default.', 100),
    ],
    load: () => import('./handlers/list-secret-version-ids.js'),
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
    load: () => import('./handlers/get-random-password.js'),
  },
];

const byName = new Map(operations.map((op) => [op.name, op]));

export function findOperation(name: string): OperationSpec | undefined {
  return byName.get(name);
}
