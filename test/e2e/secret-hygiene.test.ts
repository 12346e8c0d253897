/**
 * Secret hygiene (issue 5 item 7), from the outside. A workload under umask 000 touches every
 * operation of the table and every built-in command kms-local has for a store (configure, target,
 * audit, completion, rotate-due, rekey, run), with distinctive values ("needles"), including
 * refused calls that carry a value (a conflicting version, an oversize value, a value that is not
 * base64, a misspelled or duplicated --SecretData, a stray half of an unquoted value), help pages
 * and dry runs. Then:
 *   - no needle, in any encoding kms-local could use (text, base64, hex, UTF-16), is in any file
 *     under KMS_LOCAL_HOME: secret files, audit.log, the metadata index, locks, profiles, targets,
 *     keys (the access key secret belongs in the profile file, as aliyun keeps it, and nowhere else);
 *   - no needle is in any output but the ones that return it (GetSecretValue, GetRandomPassword,
 *     the environment `run` hands its command): not in errors, help, dry runs or the audit command;
 *   - every folder kms-local made is 0700 and every file 0600, whatever the umask;
 *   - a changed byte anywhere in a secret file, or a wrong master key, gives
 *     Rejected.IntegrityCheckFailed naming the secret, and prints no value.
 * (test/store/tamper.test.ts changes every byte in-process; this flips a spread of them via the CLI.)
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { makeHome, removeHome, runCli, runCliAsync, serviceError, type CliResult } from '../support/cli.js';
import { mapLimit } from '../support/workload.js';

const RUN = randomBytes(6).toString('hex');
const needle = (label: string): string => `ndl${RUN}${label}`;

/** Every value that must not leak, by what it is. */
const N = {
  created: needle('created'),
  put: needle('put'),
  binary: needle('binary'),
  staged: needle('staged'),
  deleted: needle('deleted'),
  forced: needle('forced'),
  dynamic: needle('dynamic'),
  rotated: needle('rotated'),
  conflict: needle('conflict'),
  oversize: needle('oversize'),
  notBase64: needle('notbase64'),
  misspelled: needle('misspelled'),
  duplicated: needle('duplicated'),
  stray: needle('stray'),
  badName: needle('badname'),
  help: needle('help'),
  dryInline: needle('dryinline'),
  dryFile: needle('dryfile'),
  dryStdin: needle('drystdin'),
  dryRotate: needle('dryrotate'),
  fromFile: needle('fromfile'),
  keySealed: needle('keysealed'),
  accessKeySecret: needle('aksecret'),
  encrypted: needle('encrypted'),
  encryptedContext: needle('encctx'),
  asymmetric: needle('asym'),
  oversizeEncrypt: needle('bigencrypt'),
  dryEncrypt: needle('dryencrypt'),
};

/** The forms a value could take on disk or on screen. */
function encodings(value: string): Buffer[] {
  const bytes = Buffer.from(value, 'utf8');
  return [bytes, Buffer.from(bytes.toString('base64')), Buffer.from(bytes.toString('base64url')), Buffer.from(bytes.toString('hex')), Buffer.from(value, 'utf16le')];
}

/** Which needles (by label) `data` holds in any of their encodings. */
function leaks(data: Buffer | string, values: readonly string[]): string[] {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return values.filter((v) => encodings(v).some((e) => buffer.includes(e)));
}

interface Call {
  args: string[];
  result: CliResult;
  /** This call's output is where a value is meant to be (GetSecretValue, GetRandomPassword, run). */
  returnsValues?: boolean;
}

let parent: string;
let home: string;
let passwords: string[] = [];
/** The data keys GenerateDataKey returned (base64): never stored, raw or encoded. */
const dataKeys: string[] = [];
const calls: Call[] = [];
const previousUmask = process.umask(0o000);

function call(args: string[], opts: { env?: Record<string, string>; input?: string; returnsValues?: boolean } = {}): CliResult {
  const result = runCli(args, { home, env: opts.env, input: opts.input });
  calls.push({ args, result, returnsValues: opts.returnsValues });
  return result;
}

/** The one line the call that makes the home's master key prints on stderr. */
let keyNotices = 0;
const keyNotice = (): string => `kms-local: made a new master key in ${join(home, 'master.key')}; back it up: without it nothing in this home can be read.\n`;

function ok(args: string[], opts: Parameters<typeof call>[1] = {}): any {
  const result = call(args, opts);
  let stderr = result.stderr;
  if (stderr === keyNotice()) {
    keyNotices++;
    stderr = '';
  }
  expect({ args, code: result.code, stderr }).toEqual({ args, code: 0, stderr: '' });
  return result.json;
}

function fails(args: string[], opts: Parameters<typeof call>[1] = {}): CliResult {
  const result = call(args, opts);
  expect({ args, failed: result.code !== 0, stderr: result.stderr.startsWith('ERROR: ') }).toEqual({ args, failed: true, stderr: true });
  return result;
}

const kms = (...args: string[]): string[] => ['kms', ...args];

beforeAll(() => {
  parent = makeHome();
  // kms-local makes the home itself, as it would make ~/.kms-local.
  home = join(parent, 'home');
  const valueFile = join(mkdtempSync(join(tmpdir(), 'kms-local-hygiene-')), 'value');
  writeFileSync(valueFile, N.fromFile, { mode: 0o600 });
  const dryFile = `${valueFile}.dry`;
  writeFileSync(dryFile, N.dryFile, { mode: 0o600 });

  // Profiles.
  ok(['configure', 'set', '--profile', 'hygiene', '--region', 'cn-hangzhou', '--access-key-id', 'LTAIhygieneKeyId', '--access-key-secret', N.accessKeySecret]);
  ok(['configure', 'get']);
  ok(['configure', 'list']);

  // Every operation of the table.
  ok(kms('CreateSecret', '--SecretName', 'app/db', '--VersionId', 'v1', '--SecretData', N.created, '--Description', 'hygiene', '--Tags', '[{"TagKey":"env","TagValue":"test"}]'));
  ok(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v2', '--SecretData', N.put));
  ok(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v3', '--SecretDataType', 'binary', '--SecretData', Buffer.from(N.binary).toString('base64')));
  ok(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v4', '--SecretData-FILE', valueFile, '--VersionStages', '["Pending"]'));
  ok(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v5', '--SecretData-FILE', '-', '--VersionStages', '["Staged"]'), { input: N.staged });
  ok(kms('UpdateSecretVersionStage', '--SecretName', 'app/db', '--VersionStage', 'Pending', '--MoveToVersion', 'v2'));
  ok(kms('GetSecretValue', '--SecretName', 'app/db'), { returnsValues: true });
  ok(kms('GetSecretValue', '--SecretName', 'app/db', '--VersionId', 'v3'), { returnsValues: true });
  ok(kms('GetSecretValue', '--SecretName', 'app/db', '--cli-query', 'SecretData'), { returnsValues: true });
  ok(kms('ListSecretVersionIds', '--SecretName', 'app/db', '--IncludeDeprecated', 'true'));
  ok(kms('DescribeSecret', '--SecretName', 'app/db', '--FetchTags', 'true'));
  ok(kms('ListSecrets', '--FetchTags', 'true'));
  ok(kms('UpdateSecret', '--SecretName', 'app/db', '--Description', 'still hygiene'));
  ok(kms('TagResource', '--SecretName', 'app/db', '--Tags', '[{"TagKey":"team","TagValue":"core"}]'));
  ok(kms('UntagResource', '--SecretName', 'app/db', '--TagKeys', '["team"]'));
  ok(kms('ListTagResources', '--ResourceType', 'secret'));
  ok(kms('TagResources', '--ResourceType', 'secret', '--ResourceId.1', 'app/db', '--Tag.1.Key', 'team', '--Tag.1.Value', 'core'));
  ok(kms('UntagResources', '--ResourceType', 'secret', '--ResourceId.1', 'app/db', '--All', 'true'));
  ok(kms('BatchGetSecretValue', '--SecretsList', '[{"SecretName":"app/db"},{"SecretName":"no/such"}]'), { returnsValues: true });
  ok(kms('GetSecretPolicy', '--SecretName', 'app/db'));
  ok(kms('SetSecretPolicy', '--SecretName', 'app/db', '--Policy', '{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:*"],"Resource":["*"]}]}'));
  ok(kms('CreateSecret', '--SecretName', 'tmp/pending', '--VersionId', 'v1', '--SecretData', N.deleted));
  ok(kms('DeleteSecret', '--SecretName', 'tmp/pending', '--RecoveryWindowInDays', '7'));
  fails(kms('GetSecretValue', '--SecretName', 'tmp/pending'));
  ok(kms('RestoreSecret', '--SecretName', 'tmp/pending'));
  ok(kms('CreateSecret', '--SecretName', 'tmp/forced', '--VersionId', 'v1', '--SecretData', N.forced));
  ok(kms('DeleteSecret', '--SecretName', 'tmp/forced', '--ForceDeleteWithoutRecovery', 'true'));
  // Keys, their aliases, versions, states, tags and policies, and a secret sealed by a key.
  const key = ok(kms('CreateKey', '--Description', 'hygiene key', '--Tags', '[{"TagKey":"env","TagValue":"test"}]')).KeyMetadata;
  ok(kms('DescribeKey', '--KeyId', key.KeyId));
  ok(kms('ListKeys', '--Filters', '[{"Key":"KeyState","Values":["Enabled"]}]'));
  ok(kms('UpdateKeyDescription', '--KeyId', key.KeyId, '--Description', 'still hygiene'));
  ok(kms('CreateAlias', '--AliasName', 'alias/hygiene', '--KeyId', key.KeyId));
  ok(kms('UpdateAlias', '--AliasName', 'alias/hygiene', '--KeyId', key.KeyId));
  ok(kms('ListAliases'));
  ok(kms('ListAliasesByKeyId', '--KeyId', key.KeyId));
  ok(kms('CreateSecret', '--SecretName', 'app/keyed', '--VersionId', 'v1', '--SecretData', N.keySealed, '--EncryptionKeyId', 'alias/hygiene'));
  ok(kms('GetSecretValue', '--SecretName', 'app/keyed'), { returnsValues: true });
  ok(kms('CreateKeyVersion', '--KeyId', key.KeyId));
  ok(kms('DescribeKeyVersion', '--KeyId', key.KeyId, '--KeyVersionId', key.PrimaryKeyVersion));
  ok(kms('ListKeyVersions', '--KeyId', key.KeyId));
  ok(kms('UpdateRotationPolicy', '--KeyId', key.KeyId, '--EnableAutomaticRotation', 'true', '--RotationInterval', '30d'));
  ok(kms('DisableKey', '--KeyId', key.KeyId));
  fails(kms('GetSecretValue', '--SecretName', 'app/keyed'));
  fails(kms('PutSecretValue', '--SecretName', 'app/keyed', '--VersionId', 'v2', '--SecretData', N.keySealed));
  ok(kms('EnableKey', '--KeyId', key.KeyId));
  ok(kms('SetDeletionProtection', '--KeyId', key.KeyId, '--EnableDeletionProtection', 'true', '--DeletionProtectionDescription', 'hygiene'));
  ok(kms('SetDeletionProtection', '--ProtectedResourceArn', key.Arn, '--EnableDeletionProtection', 'false'));
  ok(kms('TagResource', '--KeyId', key.KeyId, '--Tags', '[{"TagKey":"team","TagValue":"core"}]'));
  ok(kms('UntagResource', '--KeyId', key.KeyId, '--TagKeys', '["team"]'));
  ok(kms('ListTagResources', '--ResourceType', 'key'));
  ok(kms('GetKeyPolicy', '--KeyId', key.KeyId));
  ok(kms('SetKeyPolicy', '--KeyId', key.KeyId, '--Policy', '{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:*"],"Resource":["*"]}]}'));
  const ec = ok(kms('CreateKey', '--KeySpec', 'EC_P256')).KeyMetadata;
  const doomed = ec.KeyId as string;
  ok(kms('CreateAlias', '--AliasName', 'alias/doomed', '--KeyId', doomed));
  ok(kms('ScheduleKeyDeletion', '--KeyId', doomed, '--PendingWindowInDays', '7'));
  ok(kms('CancelKeyDeletion', '--KeyId', doomed));
  ok(kms('DeleteAlias', '--AliasName', 'alias/doomed'));
  const rsa = ok(kms('CreateKey', '--KeySpec', 'RSA_2048', '--KeyUsage', 'ENCRYPT/DECRYPT')).KeyMetadata;

  passwords = [0, 1, 2].map(() => ok(kms('GetRandomPassword', '--PasswordLength', '40'), { returnsValues: true }).RandomPassword as string);

  // Every cryptography operation (on the keys above): plaintexts and data keys go in and out, never to disk.
  const aes = key.KeyId as string;
  const context = JSON.stringify({ purpose: N.encryptedContext });
  const blob = ok(kms('Encrypt', '--KeyId', aes, '--Plaintext', N.encrypted, '--EncryptionContext', context)).CiphertextBlob as string;
  ok(kms('Decrypt', '--CiphertextBlob', blob, '--EncryptionContext', context), { returnsValues: true });
  const moved = ok(kms('ReEncrypt', '--CiphertextBlob', blob, '--SourceEncryptionContext', context, '--DestinationKeyId', aes)).CiphertextBlob as string;
  ok(kms('Decrypt', '--CiphertextBlob', moved), { returnsValues: true });
  const dataKey = ok(kms('GenerateDataKey', '--KeyId', aes), { returnsValues: true });
  dataKeys.push(dataKey.Plaintext);
  const sealedOnly = ok(kms('GenerateDataKeyWithoutPlaintext', '--KeyId', aes)).CiphertextBlob as string;
  dataKeys.push(ok(kms('Decrypt', '--CiphertextBlob', sealedOnly), { returnsValues: true }).Plaintext);
  const wrapping = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const wrap = ['--PublicKeyBlob', wrapping, '--WrappingAlgorithm', 'RSAES_OAEP_SHA_256', '--WrappingKeySpec', 'RSA_2048'];
  ok(kms('ExportDataKey', '--CiphertextBlob', dataKey.CiphertextBlob, ...wrap));
  dataKeys.push(ok(kms('Decrypt', '--CiphertextBlob', ok(kms('GenerateAndExportDataKey', '--KeyId', aes, ...wrap)).CiphertextBlob), { returnsValues: true }).Plaintext);
  ok(kms('GetPublicKey', '--KeyId', rsa.KeyId, '--KeyVersionId', rsa.PrimaryKeyVersion));
  const rsaArgs = ['--KeyId', rsa.KeyId, '--KeyVersionId', rsa.PrimaryKeyVersion, '--Algorithm', 'RSAES_OAEP_SHA_256'];
  const asymmetric = ok(kms('AsymmetricEncrypt', ...rsaArgs, '--Plaintext', Buffer.from(N.asymmetric).toString('base64'))).CiphertextBlob as string;
  ok(kms('AsymmetricDecrypt', ...rsaArgs, '--CiphertextBlob', asymmetric), { returnsValues: true });
  const digest = createHash('sha256').update('hygiene').digest('base64');
  const ecArgs = ['--KeyId', ec.KeyId, '--KeyVersionId', ec.PrimaryKeyVersion, '--Algorithm', 'ECDSA_SHA_256', '--Digest', digest];
  ok(kms('AsymmetricVerify', ...ecArgs, '--Value', ok(kms('AsymmetricSign', ...ecArgs)).Value));
  fails(kms('Encrypt', '--KeyId', aes, '--Plaintext', N.oversizeEncrypt.repeat(Math.ceil(6145 / N.oversizeEncrypt.length))));
  fails(kms('Encrypt', '--KeyId', aes, '--Plaintext', N.dryEncrypt, '--DryRun', 'true'));
  fails(kms('Encrypt', '--KeyId', 'alias/none', '--Plaintext', N.dryEncrypt));
  fails(kms('Decrypt', '--CiphertextBlob', blob));

  // A dynamic secret, its target, its rotation policy, and rotations that fail (nothing listens).
  ok(['target', 'add', '--DBInstanceId', 'rm-hygiene', '--Engine', 'postgresql', '--Host', '127.0.0.1', '--Port', '1']);
  ok(['target', 'list']);
  ok(
    kms(
      'CreateSecret',
      '--SecretName',
      'dyn/db',
      '--SecretType',
      'Rds',
      '--VersionId',
      'v1',
      '--ExtendedConfig',
      '{"SecretSubType":"SingleUser","DBInstanceId":"rm-hygiene"}',
      '--SecretData',
      JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: N.dynamic }] }),
    ),
  );
  ok(kms('UpdateSecretRotationPolicy', '--SecretName', 'dyn/db', '--EnableAutomaticRotation', 'true', '--RotationInterval', '7d'));
  fails(kms('RotateSecret', '--SecretName', 'dyn/db', '--VersionId', 'r1', '--SecretData', JSON.stringify({ AccountPassword: N.rotated })));
  ok(kms('DescribeSecret', '--SecretName', 'dyn/db'));
  call(['rotate-due'], { env: { KMS_LOCAL_NOW: '2099-01-01T00:00:00Z' } });
  ok(['rotate-due', '--dry-run']);

  // Refused calls that carry a value.
  fails(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v2', '--SecretData', N.conflict));
  fails(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', N.oversize.repeat(Math.ceil(30_721 / N.oversize.length))));
  fails(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretDataType', 'binary', '--SecretData', `${N.notBase64}!`));
  fails(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretDat', N.misspelled));
  fails(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', 'first', '--SecretData', N.duplicated));
  fails(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', 'half', N.stray));
  fails(kms('CreateSecret', '--SecretName', 'bad name', '--VersionId', 'v1', '--SecretData', N.badName));
  fails(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', N.badName, '--cli-query', 'SecretData[[['));
  fails(kms('GetSecretValue', '--SecretName', 'app/db', '--cli-query', 'SecretData | nosuchfunction(@)'));
  fails(kms('GetSecretValue', '--SecretName', 'app/db', '--cli-query', 'abs(SecretData)'));
  fails(kms('GetSecretValue', '--SecretName', 'app/db', '--output', 'cols=SecretData', 'rows=SecretData'));
  fails(kms('GetSecretValue', '--SecretName', 'app/db', '--pager'));
  fails(kms('GetSecretValue', '--SecretName', 'app/db', '--VersionStage', 'Nope'));

  // Help and dry runs.
  for (const args of [['help'], ['help', 'kms', 'PutSecretValue'], ['--help'], kms('--help'), kms('PutSecretValue', '--help'), kms('PutSecretValue', '--SecretName', 'app/db', '--SecretData', N.help, '--help')]) {
    ok(args);
  }
  ok(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', N.dryInline, '--dryrun'));
  ok(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', `--SecretData=${N.dryInline}`, '--dryrun'));
  ok(kms('CreateSecret', '--SecretName', 'dry', '--VersionId', 'v1', '--SecretData-FILE', dryFile, '--dryrun'));
  ok(kms('CreateSecret', '--SecretName', 'dry', '--VersionId', 'v1', '--SecretData-FILE', '-', '--dryrun'), { input: N.dryStdin });
  ok(kms('RotateSecret', '--SecretName', 'dyn/db', '--VersionId', 'r2', '--SecretData', JSON.stringify({ AccountPassword: N.dryRotate }), '--dryrun'));

  // The other built-in commands.
  ok(['audit']);
  ok(['audit', '--SecretName', 'app/db']);
  ok(['completion', 'bash']);
  call(['run', '--SecretName', 'app/db', '--', process.execPath, '-e', 'process.exit(3)'], { returnsValues: true });
  fails(['run', '--SecretName', 'app/db', '--', '/nonexistent/kms-local-hygiene-command']);
  ok(['rekey', '--yes']);
  ok(kms('GetSecretValue', '--SecretName', 'app/db'), { returnsValues: true });
  ok(kms('GetSecretValue', '--SecretName', 'app/keyed'), { returnsValues: true });
}, 180_000);

afterAll(() => {
  process.umask(previousUmask);
  removeHome(parent);
});

/** Every value stored or sent in the workload. */
const stored = (): string[] => [...Object.values(N), ...passwords, ...dataKeys];

describe('after a workload touching every operation', () => {
  test('the run that made the master key said where it is, once', () => {
    expect(keyNotices).toBe(1);
  });

  test('every operation of the table ran', async () => {
    const { operations } = await import('../../src/api/operations.js');
    const ran = new Set(calls.map((c) => c.args[1]));
    expect(operations.map((op) => op.name).filter((name) => !ran.has(name))).toEqual([]);
  });

  test('no value is in any file under KMS_LOCAL_HOME, in any encoding', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else files.push(join(dir, entry.name));
      }
    };
    walk(home);
    // What the workload must have made, so that the scan covers it.
    const rel = files.map((f) => relative(home, f));
    for (const expected of ['audit.log', 'config.json', 'master.key', 'account-id', 'store/cn-hangzhou/app%2Fdb.json', 'store/cn-hangzhou/.index/generation', 'store/cn-hangzhou/keys/aliases.json']) {
      expect(rel).toContain(expected);
    }
    expect(rel.some((f) => f.startsWith('targets') || f.includes('target'))).toBe(true);
    expect(rel.filter((f) => /^store\/cn-hangzhou\/keys\/key-[a-z0-9]{24}\.json$/.test(f)).length).toBe(3);
    const found = files.flatMap((file) => {
      const allowed = relative(home, file) === 'config.json' ? [N.accessKeySecret] : [];
      return leaks(readFileSync(file), stored().filter((v) => !allowed.includes(v))).map((v) => `${relative(home, file)}: ${v}`);
    });
    expect(found).toEqual([]);
  });

  test('no data key is in any file, as raw bytes either', () => {
    expect(dataKeys.length).toBe(3);
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else for (const dk of dataKeys) if (readFileSync(path).includes(Buffer.from(dk, 'base64'))) found.push(relative(home, path));
      }
    };
    walk(home);
    expect(found).toEqual([]);
  });

  test('no value is in any error, help page, dry run or other output that does not return values', () => {
    const found: string[] = [];
    for (const { args, result, returnsValues } of calls) {
      const shown = (args.join(' ').length > 200 ? `${args.slice(0, 4).join(' ')} ...` : args.join(' '));
      for (const v of leaks(result.stderr, stored())) found.push(`stderr of ${shown}: ${v}`);
      if (!returnsValues || result.code !== 0) for (const v of leaks(result.stdout, stored())) found.push(`stdout of ${shown}: ${v}`);
    }
    expect(found).toEqual([]);
  });

  test('dry runs show the request with the value masked', () => {
    const dry = calls.filter((c) => c.args.includes('--dryrun'));
    expect(dry.length).toBe(5);
    for (const { result } of dry) expect(result.stdout).toMatch(/"SecretData": "\*\*\*\*\*\*"/);
  });

  test('the access key secret is shown masked by configure and is in the profile file only', () => {
    const configure = calls.filter((c) => c.args[0] === 'configure');
    for (const { result } of configure) expect(leaks(result.stdout + result.stderr, [N.accessKeySecret])).toEqual([]);
    expect(readFileSync(join(home, 'config.json'), 'utf8')).toContain(N.accessKeySecret);
  });

  test('folders are 0700 and files 0600, whatever the umask (the run used 000)', () => {
    // The umask did reach the processes: a file made without a mode is 0666 under it.
    const probe = join(parent, 'umask-probe');
    writeFileSync(probe, '');
    expect((statSync(probe).mode & 0o777).toString(8)).toBe('666');
    const wrong: string[] = [];
    const walk = (path: string): void => {
      const mode = statSync(path).mode & 0o777;
      const isDir = statSync(path).isDirectory();
      if (mode !== (isDir ? 0o700 : 0o600)) wrong.push(`${relative(parent, path) || '.'} ${mode.toString(8)}`);
      if (isDir) for (const entry of readdirSync(path)) walk(join(path, entry));
    };
    walk(home);
    expect(wrong).toEqual([]);
  });
});

describe('a damaged file or a wrong key: Rejected.IntegrityCheckFailed naming the secret, no value', () => {
  const integrityFailure = (result: CliResult, secret: string): void => {
    const err = serviceError(result.stderr);
    expect({ exit: result.code, code: err?.code, names: err?.message.includes(`'${secret}'`), stdout: result.stdout }).toEqual({
      exit: 1,
      code: 'Rejected.IntegrityCheckFailed',
      names: true,
      stdout: '',
    });
    expect(leaks(result.stderr, stored())).toEqual([]);
  };

  test('a flipped byte anywhere in the file (a spread of positions, and each kind of JSON token)', async () => {
    const file = join(home, 'store', 'cn-hangzhou', 'app%2Fdb.json');
    const original = readFileSync(file);
    const text = original.toString('utf8');
    const positions = new Set<number>([0, original.length - 1, original.length - 2]);
    for (let at = 0; at < original.length; at += Math.ceil(original.length / 40)) positions.add(at);
    for (const token of ['  "', '": ', '{', '}', '[', ']', ',\n', '"mac": "', '"ciphertext": "', '"digest": "', 'ACSCurrent', '"versionId": "v3"', '"schemaVersion": 1']) {
      const at = text.indexOf(token);
      expect({ token, found: at >= 0 }).toEqual({ token, found: true });
      positions.add(Buffer.byteLength(text.slice(0, at)) + Math.floor(token.length / 2));
    }
    positions.add(Buffer.byteLength(text.slice(0, text.indexOf('"mac": "'))) + 8 + 43); // the MAC's padding
    const homes: string[] = [];
    const results = await mapLimit([...positions].sort((a, b) => a - b), 4, async (at) => {
      const copy = makeHome();
      homes.push(copy);
      cpSync(home, copy, { recursive: true });
      const bytes = Buffer.from(original);
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(join(copy, 'store', 'cn-hangzhou', 'app%2Fdb.json'), bytes);
      return { at, get: await runCliAsync(kms('GetSecretValue', '--SecretName', 'app/db'), { home: copy }), put: await runCliAsync(kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', N.put), { home: copy }) };
    });
    homes.forEach(removeHome);
    expect(results.length).toBeGreaterThanOrEqual(40);
    for (const { get, put } of results) {
      integrityFailure(get, 'app/db');
      // A write is refused too: a damaged file is never silently replaced.
      integrityFailure(put, 'app/db');
    }
  }, 120_000);

  test('a wrong master key (KMS_LOCAL_MASTER_KEY, KMS_LOCAL_MASTER_KEY_FILE): every read and write of a secret', () => {
    const wrongKey = randomBytes(32).toString('base64');
    const keyFile = join(parent, 'wrong.key');
    writeFileSync(keyFile, `${wrongKey}\n`, { mode: 0o600 });
    for (const env of [{ KMS_LOCAL_MASTER_KEY: wrongKey }, { KMS_LOCAL_MASTER_KEY_FILE: keyFile }]) {
      for (const args of [
        kms('GetSecretValue', '--SecretName', 'app/db'),
        kms('GetSecretValue', '--SecretName', 'dyn/db', '--VersionStage', 'ACSPrevious'),
        kms('DescribeSecret', '--SecretName', 'app/db'),
        kms('ListSecretVersionIds', '--SecretName', 'app/db'),
        kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', N.put),
      ]) {
        const result = runCli(args, { home, env });
        integrityFailure(result, args[3]!);
        expect(result.stderr).toContain('master key');
        expect(result.stderr).not.toContain(wrongKey);
      }
    }
  });
});
