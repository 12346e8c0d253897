/** Profile selection and masking, audit records and --since, and the completion scripts. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastChars, mosaic, readProfileFile, selectProfile } from '../../src/config/profile-read.js';
import { auditRecord } from '../../src/audit/audit-log.js';
import { parseSince } from '../../src/cli/builtin-audit.js';
import { bashScript, zshScript, type CompletionModel } from '../../src/cli/completion.js';
import { completionModel } from '../../src/cli/completion.js';
import { parseTime } from '../../src/core/time.js';
import { operations } from '../../src/api/operations.js';
import { builtinCommands } from '../../src/cli/builtins.js';
import { flagsOf } from '../../src/cli/builtin-dispatch.js';
import { CliError, ServiceError } from '../../src/errors/errors.js';

describe('masking, as aliyun MosaicString / GetLastChars', () => {
  test.each([
    ['LTAI5tAbCdEfGh', '***********fGh', 'fGh'],
    ['abcd', '*bcd', 'bcd'],
    ['abc', '***', '***'],
    ['', '', ''],
  ])('%p', (value, masked, last) => {
    expect(mosaic(value)).toBe(masked);
    expect(lastChars(value)).toBe(last);
  });
});

describe('selectProfile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-profile-'));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({ current: 'dev', profiles: [{ name: 'dev', region_id: 'cn-shanghai' }, { name: 'prod', region_id: 'eu-central-1' }] }),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--profile > ALIBABA_CLOUD_PROFILE > current', () => {
    expect(selectProfile(path, 'prod', { ALIBABA_CLOUD_PROFILE: 'dev' }, true)?.region_id).toBe('eu-central-1');
    expect(selectProfile(path, undefined, { ALIBABA_CLOUD_PROFILE: 'prod' }, true)?.region_id).toBe('eu-central-1');
    expect(selectProfile(path, undefined, {}, true)?.region_id).toBe('cn-shanghai');
  });

  test('the file is not read when no profile is named and none is needed', () => {
    expect(selectProfile(join(dir, 'missing', 'config.json'), undefined, {}, false)).toBeUndefined();
    expect(selectProfile(path, undefined, {}, false)).toBeUndefined();
  });

  test('a named profile that does not exist is an error with a tip (exit 3)', () => {
    let err: unknown;
    try {
      selectProfile(path, 'nope', {}, false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toBe('unknown profile nope, run configure to check');
    expect((err as CliError).kind).toBe('withTip');
  });

  test('no file: no profile, defaults apply; a broken file is a configuration error', () => {
    expect(readProfileFile(join(dir, 'none.json'))).toEqual({ current: '', profiles: [] });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    expect(() => readProfileFile(broken)).toThrow(/load configuration failed/);
  });
});

describe('auditRecord', () => {
  const base = { time: '2026-01-01T00:00:00Z', operation: 'PutSecretValue', requestId: 'r-1' };

  test('names and ids only: the secret value given as a parameter is not in the record', () => {
    const record = auditRecord({ ...base, params: { SecretName: 'db', VersionId: 'v2', SecretData: 'hunter2-value' }, response: { SecretName: 'db', VersionId: 'v2' } });
    expect(record).toEqual({ ...base, secretName: 'db', versionId: 'v2', outcome: 'success', errorCode: null });
    expect(JSON.stringify(record)).not.toContain('hunter2');
  });

  test('errors carry the Aliyun code; an ARN is recorded as the name', () => {
    const record = auditRecord({
      ...base,
      params: { SecretName: 'acs:kms:cn-hangzhou:1234567890123456:secret/db', MoveToVersion: 'v3' },
      error: new ServiceError('Forbidden.ResourceNotFound'),
    });
    expect(record).toMatchObject({ secretName: 'db', versionId: 'v3', outcome: 'error', errorCode: 'Forbidden.ResourceNotFound' });
    expect(auditRecord({ ...base, params: {}, error: new Error('bug') })).toMatchObject({ secretName: null, versionId: null, errorCode: 'InternalFailure' });
  });
});

describe('parseSince', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  test.each([
    ['30m', '2026-06-01T11:30:00.000Z'],
    ['24h', '2026-05-31T12:00:00.000Z'],
    ['7d', '2026-05-25T12:00:00.000Z'],
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
  ])('%s', (since, at) => {
    expect(new Date(parseSince(since, now, parseTime)).toISOString()).toBe(at);
  });
  test('anything else is refused', () => {
    expect(() => parseSince('yesterday', now, parseTime)).toThrow(CliError);
  });
});

describe('completion scripts', () => {
  const model: CompletionModel = {
    operations: new Map([['GetSecretValue', ['--SecretName', '--VersionId']]]),
    commands: new Map([
      ['completion', { words: ['bash', 'zsh'], flags: ['--help'], subcommands: new Map() }],
      ['target', { words: ['add', 'list'], flags: ['--help'], subcommands: new Map([['add', { words: [], flags: ['--Host', '--help'] }]]) }],
    ]),
    globals: ['--region', '--quiet'],
    switches: ['--quiet', '-q'],
  };

  test('bash: one case per operation with its flags, one per sub-command, registered for kms-local and the aliyun shim', () => {
    const script = bashScript(model);
    expect(script).toContain('GetSecretValue) candidates="--SecretName --VersionId $globals" ;;');
    expect(script).toContain('local operations="GetSecretValue"');
    expect(script).toContain('completion) if [[ -z "$sub" ]]; then candidates="bash zsh --help"; else candidates="--help"; fi ;;');
    expect(script).toContain('            "") candidates="add list --help" ;;\n            add) candidates="--Host --help" ;;');
    expect(script).toMatch(/complete -o default -F _kms_local_complete kms-local aliyun\n$/);
  });

  test('zsh: compdef header for kms-local and aliyun, and the same lists', () => {
    const script = zshScript(model);
    expect(script.startsWith('#compdef kms-local aliyun\n')).toBe(true);
    expect(script).toContain('GetSecretValue) candidates=(--SecretName --VersionId $globals) ;;');
    expect(script).toContain('        add) candidates=(--Host --help) ;;');
    expect(script).toContain('compdef _kms_local kms-local aliyun');
  });

  test('the model is the operation table: every operation and every parameter', () => {
    const built = completionModel();
    expect([...built.operations.keys()]).toEqual(operations.map((op) => op.name));
    for (const op of operations) {
      for (const p of op.params.filter((q) => !q.fromRegion)) {
        expect(built.operations.get(op.name)!.some((flag) => flag === `--${p.name}` || flag.startsWith(`--${p.name}.`))).toBe(true);
      }
    }
    expect(built.globals).toEqual(expect.arrayContaining(['--region', '--profile', '--cli-query', '--output', '--pager', '--quiet']));
  });

  test("the built-ins' table: every command, sub-command and flag, and each switch", () => {
    const built = completionModel();
    expect([...built.commands.keys()]).toEqual(builtinCommands.map((c) => c.name));
    for (const command of builtinCommands) {
      const words = built.commands.get(command.name)!;
      expect(words.flags).toEqual(expect.arrayContaining([...flagsOf(command).map((f) => `--${f.name}`), '--help']));
      for (const sub of command.subcommands ?? []) {
        expect(words.words).toContain(sub.name);
        expect(words.subcommands.get(sub.name)!.flags).toEqual(expect.arrayContaining([...flagsOf(sub).map((f) => `--${f.name}`), '--help']));
      }
      for (const arg of command.args ?? []) for (const value of arg.values ?? []) expect(words.words).toContain(value);
    }
    expect(built.switches).toEqual(expect.arrayContaining(['--dry-run', '--force', '--quiet', '-q', '--help', '-h']));
  });
});
