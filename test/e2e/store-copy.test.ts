/**
 * `kms-local store copy` and `store verify` between two homes' files: everything a populated home
 * holds reads the same on the destination; a copy killed midway finishes when run again; a
 * destination that holds something else is refused unless --overwrite; a dry run and --help change
 * nothing on either side; another master key at the destination is refused.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hashTree, makeEmptyHome, makeHome, removeHome, runCli, type CliResult } from '../support/cli.js';
import { findPostgres, startPostgres, type PgServer } from '../support/postgres.js';
import { freshDatabase } from '../support/store-records.js';

const DAY = 86_400_000;
const isoAt = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

let source: string;
let dest: string;

/** The environment reads run with (a host on a PostgreSQL store: its URL and the team's key). */
let readEnv: Record<string, string | undefined> | undefined;

function kmsIn(home: string, ...args: string[]): CliResult {
  return runCli(['kms', ...args], { home, env: readEnv });
}

function ok(result: CliResult): any {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return result.json;
}

/** A home with every kind of record: versions and stages, tags, policies, deletion and rotation state, keys and aliases, two regions. */
function populate(home: string): void {
  const kms = (...args: string[]) => ok(kmsIn(home, ...args));
  kms('CreateSecret', '--SecretName', 'app/db', '--VersionId', 'v1', '--SecretData', 'first', '--Tags', '[{"TagKey":"team","TagValue":"core"}]');
  kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v2', '--SecretData', 'second');
  kms('PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v3', '--SecretData', 'third', '--VersionStages', '["Blue"]');
  kms('UpdateSecretVersionStage', '--SecretName', 'app/db', '--VersionStage', 'Green', '--MoveToVersion', 'v1');
  kms('SetSecretPolicy', '--SecretName', 'app/db', '--PolicyName', 'default', '--Policy', JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Principal: { RAM: ['acs:ram::123456789012:user/reader'] }, Action: ['kms:GetSecretValue'], Resource: ['*'] }],
  }));
  kms('CreateSecret', '--SecretName', 'app/binary', '--VersionId', 'b1', '--SecretData', randomBytes(24).toString('base64'), '--SecretDataType', 'binary');
  kms('CreateSecret', '--SecretName', 'app/leaving', '--VersionId', 'v1', '--SecretData', 'soon gone');
  kms('DeleteSecret', '--SecretName', 'app/leaving', '--RecoveryWindowInDays', '7');
  kms(
    'CreateSecret', '--SecretName', 'rds/app', '--VersionId', 'v1', '--SecretType', 'Rds',
    '--ExtendedConfig', JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-copy' }),
    '--SecretData', JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Initial-Pw-123' }] }),
    '--EnableAutomaticRotation', 'true', '--RotationInterval', '7d',
  );
  const key = kms('CreateKey', '--Description', 'the app key').KeyMetadata.KeyId;
  kms('CreateKeyVersion', '--KeyId', key);
  kms('CreateAlias', '--AliasName', 'alias/app', '--KeyId', key);
  kms('TagResource', '--KeyId', key, '--Tags', '[{"TagKey":"team","TagValue":"core"}]');
  const doomed = kms('CreateKey').KeyMetadata.KeyId;
  kms('ScheduleKeyDeletion', '--KeyId', doomed, '--PendingWindowInDays', '7');
  kms('CreateSecret', '--SecretName', 'elsewhere', '--VersionId', 'v1', '--SecretData', 'in shanghai', '--region', 'cn-shanghai');
  kms('CreateKey', '--region', 'cn-shanghai');
  // Principals: an AccessKey with a system policy, another with a policy document.
  const configure = (...args: string[]) => expect(runCli(['configure', 'set', '--region', 'cn-hangzhou', ...args], { home }).code).toBe(0);
  configure('--profile', 'reader', '--access-key-id', 'LTAIcopyreader001', '--access-key-secret', READER_SECRET, '--policy', 'AliyunKMSSecretUserAccess');
  configure('--profile', 'admin', '--access-key-id', 'LTAIcopyadmin0001', '--access-key-secret', 'admin-secret-of-copy', '--policy-document', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['kms:*'], Resource: ['*'] }] }));
}

const READER_SECRET = 'reader-secret-of-copy';

/** A principal as `configure get` shows it (the secret masked), without what is the host's own (region, output). */
function principalIn(home: string, profile: string, env?: Record<string, string | undefined>): unknown {
  const got = runCli(['configure', 'get', '--profile', profile], { home, env });
  expect(got.code).toBe(0);
  const { access_key_id, access_key_secret, policies, policy_documents } = got.json;
  return { access_key_id, access_key_secret, policies, policy_documents };
}

/** What every read of a home answers, RequestIds aside (an error: its stderr, equally without them). */
function readEverything(home: string, env?: Record<string, string | undefined>): Record<string, unknown> {
  readEnv = env;
  try {
    return readAll(home);
  } finally {
    readEnv = undefined;
  }
}

function readAll(home: string): Record<string, unknown> {
  const reads: Record<string, unknown> = {};
  const read = (...args: string[]): any => {
    const result = kmsIn(home, ...args);
    const shown = result.code === 0 ? { ...result.json, RequestId: undefined } : result.stderr.replace(/[0-9a-f-]{36}/g, 'ID');
    reads[args.join(' ')] = shown;
    return result.json;
  };
  for (const region of ['cn-hangzhou', 'cn-shanghai']) {
    const secrets = read('ListSecrets', '--region', region, '--FetchTags', 'true', '--PageSize', '100').SecretList.Secret as { SecretName: string }[];
    for (const { SecretName: name } of secrets) {
      read('DescribeSecret', '--region', region, '--SecretName', name, '--FetchTags', 'true');
      read('GetSecretPolicy', '--region', region, '--SecretName', name);
      const versions = read('ListSecretVersionIds', '--region', region, '--SecretName', name, '--IncludeDeprecated', 'true');
      for (const v of versions?.VersionIds?.VersionId ?? []) read('GetSecretValue', '--region', region, '--SecretName', name, '--VersionId', v.VersionId);
    }
    const keys = read('ListKeys', '--region', region, '--PageSize', '100').Keys.Key as { KeyId: string }[];
    for (const { KeyId: keyId } of keys) {
      read('DescribeKey', '--region', region, '--KeyId', keyId);
      read('ListKeyVersions', '--region', region, '--KeyId', keyId);
      read('GetKeyPolicy', '--region', region, '--KeyId', keyId, '--PolicyName', 'default');
      read('ListResourceTags', '--region', region, '--KeyId', keyId);
    }
    read('ListAliases', '--region', region, '--PageSize', '100');
  }
  return reads;
}

function copy(args: string[], env?: Record<string, string | undefined>): CliResult {
  return runCli(['store', 'copy', ...args], { home: source, env });
}

/** The audit trail without the CopyStore lines (which only the destination has). */
const auditOf = (home: string) => (existsSync(join(home, 'audit.log')) ? readFileSync(join(home, 'audit.log'), 'utf8') : '');

let populated: string;
let expected: Record<string, unknown>;

beforeAll(() => {
  populated = makeHome();
  populate(populated);
  expected = readEverything(populated);
}, 120_000);
afterAll(() => removeHome(populated));

beforeEach(() => {
  // Each test works on its own copy of the populated home (cp -a keeps modes), as a backup is made.
  source = join(makeEmptyHome(), 'source-home');
  expect(spawnSync('cp', ['-a', populated, source]).status).toBe(0);
  dest = join(makeEmptyHome(), 'dest-home');
});
afterEach(() => {
  removeHome(join(source, '..'));
  removeHome(join(dest, '..'));
});

describe('store copy between two homes', () => {
  test('every record is copied sealed: every read on the destination answers what the source does, a rehearsal clock past a deletion date notwithstanding', () => {
    // The rehearsal clock says app/leaving is past its deletion date: it is copied all the same.
    const later = { KMS_LOCAL_NOW: isoAt(Date.now() + 8 * DAY) };
    const result = copy(['--to', dest], later);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.json.DryRun).toBe(false);
    expect(result.json.Totals).toEqual({
      Aliases: { Copied: 1, Overwritten: 0, Skipped: 0 },
      Keys: { Copied: 3, Overwritten: 0, Skipped: 0 },
      Secrets: { Copied: 5, Overwritten: 0, Skipped: 0 },
    });
    expect(result.json.Regions['cn-shanghai']).toEqual({
      Aliases: { Copied: 0, Overwritten: 0, Skipped: 0 },
      Keys: { Copied: 1, Overwritten: 0, Skipped: 0 },
      Secrets: { Copied: 1, Overwritten: 0, Skipped: 0 },
    });
    expect(result.json.Principals).toEqual({ Copied: 2, Overwritten: 0, Skipped: 0 });
    // 5 secrets, 3 keys, 1 alias, 2 principals and the account id.
    expect(result.json.Verification).toEqual({ Compared: 12, Different: [], Missing: [], OnlyAtDestination: 0, Verified: true });
    expect(result.stdout).toMatch(/^\{\n\t"AccountId"/);
    // The master key went along (the destination had none), and no value is printed.
    expect(readFileSync(join(dest, 'master.key'), 'utf8')).toBe(readFileSync(join(source, 'master.key'), 'utf8'));
    for (const value of ['first', 'second', 'third', 'soon gone', 'Initial-Pw-123', 'in shanghai']) expect(result.stdout).not.toContain(value);
    expect(readEverything(dest)).toEqual(expected);
    for (const profile of ['reader', 'admin']) expect(principalIn(dest, profile)).toEqual(principalIn(source, profile));
    expect(result.stdout).not.toContain(READER_SECRET);
    // One audit line on the destination, none added on the source.
    const lines = auditOf(dest).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ operation: 'CopyStore', outcome: 'success', errorCode: null })]);
    expect(auditOf(source)).not.toContain('CopyStore');
    // store verify agrees; a file:// URL names the same home.
    const verify = runCli(['store', 'verify', '--to', pathToFileURL(dest).href], { home: source });
    expect(verify.code).toBe(0);
    expect(verify.json).toMatchObject({ Compared: 12, Different: [], Missing: [], Verified: true });
  });

  test('run again, a copy skips everything and copies nothing', () => {
    expect(copy(['--to', dest]).code).toBe(0);
    const again = copy(['--to', dest]);
    expect(again.code).toBe(0);
    expect(again.json.Totals).toEqual({
      Aliases: { Copied: 0, Overwritten: 0, Skipped: 1 },
      Keys: { Copied: 0, Overwritten: 0, Skipped: 3 },
      Secrets: { Copied: 0, Overwritten: 0, Skipped: 5 },
    });
    expect(again.json.Principals).toEqual({ Copied: 0, Overwritten: 0, Skipped: 2 });
  });

  test.each(['after-rename:2', 'after-rename:5', 'after-temp-write:4'])('killed at %s, a copy run again finishes without losing or duplicating anything', (point) => {
    const killed = copy(['--to', dest], { KMS_LOCAL_TEST_CRASH_AT: point });
    expect(killed.code).not.toBe(0);
    const resumed = copy(['--to', dest]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const totals = resumed.json.Totals;
    expect(totals.Secrets.Copied + totals.Secrets.Skipped).toBe(5);
    expect(totals.Keys.Copied + totals.Keys.Skipped).toBe(3);
    expect(totals.Secrets.Skipped + totals.Keys.Skipped).toBeGreaterThan(0);
    expect(resumed.json.Verification.Verified).toBe(true);
    expect(readEverything(dest)).toEqual(expected);
  });

  test('a destination that holds a secret differently is refused, changing nothing; --overwrite replaces it and says so', () => {
    expect(copy(['--to', dest]).code).toBe(0);
    ok(kmsIn(dest, 'PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v4', '--SecretData', 'written at the destination'));
    const before = { source: hashTree(source), dest: hashTree(dest) };
    const refused = copy(['--to', dest]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain("Secret app/db (cn-hangzhou): updated");
    expect(refused.stderr).toContain("(the destination's is newer)");
    expect(refused.stderr).toContain('Nothing was copied. Pass --overwrite');
    expect({ source: hashTree(source), dest: hashTree(dest) }).toEqual(before);
    const verify = runCli(['store', 'verify', '--to', dest], { home: source });
    expect(verify.code).toBe(1);
    expect(verify.json.Different).toEqual([{ Id: 'app/db', Kind: 'Secret', Region: 'cn-hangzhou' }]);

    const replaced = copy(['--to', dest, '--overwrite']);
    expect(replaced.code).toBe(0);
    expect(replaced.json.Totals.Secrets).toEqual({ Copied: 0, Overwritten: 1, Skipped: 4 });
    expect(replaced.json.Verification.Verified).toBe(true);
    expect(readEverything(dest)).toEqual(expected);
  });

  test('an AccessKeyId another profile holds at the destination is refused, --overwrite or not', () => {
    mkdirSync(dest, { mode: 0o700 });
    writeFileSync(join(dest, 'master.key'), readFileSync(join(source, 'master.key')), { mode: 0o600 });
    expect(runCli(['configure', 'set', '--profile', 'someone', '--region', 'cn-hangzhou', '--access-key-id', 'LTAIcopyreader001', '--access-key-secret', 'theirs-1234'], { home: dest }).code).toBe(0);
    const before = hashTree(dest);
    for (const extra of [[], ['--overwrite']]) {
      const refused = copy(['--to', dest, ...extra]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("Principal reader (-): its AccessKeyId is profile someone's at the destination");
      expect(hashTree(dest)).toBe(before);
    }
  });

  test('records only the destination has are kept and counted, not a difference', () => {
    mkdirSync(dest, { mode: 0o700 });
    writeFileSync(join(dest, 'master.key'), readFileSync(join(source, 'master.key')), { mode: 0o600 });
    ok(kmsIn(dest, 'CreateSecret', '--SecretName', 'dest/only', '--VersionId', 'v1', '--SecretData', 'mine', '--region', 'cn-beijing'));
    const result = copy(['--to', dest, '--overwrite']);
    expect(result.code).toBe(0);
    expect(result.json.Verification).toMatchObject({ OnlyAtDestination: 1, Verified: true });
    expect(ok(kmsIn(dest, 'GetSecretValue', '--SecretName', 'dest/only', '--region', 'cn-beijing')).SecretData).toBe('mine');
  });

  test('destination records under another master key (its key file gone) are refused by name, nothing written', () => {
    expect(kmsIn(dest, 'CreateSecret', '--SecretName', 'dest/only', '--VersionId', 'v1', '--SecretData', 'mine').code).toBe(0);
    rmSync(join(dest, 'master.key'));
    const before = hashTree(dest);
    const refused = copy(['--to', dest]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the destination's secret 'dest/only' in cn-hangzhou cannot be read under the source's master key");
    expect(refused.stderr).toContain('nothing was copied');
    expect(hashTree(dest)).toBe(before);
  });

  test('a destination home under another master key is refused before anything is read or written', () => {
    expect(kmsIn(dest, 'CreateSecret', '--SecretName', 'dest/only', '--VersionId', 'v1', '--SecretData', 'mine').code).toBe(0);
    const before = hashTree(dest);
    const refused = copy(['--to', dest]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the destination home .* uses master key key-local-\w+ .*, the source key-local-\w+: records are copied sealed, so both must use the same key/);
    expect(hashTree(dest)).toBe(before);
  });

  test('with the key in KMS_LOCAL_MASTER_KEY, both homes use it and no key file is made', () => {
    const key = readFileSync(join(source, 'master.key'), 'utf8').trim();
    rmSync(join(source, 'master.key'));
    const result = copy(['--to', dest], { KMS_LOCAL_MASTER_KEY: key });
    expect(result.code).toBe(0);
    expect(result.json.MasterKeyCopiedTo).toBeUndefined();
    expect(existsSync(join(dest, 'master.key'))).toBe(false);
    const read = runCli(['kms', 'GetSecretValue', '--SecretName', 'app/db'], { home: dest, env: { KMS_LOCAL_MASTER_KEY: key } });
    expect(read.json.SecretData).toBe('second');
  });

  test('--from copies another home than the current one', () => {
    const result = runCli(['store', 'copy', '--from', source, '--to', dest], { home: makeEmptyHomeForTest() });
    expect(result.code).toBe(0);
    expect(readEverything(dest)).toEqual(expected);
  });

  test('the source itself as destination is refused', () => {
    const refused = copy(['--to', join(source, '.')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--to names the source store itself');
  });
});

const extraHomes: string[] = [];
function makeEmptyHomeForTest(): string {
  const home = makeEmptyHome();
  extraHomes.push(home);
  return home;
}
afterAll(() => extraHomes.forEach(removeHome));

describe('what changes nothing', () => {
  test('a dry run counts what it would do and changes nothing on either side (no destination folder made)', () => {
    const before = hashTree(source);
    const dry = copy(['--to', dest, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.json.DryRun).toBe(true);
    expect(dry.json.Totals.Secrets).toEqual({ Copied: 5, Overwritten: 0, Skipped: 0 });
    expect(dry.json.Verification).toBeUndefined();
    expect(hashTree(source)).toBe(before);
    expect(existsSync(dest)).toBe(false);
  });

  test('a dry run against a populated destination changes nothing there either', () => {
    expect(copy(['--to', dest]).code).toBe(0);
    ok(kmsIn(source, 'PutSecretValue', '--SecretName', 'app/db', '--VersionId', 'v9', '--SecretData', 'newer at the source'));
    const before = { source: hashTree(source), dest: hashTree(dest) };
    const dry = copy(['--to', dest, '--dry-run', '--overwrite']);
    expect(dry.code).toBe(0);
    expect(dry.json.Totals.Secrets).toEqual({ Copied: 0, Overwritten: 1, Skipped: 4 });
    const verify = runCli(['store', 'verify', '--to', dest], { home: source });
    expect(verify.code).toBe(1);
    expect({ source: hashTree(source), dest: hashTree(dest) }).toEqual(before);
  });

  test.each([
    ['store', 'copy', '--to', 'DEST', '--help'],
    ['store', '--help'],
    ['help', 'store', 'copy'],
    ['store', 'verify', '--to', 'DEST', '-h'],
    ['store', 'copy', '--overwrite', '-h', '--to', 'DEST'],
  ])('%s %s %s %s %s prints help and changes nothing', (...args) => {
    const before = hashTree(source);
    const result = runCli(args.map((a) => (a === 'DEST' ? dest : a)), { home: source });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/store (copy|verify) --to <URL>/);
    expect(hashTree(source)).toBe(before);
    expect(existsSync(dest)).toBe(false);
  });

  test('a mistyped sub-command or flag is refused with Did you mean, from the table', () => {
    const sub = runCli(['store', 'cpy', '--to', dest], { home: source });
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("'cpy' is not a valid command");
    expect(sub.stdout).toBe('\nDid you mean:\n  copy\n');
    const flag = runCli(['store', 'copy', '--too', dest], { home: source });
    expect(flag.code).toBe(2);
    expect(flag.stdout).toContain('  --to\n');
    const command = runCli(['stor', 'copy', '--to', dest], { home: source });
    expect(command.code).toBe(2);
    expect(command.stdout).toContain('  store\n');
    expect(existsSync(dest)).toBe(false);
  });

  test('an unknown kind of URL is refused without echoing it', () => {
    const refused = copy(['--to', 'mysql://user:hunter2@db/kms']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("names a 'mysql' store");
    expect(refused.stderr).not.toContain('hunter2');
  });
});

const pgBin = findPostgres();
const describeIfPostgres = pgBin ? describe : describe.skip;

describeIfPostgres('store copy between a home\'s files and PostgreSQL', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres(pgBin!);
  }, 120_000);
  afterAll(() => server?.destroy());

  /** SQL in one database, as the superuser. */
  function sqlIn(database: string, statement: string): string {
    const out = spawnSync(join(pgBin!, 'psql'), ['-X', '-v', 'ON_ERROR_STOP=1', '-tA', '-h', server.host, '-p', String(server.port), '-U', server.superuser, '-d', database, '-c', statement], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: server.superPassword },
    });
    expect(out.stderr).toBe('');
    return out.stdout.trim();
  }
  const tablesIn = (database: string) => sqlIn(database, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'kms_local_%'");

  test('files -> PostgreSQL -> files: every read answers the same on the database and on the home copied back', () => {
    const { name, url } = freshDatabase(server);
    const key = readFileSync(join(source, 'master.key'), 'utf8').trim();
    // A dry run into a database kms-local never used creates nothing there, not even its schema.
    const dry = copy(['--to', url, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.json.Totals.Secrets).toEqual({ Copied: 5, Overwritten: 0, Skipped: 0 });
    expect(tablesIn(name)).toBe('0');

    const there = copy(['--to', url]);
    expect(there.stderr).toBe('');
    expect(there.code).toBe(0);
    expect(there.json.To).toMatch(/^PostgreSQL store postgresql:\/\/postgres@127\.0\.0\.1:\d+\//);
    expect(there.stdout).not.toContain(server.superPassword);
    expect(there.json.Verification).toMatchObject({ Compared: 12, Different: [], Missing: [], Verified: true });
    expect(there.json.Principals).toEqual({ Copied: 2, Overwritten: 0, Skipped: 0 });
    // One audit record, in the database's own trail; none in the home that ran the copy.
    expect(sqlIn(name, "SELECT operation || ' ' || outcome FROM kms_local_audit WHERE operation = 'CopyStore'")).toBe('CopyStore success');
    expect(auditOf(source)).not.toContain('CopyStore');
    // The AccessKey secrets are sealed in the database, as the store keeps them.
    expect(sqlIn(name, 'SELECT string_agg(record, \'\') FROM kms_local_principals')).not.toContain(READER_SECRET);
    // A host on the database (the team's key, the store's URL) reads what the source home reads, ARNs included.
    const host = makeEmptyHomeForTest();
    expect(readEverything(host, { KMS_LOCAL_STORE: url, KMS_LOCAL_MASTER_KEY: key })).toEqual(expected);
    // No value in the database in any form a dump shows.
    expect(sqlIn(name, 'SELECT string_agg(record, \'\') FROM kms_local_secrets')).not.toContain('second');

    // Back to another home's files, the database named by --from.
    const back = copy(['--from', url, '--to', dest]);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(back.json.Verification).toMatchObject({ Compared: 12, Verified: true });
    expect(readEverything(dest)).toEqual(expected);
    for (const profile of ['reader', 'admin']) expect(principalIn(dest, profile)).toEqual(principalIn(source, profile));
    // The database as the current home's store (KMS_LOCAL_STORE) is the source of store verify.
    const verify = runCli(['store', 'verify', '--to', dest], { home: host, env: { KMS_LOCAL_STORE: url, KMS_LOCAL_MASTER_KEY: key } });
    expect(verify.code).toBe(0);
    expect(verify.json).toMatchObject({ Compared: 12, Verified: true });
  });

  test('a dry run and store verify never migrate a database whose schema is behind; a copy does', () => {
    const { name, url } = freshDatabase(server);
    expect(copy(['--to', url]).code).toBe(0);
    // What an older kms-local would have left: the schema without what this one's migrations add.
    sqlIn(name, "DELETE FROM kms_local_meta WHERE name = 'account_id'");
    const dump = () => sqlIn(name, 'SELECT (SELECT count(*) FROM kms_local_meta) || \' \' || (SELECT count(*) FROM kms_local_schema_version)');
    const before = dump();
    for (const args of [['store', 'copy', '--to', url, '--dry-run'], ['store', 'verify', '--to', url]]) {
      const refused = runCli(args, { home: source });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('has an older schema than this kms-local\'s: reading it would migrate it');
      expect(dump()).toBe(before);
    }
    const migrated = copy(['--to', url]);
    expect(migrated.code).toBe(0);
    expect(migrated.json.Verification.Verified).toBe(true);
  });

  test('a copy into a database that holds part of the store copies the rest, and a differing row is refused', () => {
    const { name, url } = freshDatabase(server);
    expect(copy(['--to', url]).code).toBe(0);
    // As if the copy had stopped before these: one secret and one key are not there.
    sqlIn(name, "DELETE FROM kms_local_secrets WHERE name = 'app/db'");
    sqlIn(name, "DELETE FROM kms_local_keys WHERE region = 'cn-shanghai'");
    const missing = runCli(['store', 'verify', '--to', url], { home: source });
    expect(missing.code).toBe(1);
    expect(missing.json.Missing).toEqual([
      { Id: 'app/db', Kind: 'Secret', Region: 'cn-hangzhou' },
      expect.objectContaining({ Kind: 'Key', Region: 'cn-shanghai' }),
    ]);
    const resumed = copy(['--to', url]);
    expect(resumed.code).toBe(0);
    expect(resumed.json.Totals.Secrets).toEqual({ Copied: 1, Overwritten: 0, Skipped: 4 });
    expect(resumed.json.Totals.Keys).toEqual({ Copied: 1, Overwritten: 0, Skipped: 2 });
    expect(resumed.json.Verification.Verified).toBe(true);

    // A host of the team changes a secret on the database: the next copy refuses to undo it.
    const key = readFileSync(join(source, 'master.key'), 'utf8').trim();
    const host = makeEmptyHomeForTest();
    expect(runCli(['kms', 'PutSecretValue', '--SecretName', 'app/binary', '--VersionId', 'b2', '--SecretData', 'newer'], { home: host, env: { KMS_LOCAL_STORE: url, KMS_LOCAL_MASTER_KEY: key } }).code).toBe(0);
    const refused = copy(['--to', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Secret app/binary (cn-hangzhou)');
  });

  test('a database under another master key is refused, and so is one that names another account', () => {
    const underOtherKey = freshDatabase(server).url;
    const other = makeEmptyHomeForTest();
    const otherKey = randomBytes(32).toString('base64');
    expect(runCli(['kms', 'CreateSecret', '--SecretName', 'theirs', '--VersionId', 'v1', '--SecretData', 'x'], { home: other, env: { KMS_LOCAL_STORE: underOtherKey, KMS_LOCAL_MASTER_KEY: otherKey } }).code).toBe(0);
    const refused = copy(['--to', underOtherKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the destination's secret 'theirs' in cn-hangzhou cannot be read under the source's master key");

    // The same key, but the database was first used by another home: its ARNs name that account.
    const otherAccount = freshDatabase(server).url;
    const key = readFileSync(join(source, 'master.key'), 'utf8').trim();
    expect(runCli(['kms', 'CreateSecret', '--SecretName', 'theirs', '--VersionId', 'v1', '--SecretData', 'x'], { home: makeEmptyHomeForTest(), env: { KMS_LOCAL_STORE: otherAccount, KMS_LOCAL_MASTER_KEY: key } }).code).toBe(0);
    const named = copy(['--to', otherAccount, '--overwrite']);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/names account \d{16} in its ARNs, the source \d{16}, and a database keeps the account id it was first given/);
  });
});
