/**
 * Hostile input (issue 5 item 6): a corpus of invalid invocations GENERATED from the operation
 * table (src/api/operations.ts), across every operation and every parameter: unknown and
 * misspelled parameters, wrong types for Integer, Boolean and enum parameters, malformed and deeply
 * nested JSON for every JSON parameter, oversize values for every length-limited parameter,
 * control characters and non-ASCII in names, empty strings, huge page numbers, --X-FILE of a
 * missing file or of /dev/zero, duplicated flags, a bare --, flags without values, and hostile
 * global flags.
 *
 * Every one must get an Aliyun-style error (`ERROR: ...` on stderr; the whole SDK.ServerError
 * block with its ErrorCode for a service error), a non-zero exit, no stack trace, no raw control
 * character echoed back to the terminal, and leave the whole KMS_LOCAL_HOME byte-for-byte as it
 * was. audit.log is the one exception, by design: it may only grow, by lines recording failures.
 *
 * Each case runs in its own copy of one prepared home, 4 at a time. The default run takes a
 * representative sample (every operation and every kind of case, about 220 cases);
 * KMS_LOCAL_LONG_TESTS=1 runs the whole corpus.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operations, type OperationSpec } from '../../src/api/operations.js';
import { matchParam, type ParamSpec } from '../../src/api/params.js';
import { findGlobalFlag } from '../../src/cli/global-flags.js';
import { hashTree, makeHome, removeHome, runCli, runCliAsync, serviceError, type CliResult } from '../support/cli.js';
import { LONG, mapLimit, randomSource, seedOf, spawnCli } from '../support/workload.js';

type Want =
  /** A service error with one of these codes (exit 1). */
  | { codes: string[] }
  /** A CLI error: this exit code, stderr matching. */
  | { exit: number; stderr: RegExp };

interface Case {
  /** Unique; also the sampling stratum is `${op} ${kind}`. */
  name: string;
  op: string;
  kind: string;
  args: string[];
  want: Want;
}

const INVALID: Want = { codes: ['InvalidParameter'] };
const UNKNOWN_PARAM: Want = { exit: 2, stderr: /^ERROR: '--[^\n]*' is not a valid parameter or flag\. See `kms-local help kms \w+`\.\n/ };
const DUPLICATED: Want = { exit: 1, stderr: /^ERROR: parse failed flag duplicated --\S+\n$/ };
const MISSING_FILE: Want = { exit: 1, stderr: /^ERROR: failed to read --\S+-FILE '\/nonexistent\/kms-local-hostile\/[^']+': ENOENT\n$/ };
const ENDLESS_FILE: Want = { exit: 1, stderr: /^ERROR: failed to read --\S+-FILE '\/dev\/zero': larger than 1048576 bytes\n$/ };
const BARE_DASHES: Want = { exit: 1, stderr: /^ERROR: not support '--' in command line\n$/ };
const NO_VALUE: Want = { exit: 1, stderr: /^ERROR: --\S+ must be assigned with value\n$/ };
const MISSING_REQUIRED: Want = { exit: 3, stderr: /^ERROR: required parameters not assigned: \n( {2}--\S+\n)+\nuse `kms-local kms \w+ --help`/ };

/** Stands for the primary version id of 'alias/hostile', known once prepare() has made the key. */
const KEY_VERSION = '{{key-version}}';

const DIGEST = createHash('sha256').update('hostile message').digest('base64');
const POLICY = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['kms:*'], Resource: ['*'] }] });

/** A valid invocation of each operation on the prepared home (see `prepare`); hostile cases change one thing. */
const BASE: Record<string, [string, string][]> = {
  CreateSecret: [['SecretName', 'hostile-new'], ['VersionId', 'v1'], ['SecretData', 'hostile-value']],
  GetSecretValue: [['SecretName', 'existing']],
  PutSecretValue: [['SecretName', 'existing'], ['VersionId', 'v-new'], ['SecretData', 'hostile-value']],
  UpdateSecretVersionStage: [['SecretName', 'existing'], ['VersionStage', 'MyPendingLabel'], ['MoveToVersion', 'v1']],
  ListSecretVersionIds: [['SecretName', 'existing']],
  // No target is configured for the instance of 'dyn': this one fails as it is (Rejected.TargetNotFound).
  RotateSecret: [['SecretName', 'dyn'], ['VersionId', 'v-rotated']],
  UpdateSecretRotationPolicy: [['SecretName', 'dyn'], ['EnableAutomaticRotation', 'false']],
  GetRandomPassword: [],
  DescribeSecret: [['SecretName', 'existing']],
  ListSecrets: [],
  UpdateSecret: [['SecretName', 'existing'], ['Description', 'changed']],
  DeleteSecret: [['SecretName', 'existing']],
  RestoreSecret: [['SecretName', 'existing']],
  TagResource: [['SecretName', 'existing'], ['Tags', '[{"TagKey":"k2","TagValue":"v2"}]']],
  UntagResource: [['SecretName', 'existing'], ['TagKeys', '["k"]']],
  ListTagResources: [['ResourceType', 'secret']],
  GetSecretPolicy: [['SecretName', 'existing']],
  SetSecretPolicy: [['SecretName', 'existing'], ['Policy', POLICY]],
  BatchGetSecretValue: [['SecretsList', '[{"SecretName":"existing"}]']],
  TagResources: [['ResourceType', 'secret'], ['ResourceId.1', 'existing'], ['Tag.1.Key', 'k2'], ['Tag.1.Value', 'v2']],
  UntagResources: [['ResourceType', 'secret'], ['ResourceId.1', 'existing'], ['TagKey.1', 'k']],
  // Keys: 'alias/hostile' and 'alias/hostile-2' are made by prepare(); KEY_VERSION is filled in then.
  CreateKey: [['Description', 'hostile key']],
  DescribeKey: [['KeyId', 'alias/hostile']],
  ListKeys: [],
  UpdateKeyDescription: [['KeyId', 'alias/hostile'], ['Description', 'changed']],
  EnableKey: [['KeyId', 'alias/hostile-disabled']],
  DisableKey: [['KeyId', 'alias/hostile']],
  ScheduleKeyDeletion: [['KeyId', 'alias/hostile'], ['PendingWindowInDays', '7']],
  CancelKeyDeletion: [['KeyId', 'alias/hostile-pending']],
  SetDeletionProtection: [['KeyId', 'alias/hostile'], ['EnableDeletionProtection', 'true']],
  CreateKeyVersion: [['KeyId', 'alias/hostile']],
  DescribeKeyVersion: [['KeyId', 'alias/hostile'], ['KeyVersionId', KEY_VERSION]],
  ListKeyVersions: [['KeyId', 'alias/hostile']],
  UpdateRotationPolicy: [['KeyId', 'alias/hostile'], ['EnableAutomaticRotation', 'true'], ['RotationInterval', '30d']],
  CreateAlias: [['AliasName', 'alias/hostile-new'], ['KeyId', 'alias/hostile']],
  UpdateAlias: [['AliasName', 'alias/hostile'], ['KeyId', 'alias/hostile-2']],
  DeleteAlias: [['AliasName', 'alias/hostile-2']],
  ListAliases: [],
  ListAliasesByKeyId: [['KeyId', 'alias/hostile']],
  GetKeyPolicy: [['KeyId', 'alias/hostile']],
  SetKeyPolicy: [['KeyId', 'alias/hostile'], ['Policy', POLICY]],
  // Cryptography: {{name}} stands for a version, blob or signature prepare() makes (`made`).
  Encrypt: [['KeyId', 'alias/hostile'], ['Plaintext', 'hostile-plaintext']],
  Decrypt: [['CiphertextBlob', '{{blob}}']],
  ReEncrypt: [['CiphertextBlob', '{{blob}}'], ['DestinationKeyId', 'alias/hostile-2']],
  GenerateDataKey: [['KeyId', 'alias/hostile']],
  GenerateDataKeyWithoutPlaintext: [['KeyId', 'alias/hostile']],
  ExportDataKey: [['CiphertextBlob', '{{data-key-blob}}'], ['PublicKeyBlob', '{{public-key-blob}}'], ['WrappingAlgorithm', 'RSAES_OAEP_SHA_256'], ['WrappingKeySpec', 'RSA_2048']],
  GenerateAndExportDataKey: [['KeyId', 'alias/hostile'], ['PublicKeyBlob', '{{public-key-blob}}'], ['WrappingAlgorithm', 'RSAES_OAEP_SHA_256'], ['WrappingKeySpec', 'RSA_2048']],
  GetPublicKey: [['KeyId', 'alias/hostile-rsa'], ['KeyVersionId', '{{rsa-version}}']],
  AsymmetricSign: [['KeyId', 'alias/hostile-ec'], ['KeyVersionId', '{{ec-version}}'], ['Algorithm', 'ECDSA_SHA_256'], ['Digest', DIGEST]],
  AsymmetricVerify: [['KeyId', 'alias/hostile-ec'], ['KeyVersionId', '{{ec-version}}'], ['Algorithm', 'ECDSA_SHA_256'], ['Digest', DIGEST], ['Value', '{{signature}}']],
  AsymmetricEncrypt: [['KeyId', 'alias/hostile-rsa'], ['KeyVersionId', '{{rsa-version}}'], ['Algorithm', 'RSAES_OAEP_SHA_256'], ['Plaintext', 'aG9zdGlsZQ==']],
  AsymmetricDecrypt: [['KeyId', 'alias/hostile-rsa'], ['KeyVersionId', '{{rsa-version}}'], ['Algorithm', 'RSAES_OAEP_SHA_256'], ['CiphertextBlob', '{{rsa-blob}}']],
};

/** The base invocation of an operation; a new operation needs one here before its hostile cases can run. */
function baseOf(op: string): [string, string][] {
  const base = BASE[op];
  if (!base) throw new Error(`hostile-input: add a valid invocation of ${op} to BASE in test/e2e/hostile-input.test.ts (and what it needs to prepare())`);
  return base;
}

function argsOf(op: string, pairs: [string, string][]): string[] {
  return ['kms', op, ...pairs.flatMap(([name, value]) => [`--${name}`, value])];
}

/** The base invocation of `op` with `name` set to `value` (added when the base lacks it). */
function withValue(op: string, name: string, value: string): string[] {
  const base = baseOf(op);
  const pairs: [string, string][] = base.some(([n]) => n === name) ? base.map(([n, v]) => [n, n === name ? value : v]) : [...base, [name, value]];
  // `--Name=value`, so that values starting with - or empty stay values.
  return ['kms', op, ...pairs.map(([n, v]) => `--${n}=${v}`)];
}

/** The flag names a parameter is given as (a RepeatList as its first element). */
function flagOf(spec: ParamSpec): string {
  if (!spec.repeat) return spec.name;
  return spec.repeat.fields ? `${spec.name}.1.${spec.repeat.fields[0]}` : `${spec.name}.1`;
}

const CONTROL_AND_FOREIGN_NAMES = [
  ['a control character', 'bad\u0001name'],
  ['an escape sequence', 'bad\u001b[31mname'],
  ['a newline', 'bad\nname'],
  ['a tab', 'bad\tname'],
  ['a carriage return', 'bad\rname'],
  ['DEL', 'bad\u007fname'],
  ['a C1 control', 'bad\u009bname'],
  ['accented letters', 'mot-de-passé'],
  ['CJK', '秘密'],
  ['an emoji', 'key-🔑'],
  ['a right-to-left override', 'abc\u202edcba'],
  ['a zero-width space', 'zero\u200bwidth'],
  ['full-width letters', 'ｓｅｃｒｅｔ'],
  ['a lone surrogate', 'half\ud800'],
  ['spaces', 'two words'],
  ['a shell metacharacter', 'a;rm -rf'],
] as const;

/** Values that are not integers, or are out of [min, max]. */
function badIntegers(min: number, max: number): [string, string][] {
  return [
    ['letters', 'abc'],
    ['a fraction', '1.5'],
    ['an exponent', '1e2'],
    ['hex', '0x10'],
    ['below the range', String(min - 1)],
    ['above the range', String(max + 1)],
    ['a huge number', '99999999999999999999'],
    ['300 digits', '9'.repeat(300)],
    ['negative huge', '-99999999999999999999'],
    ['a space', ' 5'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
  ];
}

const BAD_BOOLEANS: [string, string][] = [
  ['yes', 'yes'],
  ['1', '1'],
  ['0', '0'],
  ['null', 'null'],
  ['a trailing space', 'true '],
];

const BAD_JSON: [string, string][] = [
  ['an unclosed object', '{'],
  ['an unclosed array', '['],
  ['a missing value', '{"a":'],
  ['single quotes', "['x']"],
  ['a trailing comma', '[1,]'],
  ['a bare word', 'nul'],
  ['a number', '42'],
  ['a string', '"text"'],
  ['null', 'null'],
  ['true', 'true'],
  ['arrays nested 100 deep', `${'['.repeat(100)}${']'.repeat(100)}`],
  ['objects nested 40 deep', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`],
  ['arrays nested 50000 deep', `${'['.repeat(50_000)}${']'.repeat(50_000)}`],
  ['an unclosed array 50000 deep', '['.repeat(50_000)],
  ['a huge number', '1e999999'],
  ['a lone surrogate escape', '["\\ud800"]'],
];

function generate(): Case[] {
  const cases: Case[] = [];
  const add = (c: Omit<Case, 'name'> & { what: string }): void => {
    const { what, ...rest } = c;
    cases.push({ ...rest, name: `${c.op}: ${what}` });
  };
  for (const op of operations) {
    const name = op.name;
    const params = op.params.filter((p) => !p.fromRegion);
    const isParam = (flag: string): boolean => matchParam(op.params, flag) !== undefined || findGlobalFlag(flag) !== undefined;

    // Unknown and misspelled parameters.
    add({ op: name, kind: 'unknown', what: 'an unknown parameter', args: [...argsOf(name, baseOf(name)), '--NoSuchParameter', 'x'], want: UNKNOWN_PARAM });
    add({ op: name, kind: 'unknown', what: 'a 10000-character parameter name', args: [...argsOf(name, baseOf(name)), `--${'A'.repeat(10_000)}`, 'x'], want: UNKNOWN_PARAM });
    for (const spec of params) {
      const flag = flagOf(spec);
      const misspellings = new Set([
        flag.toLowerCase(),
        flag.toUpperCase(),
        flag.slice(1),
        flag.slice(0, -1),
        `${flag}s`,
        flag.length > 3 ? `${flag.slice(0, 2)}${flag[3]}${flag[2]}${flag.slice(4)}` : `${flag}x`,
        `${flag}-File`,
        `${flag}_FILE`,
      ]);
      for (const wrong of misspellings) {
        if (wrong === flag || wrong === '' || isParam(wrong)) continue;
        add({ op: name, kind: 'misspelled', what: `--${wrong} for --${flag}`, args: [...argsOf(name, baseOf(name).filter(([n]) => n !== spec.name)), `--${wrong}`, 'x'], want: UNKNOWN_PARAM });
      }
    }

    for (const spec of params) {
      const flag = flagOf(spec);
      const set = (value: string): string[] => withValue(name, flag, value);
      const rule = spec.rule;

      // --X-FILE of a missing file; the same flag twice; a flag without a value.
      add({ op: name, kind: 'missing-file', what: `--${flag}-FILE of a missing file`, args: [...argsOf(name, baseOf(name).filter(([n]) => n !== flag)), `--${flag}-FILE`, `/nonexistent/kms-local-hostile/${flag}`], want: MISSING_FILE });
      add({ op: name, kind: 'endless-file', what: `--${flag}-FILE /dev/zero`, args: [...argsOf(name, baseOf(name).filter(([n]) => n !== flag)), `--${flag}-FILE`, '/dev/zero'], want: ENDLESS_FILE });
      add({ op: name, kind: 'duplicated', what: `--${flag} twice`, args: [...argsOf(name, baseOf(name).filter(([n]) => n !== flag)), `--${flag}`, 'a', `--${flag}=b`], want: DUPLICATED });
      add({ op: name, kind: 'duplicated', what: `--${flag} and --${flag}-FILE`, args: [...argsOf(name, baseOf(name).filter(([n]) => n !== flag)), `--${flag}`, 'a', `--${flag}-FILE`, '/dev/null'], want: DUPLICATED });
      add({ op: name, kind: 'no-value', what: `--${flag} without a value`, args: [...argsOf(name, baseOf(name).filter(([n]) => n !== flag)), `--${flag}`], want: NO_VALUE });

      // Empty strings, where the rule wants a value.
      const allowsEmpty = rule.kind === 'text' && rule.min === 0;
      if (!allowsEmpty) add({ op: name, kind: 'empty', what: `empty --${flag}`, args: set(''), want: INVALID });

      if (rule.kind === 'int') {
        for (const [what, value] of badIntegers(rule.min, rule.max)) add({ op: name, kind: 'integer', what: `--${flag} ${what}`, args: set(value), want: INVALID });
      }
      if (rule.kind === 'bool') {
        for (const [what, value] of BAD_BOOLEANS) add({ op: name, kind: 'boolean', what: `--${flag} ${what}`, args: set(value), want: INVALID });
      }
      if (rule.kind === 'enum') {
        const first = rule.values[0]!;
        const variants = new Set([first.toUpperCase(), first.toLowerCase(), `${first} `, ` ${first}`, 'nope', `${first}\u0000x`.replace('\u0000', '\u0001')]);
        for (const value of variants) if (!rule.values.includes(value)) add({ op: name, kind: 'enum', what: `--${flag} ${JSON.stringify(value)}`, args: set(value), want: INVALID });
      }
      if (rule.kind === 'json') {
        for (const [what, value] of BAD_JSON) add({ op: name, kind: 'json', what: `--${flag} ${what}`, args: set(value), want: INVALID });
      }
      if (spec.name === 'TagKeys') {
        for (const [what, value] of [
          ['a comma alone', ','],
          ['a JSON number in the array', '[1]'],
          ['unclosed JSON', '["k"'],
          ['a key starting aliyun', 'aliyun-x'],
          ['a key starting acs:', 'acs:x'],
          ['21 keys', Array.from({ length: 21 }, (_, i) => `k${i}`).join(',')],
          ['a key of 129 characters', 'k'.repeat(129)],
          ['arrays nested 100 deep', `${'['.repeat(100)}${']'.repeat(100)}`],
        ] as const) {
          add({ op: name, kind: 'json', what: `--TagKeys ${what}`, args: set(value), want: INVALID });
        }
      }
      // Oversize values for every length-limited parameter.
      if (rule.kind === 'text' && rule.max !== undefined) {
        add({ op: name, kind: 'oversize', what: `--${flag} of ${rule.max + 1} characters`, args: set('a'.repeat(rule.max + 1)), want: INVALID });
        add({ op: name, kind: 'oversize', what: `--${flag} of 100000 characters`, args: set('b'.repeat(100_000)), want: INVALID });
      }
      if (rule.kind === 'bytes') {
        add({ op: name, kind: 'oversize', what: `--${flag} of ${rule.max + 1} bytes`, args: set('a'.repeat(rule.max + 1)), want: INVALID });
        add({ op: name, kind: 'oversize', what: `--${flag} of ${Math.ceil((rule.max + 1) / 3)} three-byte characters`, args: set('€'.repeat(Math.ceil((rule.max + 1) / 3))), want: INVALID });
        add({ op: name, kind: 'oversize', what: `--${flag}-FILE of ${rule.max + 1} bytes from stdin`, args: [...argsOf(name, baseOf(name).filter(([n]) => n !== flag)), `--${flag}-FILE`, '-'], want: INVALID });
      }
      if (rule.kind === 'json' && spec.name !== 'ExtendedConfig.CustomData') {
        add({ op: name, kind: 'oversize', what: `--${flag} of 120000 characters`, args: set(`["${'c'.repeat(120_000)}"]`), want: INVALID });
      }

      // Control characters and non-ASCII in names: secret names, stage names, tag keys, ids of targets.
      const isName = ['SecretName', 'VersionStage', 'ResourceId'].includes(spec.name) || (rule.kind === 'text' && rule.pattern !== undefined);
      if (isName) {
        for (const [what, value] of CONTROL_AND_FOREIGN_NAMES) {
          const want = spec.name === 'ResourceId' ? { codes: ['InvalidParameter', 'Forbidden.ResourceNotFound'] } : INVALID;
          add({ op: name, kind: 'names', what: `--${flag} with ${what}`, args: set(value), want });
        }
      }
    }

    // Every required parameter missing; a stray word; a bare -- (after the operation and before it).
    if (params.some((p) => p.required)) add({ op: name, kind: 'required', what: 'every required parameter missing', args: ['kms', name], want: MISSING_REQUIRED });
    add({ op: name, kind: 'bare-dashes', what: 'a bare -- at the end', args: [...argsOf(name, baseOf(name)), '--'], want: BARE_DASHES });
    add({ op: name, kind: 'bare-dashes', what: 'a bare -- before the operation', args: ['kms', '--', name, ...argsOf(name, baseOf(name)).slice(2)], want: BARE_DASHES });
    add({ op: name, kind: 'stray', what: 'a stray word', args: [...argsOf(name, baseOf(name)), 'stray'], want: { exit: 1, stderr: /^ERROR: unexpected argument after \w+; quote values that contain spaces\.\n$/ } });
    add({ op: name, kind: 'stray', what: 'a single-dash flag', args: [...argsOf(name, baseOf(name)), '-z'], want: { exit: 2, stderr: /^ERROR: '-z' is not a valid flag/ } });

    // Hostile global flags.
    for (const [what, region] of [
      ['an escape sequence', 'cn\u001b[31m'],
      ['a newline', 'cn-\nhangzhou'],
      ['uppercase', 'CN-HANGZHOU'],
      ['an underscore', 'cn_hangzhou'],
      ['a path', '../../etc'],
      ['65 characters', `a${'-b'.repeat(32)}`],
    ] as const) {
      add({ op: name, kind: 'region', what: `--region with ${what}`, args: [...argsOf(name, baseOf(name)), '--region', region], want: INVALID });
    }
    add({ op: name, kind: 'region', what: 'an empty --region', args: [...argsOf(name, baseOf(name)), '--region='], want: INVALID });
    add({ op: name, kind: 'globals', what: 'an unknown --profile', args: [...argsOf(name, baseOf(name)), '--profile', 'nobody'], want: { exit: 3, stderr: /^ERROR: / } });
    add({ op: name, kind: 'globals', what: 'a --cli-query that does not parse', args: [...argsOf(name, baseOf(name)), '--cli-query', 'SecretName[[['], want: { exit: 1, stderr: /^ERROR: / } });
    add({ op: name, kind: 'globals', what: '--output with an unknown field', args: [...argsOf(name, baseOf(name)), '--output', 'nope=1'], want: { exit: 1, stderr: /^ERROR: / } });
    add({ op: name, kind: 'globals', what: '--region twice', args: [...argsOf(name, baseOf(name)), '--region', 'cn-hangzhou', '--region', 'cn-hangzhou'], want: { exit: 1, stderr: /^ERROR: parse failed flag duplicated --region\n$/ } });
  }

  // RepeatList indexes and fields out of the table's bounds.
  for (const [what, flag] of [
    ['ResourceId.0', 'ResourceId.0'],
    ['ResourceId.51', 'ResourceId.51'],
    ['ResourceId.01', 'ResourceId.01'],
    ['ResourceId.1.Key', 'ResourceId.1.Key'],
    ['ResourceId.9999999999', 'ResourceId.9999999999'],
    ['Tag.1 without a field', 'Tag.1'],
    ['Tag.1.Nope', 'Tag.1.Nope'],
    ['Tag.0.Key', 'Tag.0.Key'],
    ['Tag.21.Key', 'Tag.21.Key'],
    ['tag.1.key', 'tag.1.key'],
  ] as const) {
    const want = /^(ResourceId\.51|Tag\.21\.Key)$/.test(flag) ? INVALID : UNKNOWN_PARAM;
    add({ op: 'ListTagResources', kind: 'repeat', what: `--${what}`, args: [...argsOf('ListTagResources', baseOf('ListTagResources')), `--${flag}`, 'existing'], want });
  }
  add({ op: 'ListTagResources', kind: 'repeat', what: '--Tag.1.Value without --Tag.1.Key', args: [...argsOf('ListTagResources', baseOf('ListTagResources')), '--Tag.1.Value', 'v'], want: INVALID });

  // Not an operation at all.
  for (const [what, word] of [
    ['an operation in the wrong case', 'getsecretvalue'],
    ['a misspelled operation', 'GetSecretVaule'],
    ['an operation with a control character', 'Get\u0001SecretValue'],
    ['an operation of 10000 characters', `Get${'X'.repeat(10_000)}`],
    ['an empty operation', ''],
  ] as const) {
    add({ op: '(none)', kind: 'operation', what, args: ['kms', word, '--SecretName', 'existing'], want: { exit: 2, stderr: /^ERROR: / } });
  }
  return cases;
}

const corpus = generate();

/** A representative sample: every (operation, kind) stratum at least once, then random ones up to `size`. */
function sample(all: Case[], size: number, seed: number): Case[] {
  const rnd = randomSource(seed);
  const byStratum = new Map<string, Case[]>();
  for (const c of all) byStratum.set(`${c.op} ${c.kind}`, [...(byStratum.get(`${c.op} ${c.kind}`) ?? []), c]);
  const chosen = new Set<Case>([...byStratum.values()].map((group) => rnd.pick(group)));
  const rest = all.filter((c) => !chosen.has(c));
  while (chosen.size < size && rest.length > 0) chosen.add(rest.splice(rnd.int(rest.length), 1)[0]!);
  return all.filter((c) => chosen.has(c));
}

const SEED = seedOf(7);
const cases = LONG ? corpus : sample(corpus, 220, SEED);

interface Outcome {
  result: CliResult;
  before: string;
  after: string;
  auditBefore: string;
  auditAfter: string;
}

let template: string;
const outcomes = new Map<string, Outcome>();
const controls = new Map<string, { result: CliResult; changed: boolean }>();
const homes: string[] = [];

function copyOfTemplate(): string {
  const home = makeHome();
  homes.push(home);
  cpSync(template, home, { recursive: true });
  return home;
}

const storeHash = (home: string): string => hashTree(home, (rel) => rel === 'audit.log');
const auditOf = (home: string): string => {
  try {
    return readFileSync(join(home, 'audit.log'), 'utf8');
  } catch {
    return '';
  }
};

function prepare(): string {
  const home = makeHome();
  homes.push(home);
  const run = (...args: string[]): void => {
    const result = runCli(args, { home });
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
  };
  run('configure', 'set', '--profile', 'hostile', '--region', 'cn-hangzhou');
  run('kms', 'CreateSecret', '--SecretName', 'existing', '--SecretData', 'existing-v1', '--VersionId', 'v1', '--Tags', '[{"TagKey":"k","TagValue":"v"}]');
  run('kms', 'PutSecretValue', '--SecretName', 'existing', '--SecretData', 'existing-v2', '--VersionId', 'v2');
  run('kms', 'PutSecretValue', '--SecretName', 'existing', '--SecretData', 'existing-v3', '--VersionId', 'v3', '--VersionStages', '["MyPendingLabel"]');
  run(
    'kms',
    'CreateSecret',
    '--SecretName',
    'dyn',
    '--SecretType',
    'Rds',
    '--ExtendedConfig',
    '{"SecretSubType":"SingleUser","DBInstanceId":"rm-hostile"}',
    '--SecretData',
    '{"Accounts":[{"AccountName":"app","AccountPassword":"dyn-password-1"}]}',
    '--VersionId',
    'v1',
  );
  run('kms', 'ListSecrets');
  // Keys: one to work on, one an alias can move to, one disabled, one pending deletion.
  const keyOf = (alias: string): string => {
    const made = runCli(['kms', 'CreateKey', '--Description', alias], { home });
    expect({ code: made.code, stderr: made.stderr }).toEqual({ code: 0, stderr: '' });
    run('kms', 'CreateAlias', '--AliasName', alias, '--KeyId', made.json.KeyMetadata.KeyId);
    return made.json.KeyMetadata.PrimaryKeyVersion as string;
  };
  keyVersion = keyOf('alias/hostile');
  keyOf('alias/hostile-2');
  keyOf('alias/hostile-disabled');
  run('kms', 'DisableKey', '--KeyId', 'alias/hostile-disabled');
  keyOf('alias/hostile-pending');
  run('kms', 'ScheduleKeyDeletion', '--KeyId', 'alias/hostile-pending', '--PendingWindowInDays', '7');
  // Cryptography: an RSA encryption key and an EC signing key, and what the operations take in.
  const json = (...args: string[]): any => {
    const result = runCli(['kms', ...resolved(args)], { home });
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
    return result.json;
  };
  for (const [alias, spec, usage] of [['rsa', 'RSA_2048', 'ENCRYPT/DECRYPT'], ['ec', 'EC_P256', 'SIGN/VERIFY']] as const) {
    const meta = json('CreateKey', '--KeySpec', spec, '--KeyUsage', usage).KeyMetadata;
    json('CreateAlias', '--AliasName', `alias/hostile-${alias}`, '--KeyId', meta.KeyId);
    made[`{{${alias}-version}}`] = meta.PrimaryKeyVersion;
  }
  made['{{blob}}'] = json('Encrypt', '--KeyId', 'alias/hostile', '--Plaintext', 'existing-plaintext').CiphertextBlob;
  made['{{data-key-blob}}'] = json('GenerateDataKeyWithoutPlaintext', '--KeyId', 'alias/hostile').CiphertextBlob;
  const pem: string = json('GetPublicKey', '--KeyId', 'alias/hostile-rsa', '--KeyVersionId', '{{rsa-version}}').PublicKey;
  made['{{public-key-blob}}'] = pem.replace(/-----[A-Z ]+-----|\s/g, '');
  made['{{signature}}'] = json('AsymmetricSign', '--KeyId', 'alias/hostile-ec', '--KeyVersionId', '{{ec-version}}', '--Algorithm', 'ECDSA_SHA_256', '--Digest', DIGEST).Value;
  made['{{rsa-blob}}'] = json('AsymmetricEncrypt', '--KeyId', 'alias/hostile-rsa', '--KeyVersionId', '{{rsa-version}}', '--Algorithm', 'RSAES_OAEP_SHA_256', '--Plaintext', 'aG9zdGlsZQ==').CiphertextBlob;
  return home;
}

/** What prepare() made of the other {{name}} placeholders. */
const made: Record<string, string> = {};

/** What prepare() made of KEY_VERSION. */
let keyVersion = '';
const resolved = (args: readonly string[]): string[] =>
  args.map((a) => a.replaceAll(KEY_VERSION, keyVersion).replace(/\{\{[a-z-]+\}\}/g, (name) => made[name] ?? name));

beforeAll(async () => {
  template = prepare();
  // Controls: each base invocation is valid (RotateSecret fails for want of a target), and a
  // valid mutating call does change the hash, so an unchanged hash means something.
  await mapLimit(operations, 4, async (op: OperationSpec) => {
    const home = copyOfTemplate();
    const before = storeHash(home);
    const result = await runCliAsync(resolved(argsOf(op.name, baseOf(op.name))), { home });
    controls.set(op.name, { result, changed: storeHash(home) !== before });
  });
  await mapLimit(cases, 4, async (c) => {
    const home = copyOfTemplate();
    const before = storeHash(home);
    const auditBefore = auditOf(home);
    const input = c.args.some((a) => a.endsWith('-FILE') && c.args[c.args.indexOf(a) + 1] === '-') ? 'a'.repeat(30_721) : '';
    // A hang is a finding too: it is killed after 20 s and fails its case.
    const result = await spawnCli(resolved(c.args), { home, input, timeoutMs: 20_000 }).done;
    outcomes.set(c.name, { result, before, after: storeHash(home), auditBefore, auditAfter: auditOf(home) });
    removeHome(home);
  });
}, 600_000);

afterAll(() => homes.forEach(removeHome));

describe('the corpus', () => {
  test(`is generated from the operation table: ${corpus.length} cases over every operation (${cases.length} run now; seed ${SEED})`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    for (const op of operations) expect(cases.filter((c) => c.op === op.name).length).toBeGreaterThanOrEqual(5);
    for (const kind of ['unknown', 'misspelled', 'integer', 'boolean', 'enum', 'json', 'oversize', 'names', 'empty', 'missing-file', 'endless-file', 'duplicated', 'bare-dashes']) {
      expect({ kind, sampled: cases.some((c) => c.kind === kind) }).toEqual({ kind, sampled: true });
    }
  });

  test('controls: each base invocation is valid, and a valid change does change the hashed home', () => {
    for (const op of operations) {
      const { result, changed } = controls.get(op.name)!;
      if (op.name === 'RotateSecret') expect(serviceError(result.stderr)?.code).toBe('Rejected.TargetNotFound');
      else expect({ op: op.name, code: result.code, stderr: result.stderr }).toEqual({ op: op.name, code: 0, stderr: '' });
      // RestoreSecret of a secret not pending deletion changes nothing, by docs/design.md §4 rule 9.
      if (op.mutates && !['RotateSecret', 'RestoreSecret'].includes(op.name)) expect({ op: op.name, changed }).toEqual({ op: op.name, changed: true });
    }
  });
});

/** C0 controls other than newline, DEL, C1 controls and bidi overrides: nothing a terminal should be sent raw. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('every hostile invocation: an Aliyun-style error, a non-zero exit, no stack, nothing raw echoed, the home unchanged', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const outcome = outcomes.get(c.name);
    expect(outcome).toBeDefined();
    const { result, before, after, auditBefore, auditAfter } = outcome!;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^ERROR: /);
    expect(result.stderr).not.toMatch(/\n\s+at |node:internal|internal error|\bundefined\b/);
    if (result.stderr.startsWith('ERROR: SDK.ServerError')) expect(serviceError(result.stderr)).toBeDefined();
    if ('codes' in c.want) {
      const code = serviceError(result.stderr)?.code;
      expect({ exit: result.code, code: c.want.codes.includes(code!) ? 'expected' : code, stdout: result.stdout }).toEqual({ exit: 1, code: 'expected', stdout: '' });
    } else {
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: c.want.exit, stderr: expect.stringMatching(c.want.stderr) });
    }
    expect({ stderr: RAW_CONTROL.test(result.stderr), stdout: RAW_CONTROL.test(result.stdout) }).toEqual({ stderr: false, stdout: false });
    expect(after).toBe(before);
    // The audit trail only grows, and only by lines that record failures.
    expect(auditAfter.startsWith(auditBefore)).toBe(true);
    for (const line of auditAfter.slice(auditBefore.length).split('\n').filter(Boolean)) expect(JSON.parse(line).outcome).toBe('error');
  });
});
