/**
 * The invocation layer and output of bin/kms-local.js (docs/design.md §1, §2): output format, the error
 * shapes of docs/reference/cli-transcripts.md with their exit codes, --<Param>-FILE, help, version,
 * KMS_LOCAL_NOW, regions and ARNs.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { operations } from '../../src/api/operations.js';
import { builtinCommands } from '../../src/cli/builtins.js';
import { REPO_ROOT, SERVICE_TIME, UUID_V4, aliyunJson, hashTree, makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';

let home: string;
const kms = (args: string[], extra: { env?: Record<string, string>; input?: string } = {}): CliResult =>
  runCli(['kms', ...args], { home, ...extra });
const NO_STACK = /\n\s+at |node:internal|\.js:\d+/;

beforeAll(() => {
  home = makeHome();
  const created = kms(['CreateSecret', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'first-value', '--VersionId', 'v1']);
  expect(created.code).toBe(0);
});

afterAll(() => removeHome(home));

describe('success output', () => {
  test('PutSecretValue prints the transcript exactly: sorted keys, TABs, list wrapping, one trailing newline', () => {
    const result = kms(['PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'sample-app-secret', '--VersionId', 'v2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const requestId = /"RequestId": "([^"]+)"/.exec(result.stdout)?.[1];
    expect(requestId).toMatch(UUID_V4);
    expect(result.stdout).toBe(
      [
        '{',
        `\t"RequestId": "${requestId}",`,
        '\t"SecretName": "MyOAuthAppSecret",',
        '\t"VersionId": "v2",',
        '\t"VersionStages": {',
        '\t\t"VersionStage": [',
        '\t\t\t"ACSCurrent"',
        '\t\t]',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  test.each([
    ['GetSecretValue', ['GetSecretValue', '--SecretName', 'MyOAuthAppSecret']],
    ['ListSecretVersionIds', ['ListSecretVersionIds', '--SecretName', 'MyOAuthAppSecret', '--IncludeDeprecated', 'true']],
    ['GetRandomPassword', ['GetRandomPassword']],
    ['UpdateSecretVersionStage', ['UpdateSecretVersionStage', '--SecretName', 'MyOAuthAppSecret', '--VersionStage', 'Blue', '--MoveToVersion', 'v1']],
    ['CreateSecret', ['CreateSecret', '--SecretName', 'format/check', '--SecretData', 'x', '--VersionId', 'v1', '--Tags', '[{"TagKey":"b","TagValue":"2"},{"TagKey":"a","TagValue":"1"}]']],
  ])('%s output is the aliyun rendering of its JSON, with a UUID v4 RequestId and service dates', (_name, args) => {
    const result = kms(args);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(aliyunJson(result.json));
    expect(result.stdout).not.toMatch(/^ +"/m);
    expect(result.json.RequestId).toMatch(UUID_V4);
    const dates: string[] = [];
    JSON.stringify(result.json, (key, value) => {
      if (/Time$|Date$/.test(key)) dates.push(value);
      return value;
    });
    for (const date of dates) expect(date).toMatch(SERVICE_TIME);
  });

  test('ListSecretVersionIds wraps lists the Aliyun way', () => {
    const json = kms(['ListSecretVersionIds', '--SecretName', 'MyOAuthAppSecret']).json;
    expect(Object.keys(json).sort()).toEqual(['PageNumber', 'PageSize', 'RequestId', 'SecretName', 'TotalCount', 'VersionIds']);
    expect(json.PageNumber).toBe(1);
    expect(json.PageSize).toBe(20);
    expect(Array.isArray(json.VersionIds.VersionId)).toBe(true);
    for (const v of json.VersionIds.VersionId) {
      expect(Object.keys(v).sort()).toEqual(['CreateTime', 'VersionId', 'VersionStages']);
      expect(Array.isArray(v.VersionStages.VersionStage)).toBe(true);
    }
  });

  test('every response has its own RequestId', () => {
    const ids = Array.from({ length: 5 }, () => kms(['GetRandomPassword']).json.RequestId);
    expect(new Set(ids).size).toBe(5);
  });

  test('the product word kms is optional and case-insensitive', () => {
    for (const argv of [['GetSecretValue'], ['kms', 'GetSecretValue'], ['KMS', 'GetSecretValue'], ['Kms', 'GetSecretValue']]) {
      const result = runCli([...argv, '--SecretName', 'MyOAuthAppSecret'], { home });
      expect(result.code).toBe(0);
      expect(result.json.SecretData).toBe('sample-app-secret');
    }
  });

  test('--Param=value and --Param:value work like --Param value', () => {
    const a = kms(['GetSecretValue', '--SecretName=MyOAuthAppSecret', '--VersionStage:ACSPrevious']);
    expect(a.code).toBe(0);
    expect(a.json.SecretData).toBe('first-value');
  });

  test('--quiet prints nothing on success', () => {
    const result = kms(['GetRandomPassword', '--quiet']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('error shapes and exit codes (docs/reference/cli-transcripts.md)', () => {
  test('a service error: the SDK.ServerError block on stderr, nothing on stdout, exit 1', () => {
    const result = kms(['GetSecretValue', '--SecretName', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const err = serviceError(result.stderr);
    expect(err).toBeDefined();
    expect(err!.code).toBe('Forbidden.ResourceNotFound');
    expect(err!.requestId).toMatch(UUID_V4);
    expect(err!.message).toMatch(/^The resource is not found/);
  });

  test('an unknown parameter: exit 2, the error on stderr, "Did you mean" on stdout', () => {
    const result = kms(['GetSecretValue', '--SecretNam', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("ERROR: '--SecretNam' is not a valid parameter or flag. See `kms-local help kms GetSecretValue`.\n");
    expect(result.stdout).toBe('\nDid you mean:\n  --SecretName\n');
  });

  test('a parameter name in the wrong case is unknown (names are exact), and suggested', () => {
    const result = kms(['GetSecretValue', '--secretname', 'MyOAuthAppSecret']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('--SecretName');
  });

  test('required parameters missing: exit 3, one line each, and the tip', () => {
    const result = kms(['PutSecretValue', '--SecretName', 'x']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'ERROR: required parameters not assigned: \n  --SecretData\n  --VersionId\n\nuse `kms-local kms PutSecretValue --help` to get more information\n',
    );
  });

  test('an unknown operation: exit 2 with suggestions', () => {
    const result = kms(['GetSecretValues', '--SecretName', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("ERROR: 'GetSecretValues' is not a valid api. See `kms-local help kms`.\n");
    expect(result.stdout).toBe('\nDid you mean:\n  GetSecretValue\n');
  });

  test('an unknown lowercase command: exit 2', () => {
    const result = runCli(['versoin'], { home });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('version');
  });

  test('the same flag twice: exit 1', () => {
    const result = kms(['GetSecretValue', '--SecretName', 'a', '--SecretName', 'b']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'ERROR: parse failed flag duplicated --SecretName\n' });
  });

  test('a bare -- is refused: exit 1', () => {
    const result = kms(['GetSecretValue', '--SecretName', 'a', '--']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: "ERROR: not support '--' in command line\n" });
  });

  test('no error output carries a stack trace', () => {
    const results = [
      kms(['GetSecretValue', '--SecretName', 'nope']),
      kms(['GetSecretValue', '--SecretNam', 'x']),
      kms(['PutSecretValue']),
      kms(['GetSecretValue', '--SecretName', 'a', '--SecretName', 'b']),
      kms(['PutSecretValue', '--SecretName', 'x', '--VersionId', 'v', '--SecretData-FILE', '/nonexistent/file']),
      kms(['CreateSecret', '--SecretName', 'k', '--SecretData', 'x', '--VersionId', 'v1'], { env: { KMS_LOCAL_MASTER_KEY: 'bad' } }),
      kms(['CreateSecret', '--SecretName', 'k', '--SecretData', 'x', '--VersionId', 'v1'], { env: { KMS_LOCAL_MASTER_KEY_FILE: '/nonexistent/key' } }),
      kms(['GetSecretValue', '--SecretName', 'MyOAuthAppSecret'], { env: { KMS_LOCAL_MASTER_KEY: 'bad' } }),
    ];
    for (const result of results) {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/^ERROR: /);
      expect(result.stderr).not.toMatch(NO_STACK);
    }
  });

  test('an unexpected failure prints one line and exits 1; KMS_LOCAL_DEBUG=1 shows the stack', () => {
    const local = makeHome();
    try {
      // (A file where the store folder belongs is refused up front as an unsafe home: a region folder instead.)
      mkdirSync(join(local, 'store'), { mode: 0o700 });
      writeFileSync(join(local, 'store', 'cn-hangzhou'), 'a file where the region folder belongs');
      const args = ['CreateSecret', '--SecretName', 'a', '--SecretData', 'bug-report-value-8812', '--VersionId', 'v1'];
      const plain = runCli(args, { home: local });
      expect(plain.code).toBe(1);
      expect(plain.stdout).toBe('');
      expect(plain.stderr).toMatch(/^ERROR: internal error: [^\n]+\n\(set KMS_LOCAL_DEBUG=1 to see the stack\)\n$/);
      expect(plain.stderr).not.toContain('bug-report-value-8812');
      const debug = runCli(args, { home: local, env: { KMS_LOCAL_DEBUG: '1' } });
      expect(debug.code).toBe(1);
      expect(debug.stderr).toMatch(/^ERROR: internal error: /);
      expect(debug.stderr).toMatch(/\n\s+at /);
      expect(debug.stderr).not.toContain('bug-report-value-8812');
    } finally {
      removeHome(local);
    }
  });

  test('errors are not coloured when stderr is not a terminal', () => {
    for (const result of [kms(['GetSecretValue', '--SecretName', 'nope']), kms(['PutSecretValue', '--SecretName', 'x']), kms(['GetSecretValue', '--SecretNam', 'x'])]) {
      expect(result.stderr).not.toContain('\u001b[');
      expect(result.stdout).not.toContain('\u001b[');
    }
  });

  test('a wrong master key: exit 1 with a clear error, no value, no stack', () => {
    const result = kms(['GetSecretValue', '--SecretName', 'MyOAuthAppSecret'], { env: { KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') } });
    expect(result.code).toBe(1);
    const err = serviceError(result.stderr);
    expect(err?.code).toBe('Rejected.IntegrityCheckFailed');
    expect(err?.message).toContain('MyOAuthAppSecret');
    expect(err?.message).toContain('KMS_LOCAL_MASTER_KEY');
    expect(result.stderr).not.toContain('sample-app-secret');
  });
});

describe('tampering, seen from the command line', () => {
  test('a flipped byte -> exit 1, Rejected.IntegrityCheckFailed naming the secret, no value anywhere', () => {
    const local = makeHome();
    try {
      const value = 'tamper-detect-me-5521';
      expect(runCli(['CreateSecret', '--SecretName', 'tampered', '--SecretData', value, '--VersionId', 'v1'], { home: local }).code).toBe(0);
      const file = join(local, 'store', 'cn-hangzhou', 'tampered.json');
      const bytes = readFileSync(file);
      const at = bytes.indexOf('"ciphertext": "') + 25;
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(file, bytes);
      for (const args of [['GetSecretValue', '--SecretName', 'tampered'], ['PutSecretValue', '--SecretName', 'tampered', '--SecretData', 'x', '--VersionId', 'v2']]) {
        const result = runCli(args, { home: local });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        const err = serviceError(result.stderr);
        expect(err?.code).toBe('Rejected.IntegrityCheckFailed');
        expect(err?.message).toContain("'tampered'");
        expect(result.stderr).not.toContain(value);
      }
      // The tampered file was left for inspection, not overwritten.
      expect(readFileSync(file).equals(bytes)).toBe(true);
    } finally {
      removeHome(local);
    }
  });
});

describe('--<Param>-FILE', () => {
  test('reads the value from a file, byte for byte (newlines kept)', () => {
    const path = join(home, '..', `kms-local-test-value-${process.pid}.json`);
    const value = '{\n  "uname": "alice",\n  "pwd": "from-a-file"\n}\n';
    writeFileSync(path, value);
    try {
      expect(kms(['PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData-FILE', path, '--VersionId', 'from-file']).code).toBe(0);
      expect(kms(['GetSecretValue', '--SecretName', 'MyOAuthAppSecret']).json.SecretData).toBe(value);
    } finally {
      removeHome(path);
    }
  });

  test.each([
    ['--SecretData-FILE -', ['--SecretData-FILE', '-']],
    ['--SecretData-FILE=-', ['--SecretData-FILE=-']],
  ])('%s reads the value from stdin', (_name, flag) => {
    const value = `from stdin ${flag.join('')} ✓`;
    const versionId = `stdin-${flag.length}`;
    const put = kms(['PutSecretValue', '--SecretName', 'MyOAuthAppSecret', ...flag, '--VersionId', versionId], { input: value });
    expect(put.code).toBe(0);
    const got = kms(['GetSecretValue', '--SecretName', 'MyOAuthAppSecret', '--VersionId', versionId]);
    expect(got.json.SecretData).toBe(value);
  });

  test('a missing file: exit 1, a one-line error, nothing stored', () => {
    const before = hashTree(join(home, 'store'));
    const result = kms(['PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData-FILE', '/nonexistent/value', '--VersionId', 'nofile']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("ERROR: failed to read --SecretData-FILE '/nonexistent/value': ENOENT\n");
    expect(hashTree(join(home, 'store'))).toBe(before);
  });

  test('an empty file is an empty value: InvalidParameter', () => {
    const result = kms(['PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData-FILE', '/dev/null', '--VersionId', 'empty']);
    expect(result.code).toBe(1);
    expect(serviceError(result.stderr)?.code).toBe('InvalidParameter');
  });

  test('-FILE works for any parameter, such as VersionStages', () => {
    const put = kms(['PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'staged', '--VersionId', 'staged', '--VersionStages-FILE', '-'], {
      input: '["FromFile"]',
    });
    expect(put.code).toBe(0);
    expect(put.json.VersionStages.VersionStage).toEqual(['FromFile']);
  });
});

describe('a first word that is neither kms, a command nor an operation', () => {
  test.each([
    ['getsecretvalue', 'GetSecretValue'],
    ['ecs', 'kms'],
    ['rekye', 'rekey'],
  ])('%s: exit 2, suggestion %s on stdout', (word, suggestion) => {
    const result = runCli([word], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ERROR: '${word}' is not a valid command or product. See \`kms-local help\`.\n`);
    expect(result.stdout).toContain(`Did you mean:\n  ${suggestion}\n`);
  });
});

describe('help and version', () => {
  test('kms-local help lists every operation of the table and the built-in commands', () => {
    const result = runCli(['help'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const op of operations) expect(result.stdout).toMatch(new RegExp(`^  ${op.name} +${op.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const command of builtinCommands) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command.name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
  });

  test('kms-local with no arguments, and kms-local kms, print the same help', () => {
    const help = runCli(['help'], { home }).stdout;
    expect(runCli([], { home })).toMatchObject({ code: 0, stdout: help });
    expect(runCli(['kms'], { home })).toMatchObject({ code: 0, stdout: help });
  });

  test.each(operations.slice(0, 6).map((op) => [op.name, op] as const))(
    'help kms %s lists each parameter with its type, Required/Optional and help; <Operation> --help prints the same',
    (name, op) => {
      const help = runCli(['help', 'kms', name], { home });
      expect(help.code).toBe(0);
      for (const param of op.params) {
        const line = help.stdout.split('\n').find((l) => l.trim().startsWith(`--${param.name} `));
        expect(line).toBeDefined();
        expect(line).toContain(param.type);
        expect(line).toContain(param.required ? 'Required' : 'Optional');
        expect(line).toContain(param.help.slice(0, 30));
      }
      expect(runCli(['kms', name, '--help'], { home })).toMatchObject({ code: 0, stdout: help.stdout });
      expect(runCli(['help', name], { home })).toMatchObject({ code: 0, stdout: help.stdout });
    },
  );

  test('help of an unknown operation: exit 2 with suggestions', () => {
    const result = runCli(['help', 'kms', 'PutSecretValu'], { home });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('PutSecretValue');
  });

  test('kms-local version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(runCli(['version'], { home })).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('KMS_LOCAL_NOW', () => {
  test.each([
    ['2026-11-22T12:00:00Z', '2026-11-22T12:00:00Z'],
    ['2026-11-22T20:00:00+08:00', '2026-11-22T12:00:00Z'],
    ['2026-11-22T12:00:00.999Z', '2026-11-22T12:00:00Z'],
    ['2030-02-28T23:59:59-05:00', '2030-03-01T04:59:59Z'],
  ])('KMS_LOCAL_NOW=%s sets CreateTime %s', (now, expected) => {
    const name = `clock-${now.replace(/[^0-9]/g, '')}`;
    expect(kms(['CreateSecret', '--SecretName', name, '--SecretData', 'x', '--VersionId', 'v1'], { env: { KMS_LOCAL_NOW: now } }).code).toBe(0);
    expect(kms(['GetSecretValue', '--SecretName', name]).json.CreateTime).toBe(expected);
    const listed = kms(['ListSecretVersionIds', '--SecretName', name]).json;
    expect(listed.VersionIds.VersionId[0].CreateTime).toBe(expected);
  });

  test('without KMS_LOCAL_NOW the clock is the real one', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    expect(kms(['CreateSecret', '--SecretName', 'clock-real', '--SecretData', 'x', '--VersionId', 'v1']).code).toBe(0);
    const created = Date.parse(kms(['GetSecretValue', '--SecretName', 'clock-real']).json.CreateTime);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Date.now());
  });

  test.each(['tomorrow', '2026-13-01T00:00:00Z', '2026-11-22', '1700000000'])('an invalid KMS_LOCAL_NOW (%s): exit 1, clear error, nothing stored', (now) => {
    const before = hashTree(join(home, 'store'));
    const result = kms(['CreateSecret', '--SecretName', 'clock-bad', '--SecretData', 'x', '--VersionId', 'v1'], { env: { KMS_LOCAL_NOW: now } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('KMS_LOCAL_NOW');
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(hashTree(join(home, 'store'))).toBe(before);
  });
});

describe('regions, ARNs and binary values', () => {
  test('each region is its own namespace (--region, --RegionId, ALIBABA_CLOUD_REGION_ID)', () => {
    expect(kms(['CreateSecret', '--SecretName', 'regional', '--SecretData', 'in-shanghai', '--VersionId', 'v1', '--region', 'cn-shanghai']).code).toBe(0);
    expect(serviceError(kms(['GetSecretValue', '--SecretName', 'regional']).stderr)?.code).toBe('Forbidden.ResourceNotFound');
    expect(kms(['GetSecretValue', '--SecretName', 'regional', '--region', 'cn-shanghai']).json.SecretData).toBe('in-shanghai');
    expect(kms(['GetSecretValue', '--SecretName', 'regional', '--RegionId', 'cn-shanghai']).json.SecretData).toBe('in-shanghai');
    expect(kms(['GetSecretValue', '--SecretName', 'regional'], { env: { ALIBABA_CLOUD_REGION_ID: 'cn-shanghai' } }).json.SecretData).toBe('in-shanghai');
  });

  test('CreateSecret returns the ARN, and the ARN is accepted wherever a SecretName is', () => {
    const created = kms(['CreateSecret', '--SecretName', 'arn/secret', '--SecretData', 'by-arn', '--VersionId', 'v1']).json;
    expect(created.Arn).toMatch(/^acs:kms:cn-hangzhou:\d{16}:secret\/arn\/secret$/);
    expect(kms(['GetSecretValue', '--SecretName', created.Arn]).json.SecretData).toBe('by-arn');
    expect(kms(['PutSecretValue', '--SecretName', created.Arn, '--SecretData', 'by-arn-2', '--VersionId', 'v2']).json.SecretName).toBe('arn/secret');
    expect(kms(['ListSecretVersionIds', '--SecretName', created.Arn]).json.TotalCount).toBe(2);
    expect(kms(['UpdateSecretVersionStage', '--SecretName', created.Arn, '--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v1']).code).toBe(0);
    expect(kms(['GetSecretValue', '--SecretName', 'arn/secret']).json.SecretData).toBe('by-arn');
    // The account id is stable: the same ARN on every call.
    expect(kms(['CreateSecret', '--SecretName', 'arn/other', '--SecretData', 'x', '--VersionId', 'v1']).json.Arn.split(':')[3]).toBe(created.Arn.split(':')[3]);
  });

  test('binary values are base64 text in and out', () => {
    const data = Buffer.from([0, 1, 2, 250, 255]).toString('base64');
    expect(kms(['CreateSecret', '--SecretName', 'binary', '--SecretData', data, '--SecretDataType', 'binary', '--VersionId', 'v1']).code).toBe(0);
    const got = kms(['GetSecretValue', '--SecretName', 'binary']).json;
    expect(got.SecretData).toBe(data);
    expect(got.SecretDataType).toBe('binary');
  });

  test('retrying PutSecretValue with the same VersionId and data succeeds and changes no byte', () => {
    const args = ['PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'retry-me', '--VersionId', 'retry'];
    expect(kms(args).code).toBe(0);
    const before = hashTree(join(home, 'store'));
    const again = kms(args);
    expect(again.code).toBe(0);
    expect(again.json.VersionId).toBe('retry');
    expect(hashTree(join(home, 'store'))).toBe(before);
  });
});

describe('parameter forms the SDKs use, on the command line too', () => {
  test('booleans in any case: --IncludeDeprecated True, --FetchTags TRUE', () => {
    const home = makeHome();
    try {
      const run = (args: string[]): CliResult => runCli(['kms', ...args], { home });
      expect(run(['CreateSecret', '--SecretName', 'bools', '--SecretData', 'x', '--VersionId', 'v1']).code).toBe(0);
      const listed = run(['ListSecretVersionIds', '--SecretName', 'bools', '--IncludeDeprecated', 'True']);
      expect(listed.code).toBe(0);
      expect(listed.json.TotalCount).toBe(1);
      expect(run(['DescribeSecret', '--SecretName', 'bools', '--FetchTags', 'TRUE']).json.Tags).toEqual({ Tag: [] });
    } finally {
      removeHome(home);
    }
  });
});
