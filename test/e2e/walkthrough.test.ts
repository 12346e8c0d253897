/**
 * The generic-secret rotation walkthrough of Alibaba Cloud's "rotate a generic secret" topic, run through
 * bin/kms-local.js command by command, then the secret hygiene the issue asks for: no byte of a
 * secret value under KMS_LOCAL_HOME, none in any error output.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_TIME, listFiles, makeHome, removeHome, runCli, runShell, serviceError, type CliResult } from '../support/cli.js';
import { expectOk as ok } from '../support/expect-cli.js';

const OAUTH_V1 = 'initial-oauth-app-secret-7f3a';
const OAUTH_V2 = 'sample-app-secret';
const DB_V0 = '{"uname": "alice", "pwd": "oldest-db-password-2b8d"}';
const DB_V1 = '{"uname": "alice", "pwd": "initial-db-password-9c1e"}';

let home: string;
let password: string;
let dbV2: string;
/** Everything every run printed, for the hygiene checks at the end. */
const runs: CliResult[] = [];

function kms(...args: string[]): CliResult {
  const result = runCli(['kms', ...args], { home });
  runs.push(result);
  return result;
}

function expectSecretValue(json: any, expected: { name: string; versionId: string; data: string; stages: string[] }): void {
  expect(Object.keys(json).sort()).toEqual(
    ['CreateTime', 'RequestId', 'SecretData', 'SecretDataType', 'SecretName', 'SecretType', 'VersionId', 'VersionStages'].sort(),
  );
  expect(json.SecretName).toBe(expected.name);
  expect(json.VersionId).toBe(expected.versionId);
  expect(json.SecretData).toBe(expected.data);
  expect(json.SecretDataType).toBe('text');
  expect(json.SecretType).toBe('Generic');
  expect(json.CreateTime).toMatch(SERVICE_TIME);
  expect([...json.VersionStages.VersionStage].sort()).toEqual([...expected.stages].sort());
}

beforeAll(() => {
  home = makeHome();
});

afterAll(() => removeHome(home));

describe('prerequisites: the initial versions are stored and marked ACSCurrent', () => {
  test('CreateSecret MyOAuthAppSecret and db_cred; db_cred gets a second version so that ACSPrevious exists', () => {
    const oauth = ok(kms('CreateSecret', '--SecretName', 'MyOAuthAppSecret', '--SecretData', OAUTH_V1, '--VersionId', 'v1'));
    expect(oauth.Arn).toMatch(/^acs:kms:cn-hangzhou:\d{16}:secret\/MyOAuthAppSecret$/);
    ok(kms('CreateSecret', '--SecretName', 'db_cred', '--SecretData', DB_V0, '--VersionId', 'v0'));
    ok(kms('PutSecretValue', '--SecretName', 'db_cred', '--SecretData', DB_V1, '--VersionId', 'v1'));
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret')), {
      name: 'MyOAuthAppSecret', versionId: 'v1', data: OAUTH_V1, stages: ['ACSCurrent'],
    });
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred')), { name: 'db_cred', versionId: 'v1', data: DB_V1, stages: ['ACSCurrent'] });
  });
});

describe('rotate a generic secret by calling a single API operation', () => {
  test('aliyun kms PutSecretValue --SecretName MyOAuthAppSecret --SecretData sample-app-secret --VersionId v2', () => {
    const result = kms('PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'sample-app-secret', '--VersionId', 'v2');
    ok(result);
    // Exactly the transcript of docs/reference/cli-transcripts.md, RequestId aside.
    expect(result.stdout).toBe(
      `{\n\t"RequestId": "${result.json.RequestId}",\n\t"SecretName": "MyOAuthAppSecret",\n\t"VersionId": "v2",\n` +
        '\t"VersionStages": {\n\t\t"VersionStage": [\n\t\t\t"ACSCurrent"\n\t\t]\n\t}\n}\n',
    );
  });

  test('GetSecretValue returns the new value, marked ACSCurrent', () => {
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret')), {
      name: 'MyOAuthAppSecret', versionId: 'v2', data: OAUTH_V2, stages: ['ACSCurrent'],
    });
  });

  test('the original version moved from ACSCurrent to ACSPrevious', () => {
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret', '--VersionStage', 'ACSPrevious')), {
      name: 'MyOAuthAppSecret', versionId: 'v1', data: OAUTH_V1, stages: ['ACSPrevious'],
    });
  });
});

describe('rotate a generic secret by calling multiple API operations', () => {
  test('1. aliyun kms GetRandomPassword --ExcludePunctuation true', () => {
    const json = ok(kms('GetRandomPassword', '--ExcludePunctuation', 'true'));
    expect(Object.keys(json).sort()).toEqual(['RandomPassword', 'RequestId']);
    expect(json.RandomPassword).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(json.RandomPassword).toMatch(/[a-z]/);
    expect(json.RandomPassword).toMatch(/[A-Z]/);
    expect(json.RandomPassword).toMatch(/[0-9]/);
    password = json.RandomPassword;
    dbV2 = `{"uname": "alice", "pwd": "${password}"}`;
  });

  test('2. PutSecretValue db_cred --VersionId v2 --VersionStages ["MyPendingLabel"]: ACSCurrent and ACSPrevious stay', () => {
    const json = ok(kms('PutSecretValue', '--SecretName', 'db_cred', '--SecretData', dbV2, '--VersionId', 'v2', '--VersionStages', '["MyPendingLabel"]'));
    expect(json).toEqual({ RequestId: json.RequestId, SecretName: 'db_cred', VersionId: 'v2', VersionStages: { VersionStage: ['MyPendingLabel'] } });
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred')), { name: 'db_cred', versionId: 'v1', data: DB_V1, stages: ['ACSCurrent'] });
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred', '--VersionStage', 'ACSPrevious')), {
      name: 'db_cred', versionId: 'v0', data: DB_V0, stages: ['ACSPrevious'],
    });
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred', '--VersionStage', 'MyPendingLabel')), {
      name: 'db_cred', versionId: 'v2', data: dbV2, stages: ['MyPendingLabel'],
    });
  });

  test('3. only v2 can be registered: it is readable by VersionId', () => {
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred', '--VersionId', 'v2')), {
      name: 'db_cred', versionId: 'v2', data: dbV2, stages: ['MyPendingLabel'],
    });
  });

  test('4. aliyun kms UpdateSecretVersionStage --SecretName db_cred --VersionStage ACSCurrent --MoveToVersion v2', () => {
    const json = ok(kms('UpdateSecretVersionStage', '--SecretName', 'db_cred', '--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v2'));
    expect(json).toEqual({ RequestId: json.RequestId, SecretName: 'db_cred' });
  });

  test('5. GetSecretValue returns the new username and password; the old version holds ACSPrevious', () => {
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred')), {
      name: 'db_cred', versionId: 'v2', data: dbV2, stages: ['ACSCurrent', 'MyPendingLabel'],
    });
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred', '--VersionStage', 'ACSPrevious')), {
      name: 'db_cred', versionId: 'v1', data: DB_V1, stages: ['ACSPrevious'],
    });
  });

  test('ListSecretVersionIds shows the stages after the rotation, newest first', () => {
    const listed = ok(kms('ListSecretVersionIds', '--SecretName', 'db_cred'));
    const view = (json: any) => json.VersionIds.VersionId.map((v: any) => [v.VersionId, [...v.VersionStages.VersionStage].sort()]);
    expect(view(listed)).toEqual([
      ['v2', ['ACSCurrent', 'MyPendingLabel']],
      ['v1', ['ACSPrevious']],
    ]);
    expect(listed.TotalCount).toBe(2);
    for (const v of listed.VersionIds.VersionId) expect(v.CreateTime).toMatch(SERVICE_TIME);
    const all = ok(kms('ListSecretVersionIds', '--SecretName', 'db_cred', '--IncludeDeprecated', 'true'));
    expect(view(all)).toEqual([
      ['v2', ['ACSCurrent', 'MyPendingLabel']],
      ['v1', ['ACSPrevious']],
      ['v0', []],
    ]);
  });
});

describe('the document\'s commands as written, run by bash with aliyun standing for kms-local', () => {
  let shellHome: string;
  beforeAll(() => {
    shellHome = makeHome();
  });
  afterAll(() => removeHome(shellHome));

  test('both flows, with the document\'s quoting', () => {
    // The document's line continuations, with the backslash its second line lacks put back.
    const script = [
      'set -e',
      'aliyun kms CreateSecret --SecretName MyOAuthAppSecret --SecretData first-oauth-secret --VersionId v1 > /dev/null',
      'aliyun kms CreateSecret --SecretName db_cred --SecretData \'{"uname": "alice", "pwd": "first"}\' --VersionId v1 > /dev/null',
      'aliyun kms PutSecretValue \\',
      '  --SecretName MyOAuthAppSecret \\',
      '  --SecretData sample-app-secret \\',
      '  --VersionId v2 > /dev/null',
      'aliyun kms GetSecretValue --SecretName MyOAuthAppSecret',
      'aliyun kms GetRandomPassword --ExcludePunctuation true > /dev/null',
      'aliyun kms PutSecretValue \\',
      '    --SecretName db_cred \\',
      '    --SecretData "{\\"uname\\": \\"alice\\", \\"pwd\\": \\"v2GwsgcuNylyYw9JGJNE5yBViGSiZ****\\"}" \\',
      '    --VersionId v2 \\',
      '    --VersionStages "[\\"MyPendingLabel\\"]" > /dev/null',
      'aliyun kms UpdateSecretVersionStage \\',
      '    --SecretName db_cred \\',
      '    --VersionStage ACSCurrent \\',
      '    --MoveToVersion v2 > /dev/null',
      'aliyun kms GetSecretValue --SecretName db_cred',
    ].join('\n');
    const result = runShell(script, { home: shellHome });
    runs.push(result);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const [oauth, db] = result.stdout.split(/(?<=^\}\n)/m).map((text) => JSON.parse(text));
    expect(oauth.SecretData).toBe('sample-app-secret');
    expect(oauth.VersionStages.VersionStage).toEqual(['ACSCurrent']);
    expect(db.SecretData).toBe('{"uname": "alice", "pwd": "v2GwsgcuNylyYw9JGJNE5yBViGSiZ****"}');
    expect(db.VersionId).toBe('v2');
    expect(db.VersionStages.VersionStage).toContain('ACSCurrent');
  });
});

describe('secret hygiene', () => {
  const values = (): string[] => [OAUTH_V1, OAUTH_V2, DB_V0, DB_V1, dbV2, password, 'v2GwsgcuNylyYw9JGJNE5yBViGSiZ****', 'first-oauth-secret'];

  test('errors on requests that carry a value never echo it', () => {
    const needle = 'needle-value-never-printed-31337';
    const attempts: string[][] = [
      // A different value under an existing VersionId.
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretData', needle, '--VersionId', 'v2'],
      // An unquoted value split into words.
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretData', needle, needle, '--VersionId', 'v9'],
      // Not base64 while binary.
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretData', `${needle}!`, '--SecretDataType', 'binary', '--VersionId', 'v9'],
      // Too long.
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretData', needle.repeat(1000), '--VersionId', 'v9'],
      // A secret that does not exist, a stage that does not exist, a malformed stage list.
      ['PutSecretValue', '--SecretName', 'no-such-secret', '--SecretData', needle, '--VersionId', 'v9'],
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretData', needle, '--VersionId', 'v9', '--VersionStages', '[bad'],
      ['CreateSecret', '--SecretName', 'db_cred', '--SecretData', needle, '--VersionId', 'v1'],
      ['CreateSecret', '--SecretName', 'bad name', '--SecretData', needle, '--VersionId', 'v1'],
      // A parameter typo next to the value, a duplicated value flag, a dry run.
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretDat', needle, '--VersionId', 'v9'],
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretData', needle, '--SecretData', needle, '--VersionId', 'v9'],
      ['PutSecretValue', '--SecretName', 'db_cred', '--SecretData', needle, '--VersionId', 'v9', '--dryrun'],
    ];
    for (const args of attempts) {
      const result = kms(...args);
      if (!args.includes('--dryrun')) expect(result.code).not.toBe(0);
      expect(result.stderr).not.toContain(needle);
      expect(result.stdout).not.toContain(needle);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    // None of them changed anything.
    expectSecretValue(ok(kms('GetSecretValue', '--SecretName', 'db_cred')), {
      name: 'db_cred', versionId: 'v2', data: dbV2, stages: ['ACSCurrent', 'MyPendingLabel'],
    });
  });

  test('grep -r finds no secret value under KMS_LOCAL_HOME', () => {
    expect(listFiles(home).length).toBeGreaterThan(2);
    for (const root of [home]) {
      for (const value of values()) {
        const grep = spawnSync('grep', ['-r', '-F', '-l', '-e', value, root], { encoding: 'utf8' });
        expect({ value, status: grep.status, found: grep.stdout }).toEqual({ value, status: 1, found: '' });
      }
    }
  });

  test('no value is in any file, as text or base64, nor in any stderr of the walkthrough', () => {
    const forms = values().flatMap((v) => [v, Buffer.from(v).toString('base64'), Buffer.from(v).toString('hex')]);
    for (const file of listFiles(home)) {
      const bytes = readFileSync(join(home, file));
      for (const form of forms) expect({ file, form, found: bytes.includes(form) }).toEqual({ file, form, found: false });
    }
    expect(runs.length).toBeGreaterThan(20);
    for (const run of runs) for (const value of values()) expect(run.stderr).not.toContain(value);
  });

  test('service errors carry the Aliyun block and no value', () => {
    const result = kms('GetSecretValue', '--SecretName', 'db_cred', '--VersionStage', 'NoSuchStage');
    expect(result.code).toBe(1);
    expect(serviceError(result.stderr)?.code).toBe('Forbidden.ResourceNotFound');
    for (const value of values()) expect(result.stderr).not.toContain(value);
  });
});
