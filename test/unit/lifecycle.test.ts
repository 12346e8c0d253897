/**
 * The life-cycle rules of docs/design.md §4 rule 9 and the rules of the issue-3 operations (ListSecrets
 * filters, tags, policies, UpdateSecret), as pure functions: one test per rule, named by the rule,
 * each table row a case of it. No input is ever changed in place.
 */
import { describe, expect, test } from '@jest/globals';
import { T0, secretRecord, serviceErrorCode as errorCodeOf } from '../support/core.js';
import type { SecretRecord, Tag } from '../../src/core/model.js';
import {
  assertNotPendingDeletion,
  isPastDeletion,
  deletionState,
  rehearsedDeletionConflict,
  type DeletionState,
  isPendingDeletion,
  planDeletion,
  recoveryWindowDays,
  restoreSecret,
  type DeleteRequest,
} from '../../src/core/lifecycle.js';
import { listSecrets, matchesFilters, parseFilters, type SecretFilter } from '../../src/core/list-filter.js';
import { addTags, pageRows, removeTags, tagRows } from '../../src/core/tags.js';
import { checkPolicyDocument, defaultPolicy } from '../../src/core/policy.js';
import { updateSecret } from '../../src/core/metadata.js';

const NOW_MS = Date.parse('2026-06-01T12:00:00Z');
const NOW = '2026-06-01T12:00:00Z';
const DAY = 86_400_000;
const ACCOUNT = '1234567890123456';

const secretOf = (over: Partial<SecretRecord> = {}): SecretRecord => secretRecord([['v1', ['ACSCurrent']]], over);

const pending = (plannedDeleteTime = '2026-06-08T12:00:00Z'): SecretRecord => secretOf({ plannedDeleteTime });

/** Calls `fn` on a secret and checks that the secret itself was left as it was. */
function unchanged<T>(secret: SecretRecord, fn: (s: SecretRecord) => T): T {
  const snapshot = structuredClone(secret);
  try {
    return fn(secret);
  } finally {
    expect(secret).toEqual(snapshot);
  }
}

describe('DeleteSecret (rule 9)', () => {
  test.each<[string, DeleteRequest, number]>([
    ['default window', {}, 30],
    ['7 days', { recoveryWindowInDays: 7 }, 7],
    ['30 days', { recoveryWindowInDays: 30 }, 30],
    ['window with force=false', { recoveryWindowInDays: 12, force: false }, 12],
  ])('the recovery window is 7 to 30 days, 30 by default: %s', (_case, request, days) => {
    expect(recoveryWindowDays(request)).toBe(days);
    const outcome = unchanged(secretOf(), (s) => planDeletion(s, request, NOW_MS));
    expect(outcome.kind).toBe('schedule');
    const expected = new Date(NOW_MS + days * DAY).toISOString().replace('.000Z', 'Z');
    expect(outcome.plannedDeleteTime).toBe(expected);
    if (outcome.kind === 'schedule') {
      expect(outcome.secret.plannedDeleteTime).toBe(expected);
      expect(outcome.secret.versions).toEqual(secretOf().versions);
    }
  });

  test.each<[string, DeleteRequest]>([
    ['6 days', { recoveryWindowInDays: 6 }],
    ['31 days', { recoveryWindowInDays: 31 }],
    ['0 days', { recoveryWindowInDays: 0 }],
    ['a fraction', { recoveryWindowInDays: 7.5 }],
    ['window with force', { recoveryWindowInDays: 7, force: true }],
    ['default window spelled out with force', { recoveryWindowInDays: 30, force: true }],
  ])('a window outside 7-30, or any window with ForceDeleteWithoutRecovery=true, is InvalidParameter: %s', (_case, request) => {
    expect(errorCodeOf(() => unchanged(secretOf(), (s) => planDeletion(s, request, NOW_MS)))).toBe('InvalidParameter');
  });

  test.each<[string, SecretRecord]>([
    ['an active secret', secretOf()],
    ['a secret pending deletion', pending()],
  ])('force removes the secret at once, PlannedDeleteTime being now: %s', (_case, secret) => {
    expect(unchanged(secret, (s) => planDeletion(s, { force: true }, NOW_MS))).toEqual({ kind: 'remove', plannedDeleteTime: NOW });
  });

  test.each<[string, DeleteRequest]>([
    ['default window', {}],
    ['explicit window', { recoveryWindowInDays: 7 }],
    ['force=false', { force: false }],
  ])('a second DeleteSecret without force on a pending secret is Rejected.ResourceInDeleteWindow: %s', (_case, request) => {
    expect(errorCodeOf(() => unchanged(pending(), (s) => planDeletion(s, request, NOW_MS)))).toBe('Rejected.ResourceInDeleteWindow');
  });
});

describe('pending deletion and expiry (rule 9)', () => {
  test.each<[string, SecretRecord, boolean]>([
    ['active', secretOf(), false],
    ['pending', pending(), true],
  ])('a secret is pending deletion exactly when it has a PlannedDeleteTime: %s', (_case, secret, expected) => {
    expect(isPendingDeletion(secret)).toBe(expected);
    if (expected) expect(errorCodeOf(() => assertNotPendingDeletion(secret))).toBe('Rejected.ResourceInDeleteWindow');
    else expect(() => assertNotPendingDeletion(secret)).not.toThrow();
  });

  test.each<[string, SecretRecord, number, boolean]>([
    ['active secret, far future', secretOf(), NOW_MS + 1000 * DAY, false],
    ['pending, a second before', pending(NOW), NOW_MS - 1000, false],
    ['pending, at PlannedDeleteTime', pending(NOW), NOW_MS, true],
    ['pending, a day after', pending(NOW), NOW_MS + DAY, true],
  ])('a secret is gone once its PlannedDeleteTime has come: %s', (_case, secret, nowMs, expected) => {
    expect(isPastDeletion(secret, nowMs)).toBe(expected);
  });

  // [case, secret, the request's clock, the real clock, state]
  test.each<[string, SecretRecord, number, number, DeletionState]>([
    ['active secret: present by any clocks', secretOf(), NOW_MS + 1000 * DAY, NOW_MS + 1000 * DAY, 'present'],
    ['pending, before the time by both clocks: present', pending(NOW), NOW_MS - 1000, NOW_MS - 1000, 'present'],
    ['pending, past it by the real clock but not by the request clock (rehearsing the past): present', pending(NOW), NOW_MS - 1000, NOW_MS + DAY, 'present'],
    ['pending, past it by a rehearsal clock only: gone but kept', pending(NOW), NOW_MS + DAY, NOW_MS - 1000, 'gone'],
    ['pending, past it by both clocks: purged', pending(NOW), NOW_MS + DAY, NOW_MS + DAY, 'purge'],
    ['pending, both clocks exactly at the time: purged', pending(NOW), NOW_MS, NOW_MS, 'purge'],
  ])('a rehearsal clock never destroys: the file goes only when the real clock has passed PlannedDeleteTime too: %s', (_case, secret, nowMs, realNowMs, expected) => {
    expect(deletionState(secret, nowMs, realNowMs)).toBe(expected);
  });

  test('a write to the name of a secret deleted only by the rehearsal clock is refused with the real time', () => {
    const err = rehearsedDeletionConflict(pending(NOW));
    expect(err.code).toBe('Rejected.ResourceInDeleteWindow');
    expect(err.message).toContain(NOW);
  });
});

describe('RestoreSecret (rule 9)', () => {
  test('restoring a pending secret cancels the deletion and keeps versions, tags and policy', () => {
    const secret = secretOf({ plannedDeleteTime: '2026-06-08T12:00:00Z', tags: [{ TagKey: 'k', TagValue: 'v' }], policy: '{}' });
    const outcome = unchanged(secret, (s) => restoreSecret(s, NOW_MS));
    expect(outcome.changed).toBe(true);
    expect(outcome.secret.plannedDeleteTime).toBeUndefined();
    expect('plannedDeleteTime' in outcome.secret).toBe(false);
    const { plannedDeleteTime: _p, updateTime: _u, ...rest } = secret;
    const { updateTime, ...restored } = outcome.secret;
    expect(restored).toEqual(rest);
    expect(updateTime).toBe(NOW);
  });

  test('restoring a secret that is not pending is a success that changes nothing', () => {
    const secret = secretOf();
    const outcome = unchanged(secret, (s) => restoreSecret(s, NOW_MS));
    expect(outcome).toEqual({ secret, changed: false });
  });
});

describe('ListSecrets filters', () => {
  const secrets = [
    secretOf({ name: 'db_cred', description: 'main database', tags: [{ TagKey: 'env', TagValue: 'prod' }] }),
    secretOf({ name: 'app/api-key', description: 'API key', tags: [{ TagKey: 'env', TagValue: 'dev' }, { TagKey: 'team', TagValue: 'a' }] }),
    secretOf({ name: 'Zeta', dkmsInstanceId: 'kst-1', tags: [{ TagKey: 'team', TagValue: 'prod' }] }),
    secretOf({ name: 'old', plannedDeleteTime: '2026-06-08T12:00:00Z' }),
  ];
  const names = (filters: SecretFilter[]): string[] =>
    listSecrets(secrets, { filters, pageNumber: 1, pageSize: 100, creator: ACCOUNT }).secrets.map((s) => s.name);

  test.each<[string, SecretFilter[], string[]]>([
    ['no filter: every secret, pending ones too', [], ['Zeta', 'app/api-key', 'db_cred', 'old']],
    ['SecretName is a substring', [{ key: 'SecretName', values: ['api'] }], ['app/api-key']],
    ['SecretName is case-sensitive', [{ key: 'SecretName', values: ['zeta'] }], []],
    ['SecretName values are OR-ed', [{ key: 'SecretName', values: ['db_', 'Zet'] }], ['Zeta', 'db_cred']],
    ['Description is a substring', [{ key: 'Description', values: ['database'] }], ['db_cred']],
    ['TagKey is exact', [{ key: 'TagKey', values: ['tea'] }], []],
    ['TagKey matches any tag', [{ key: 'TagKey', values: ['team'] }], ['Zeta', 'app/api-key']],
    ['TagValue is exact', [{ key: 'TagValue', values: ['prod'] }], ['Zeta', 'db_cred']],
    ['keys are AND-ed', [{ key: 'TagKey', values: ['env'] }, { key: 'TagValue', values: ['prod'] }], ['db_cred']],
    ['TagKey and TagValue need not be the same tag', [{ key: 'TagKey', values: ['env'] }, { key: 'TagValue', values: ['a'] }], ['app/api-key']],
    ['DKMSInstanceId is exact', [{ key: 'DKMSInstanceId', values: ['kst-1'] }], ['Zeta']],
    ['SecretType is exact', [{ key: 'SecretType', values: ['Rds'] }], []],
    ['Creator is the local account', [{ key: 'Creator', values: [ACCOUNT] }], ['Zeta', 'app/api-key', 'db_cred', 'old']],
    ['another Creator matches nothing', [{ key: 'Creator', values: ['9999999999999999'] }], []],
    ['an empty Values list sets no condition', [{ key: 'SecretName', values: [] }], ['Zeta', 'app/api-key', 'db_cred', 'old']],
    ['a key given twice must hold both times', [{ key: 'SecretName', values: ['a'] }, { key: 'SecretName', values: ['k'] }], ['app/api-key']],
  ])('values within a key are OR-ed, keys AND-ed, sorted by name in code units: %s', (_case, filters, expected) => {
    expect(names(filters)).toEqual(expected);
    for (const s of secrets) expect(matchesFilters(s, filters, { creator: ACCOUNT })).toBe(expected.includes(s.name));
  });

  test.each<[number, number, string[], number]>([
    [1, 2, ['Zeta', 'app/api-key'], 4],
    [2, 2, ['db_cred', 'old'], 4],
    [3, 2, [], 4],
    [2, 3, ['old'], 4],
  ])('pages count from 1 and TotalCount counts every match: page %i of size %i', (pageNumber, pageSize, expected, total) => {
    const page = listSecrets(secrets, { filters: [], pageNumber, pageSize, creator: ACCOUNT });
    expect(page.secrets.map((s) => s.name)).toEqual(expected);
    expect(page.total).toBe(total);
  });

  /** The secrets as a store's lazy listing gives them; `asked` records whose metadata was read. */
  const lazily = (asked: string[]) => (s: (typeof secrets)[number]) => {
    asked.push(s.name);
    return s;
  };

  test.each<[string, SecretFilter[]]>([
    ['no filter', []],
    ['only empty Values lists', [{ key: 'SecretName', values: [] }, { key: 'TagKey', values: [] }]],
  ])('a listing with no condition (%s) reads the metadata of no secret, and pages and counts the same', (_case, filters) => {
    const asked: string[] = [];
    const page = listSecrets(secrets, { filters, pageNumber: 2, pageSize: 2, creator: ACCOUNT }, lazily(asked));
    expect(asked).toEqual([]);
    expect(page).toEqual(listSecrets(secrets, { filters: [], pageNumber: 2, pageSize: 2, creator: ACCOUNT }));
  });

  test('a listing with a condition reads the metadata of every secret once, and matches as with metadata at hand', () => {
    const asked: string[] = [];
    const filters: SecretFilter[] = [{ key: 'TagKey', values: ['team'] }];
    const page = listSecrets(secrets, { filters, pageNumber: 1, pageSize: 100, creator: ACCOUNT }, lazily(asked));
    expect([...asked].sort()).toEqual(secrets.map((s) => s.name).sort());
    expect(page).toEqual(listSecrets(secrets, { filters, pageNumber: 1, pageSize: 100, creator: ACCOUNT }));
  });

  test.each<[string, unknown]>([
    ['not an array', { Key: 'SecretName', Values: ['a'] }],
    ['an item is not an object', ['SecretName']],
    ['unknown Key', [{ Key: 'Name', Values: ['a'] }]],
    ['Key in another case', [{ Key: 'secretname', Values: ['a'] }]],
    ['extra field', [{ Key: 'SecretName', Values: ['a'], Op: 'eq' }]],
    ['Values missing', [{ Key: 'SecretName' }]],
    ['Values not an array', [{ Key: 'SecretName', Values: 'a' }]],
    ['a value not a string', [{ Key: 'SecretName', Values: [1] }]],
    ['11 values', [{ Key: 'SecretName', Values: Array.from({ length: 11 }, (_, i) => `s${i}`) }]],
    ['11 filters', Array.from({ length: 11 }, () => ({ Key: 'SecretName', Values: ['a'] }))],
    ['SecretName with a bad character', [{ Key: 'SecretName', Values: ['a b'] }]],
    ['empty SecretName value', [{ Key: 'SecretName', Values: [''] }]],
    ['SecretType that is no type', [{ Key: 'SecretType', Values: ['Mongo'] }]],
    ['Description longer than 256', [{ Key: 'Description', Values: ['x'.repeat(257)] }]],
  ])('a malformed Filters value is InvalidParameter: %s', (_case, value) => {
    expect(errorCodeOf(() => parseFilters(value, 'Filters'))).toBe('InvalidParameter');
  });

  test('a well-formed Filters value parses to filters', () => {
    expect(parseFilters([{ Key: 'SecretType', Values: ['Generic'] }, { Key: 'TagKey', Values: [] }], 'Filters')).toEqual([
      { key: 'SecretType', values: ['Generic'] },
      { key: 'TagKey', values: [] },
    ]);
  });
});

describe('tags', () => {
  const tagsOf = (n: number, prefix = 'k'): Tag[] => Array.from({ length: n }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: 'v' }));

  test.each<[string, Tag[], Tag[], Tag[]]>([
    ['add to none', [], [{ TagKey: 'a', TagValue: '1' }], [{ TagKey: 'a', TagValue: '1' }]],
    ['new key appended', [{ TagKey: 'a', TagValue: '1' }], [{ TagKey: 'b', TagValue: '2' }], [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'b', TagValue: '2' }]],
    ['existing key gets the new value', [{ TagKey: 'a', TagValue: '1' }], [{ TagKey: 'a', TagValue: '9' }], [{ TagKey: 'a', TagValue: '9' }]],
    ['up to 20 in all', tagsOf(19), [{ TagKey: 'x', TagValue: 'v' }], [...tagsOf(19), { TagKey: 'x', TagValue: 'v' }]],
    ['replacing at 20 keeps 20', tagsOf(20), [{ TagKey: 'k0', TagValue: 'w' }], [{ TagKey: 'k0', TagValue: 'w' }, ...tagsOf(20).slice(1)]],
  ])('TagResource adds new keys and replaces the values of existing ones: %s', (_case, before, added, after) => {
    const outcome = unchanged(secretOf({ tags: before }), (s) => addTags(s, added, NOW));
    expect(outcome.tags).toEqual(after);
    expect(outcome.updateTime).toBe(NOW);
  });

  test.each<[string, Tag[], Tag[], string]>([
    ['21 in all', tagsOf(20), [{ TagKey: 'x', TagValue: 'v' }], 'Rejected.LimitExceeded'],
    ['no tag given', [], [], 'InvalidParameter'],
  ])('TagResource beyond 20 tags, or with none, is refused: %s', (_case, before, added, code) => {
    expect(errorCodeOf(() => unchanged(secretOf({ tags: before }), (s) => addTags(s, added, NOW)))).toBe(code);
  });

  test.each<[string, Tag[], string[], Tag[], boolean]>([
    ['remove one', [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'b', TagValue: '2' }], ['a'], [{ TagKey: 'b', TagValue: '2' }], true],
    ['unknown keys are ignored', [{ TagKey: 'a', TagValue: '1' }], ['zz'], [{ TagKey: 'a', TagValue: '1' }], false],
    ['remove all', [{ TagKey: 'a', TagValue: '1' }], ['a', 'zz'], [], true],
  ])('UntagResource removes the listed keys and ignores keys not carried: %s', (_case, before, keys, after, changed) => {
    const outcome = unchanged(secretOf({ tags: before }), (s) => removeTags(s, keys, NOW));
    expect(outcome.secret.tags).toEqual(after);
    expect(outcome.changed).toBe(changed);
  });

  test('ListTagResources lists every tag of the secrets that carry all the condition tags, by ResourceId then TagKey', () => {
    const secrets = [
      secretOf({ name: 'b', tags: [{ TagKey: 'z', TagValue: '1' }, { TagKey: 'env', TagValue: 'prod' }] }),
      secretOf({ name: 'a', tags: [{ TagKey: 'env', TagValue: 'dev' }] }),
      secretOf({ name: 'c', tags: [] }),
    ];
    const rows = (conditions: { key: string; value?: string }[]): string[] =>
      tagRows(secrets, conditions).map((r) => `${r.ResourceId}:${r.TagKey}=${r.TagValue}`);
    expect(rows([])).toEqual(['a:env=dev', 'b:env=prod', 'b:z=1']);
    expect(rows([{ key: 'env' }])).toEqual(['a:env=dev', 'b:env=prod', 'b:z=1']);
    expect(rows([{ key: 'env', value: 'prod' }])).toEqual(['b:env=prod', 'b:z=1']);
    expect(rows([{ key: 'env' }, { key: 'z' }])).toEqual(['b:env=prod', 'b:z=1']);
    expect(rows([{ key: 'nope' }])).toEqual([]);
    expect(tagRows(secrets, [])[0]!.ResourceType).toBe('secret');
  });

  test.each<[number, number, number[], number | undefined]>([
    [0, 2, [0, 1], 2],
    [2, 2, [2, 3], 4],
    [4, 2, [4], undefined],
    [5, 2, [], undefined],
  ])('ListTagResources pages carry a next offset while rows remain: offset %i size %i', (offset, size, page, next) => {
    expect(pageRows([0, 1, 2, 3, 4], offset, size)).toEqual(next === undefined ? { page } : { page, nextOffset: next });
  });
});

describe('secret policies', () => {
  const statement = { Effect: 'Allow', Action: ['kms:*'], Resource: ['*'], Principal: { RAM: ['acs:ram::1:*'] } };

  test('a secret never given a policy has the default policy, which allows the local account everything', () => {
    const policy = JSON.parse(defaultPolicy(ACCOUNT));
    expect(policy).toEqual({
      Version: '1',
      Statement: [{ Sid: 'kms default secret policy', Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACCOUNT}:*`] }, Action: ['kms:*'], Resource: ['*'] }],
    });
    expect(checkPolicyDocument(policy, 'Policy')).toBe(defaultPolicy(ACCOUNT));
  });

  test.each<[string, unknown]>([
    ['minimal', { Version: '1', Statement: [{ Effect: 'Deny', Action: 'kms:GetSecretValue' }] }],
    ['full', { Version: '1', Id: 'p', Statement: [{ Sid: 's', ...statement, Condition: { Bool: { 'acs:SecureTransport': 'true' } } }] }],
    ['principal *', { Version: '1', Statement: [{ ...statement, Principal: '*' }] }],
  ])('a policy document with Version "1" and statements of Effect and Action is accepted: %s', (_case, doc) => {
    expect(JSON.parse(checkPolicyDocument(doc, 'Policy'))).toEqual(doc);
  });

  test.each<[string, unknown]>([
    ['not an object', ['x']],
    ['Version 2', { Version: '2', Statement: [statement] }],
    ['Version as a number', { Version: 1, Statement: [statement] }],
    ['no statement', { Version: '1', Statement: [] }],
    ['Statement not a list', { Version: '1', Statement: statement }],
    ['unknown document element', { Version: '1', Statement: [statement], Extra: 1 }],
    ['Effect missing', { Version: '1', Statement: [{ Action: ['kms:*'] }] }],
    ['Effect lowercase', { Version: '1', Statement: [{ ...statement, Effect: 'allow' }] }],
    ['Action missing', { Version: '1', Statement: [{ Effect: 'Allow' }] }],
    ['Action empty', { Version: '1', Statement: [{ ...statement, Action: [] }] }],
    ['Resource a number', { Version: '1', Statement: [{ ...statement, Resource: 5 }] }],
    ['Principal a list', { Version: '1', Statement: [{ ...statement, Principal: ['x'] }] }],
    ['Condition a string', { Version: '1', Statement: [{ ...statement, Condition: 'x' }] }],
    ['unknown statement element', { Version: '1', Statement: [{ ...statement, NotAction: ['x'] }] }],
    ['over 32768 bytes', { Version: '1', Statement: [{ ...statement, Sid: 'x'.repeat(32768) }] }],
  ])('anything else is InvalidParameter: %s', (_case, doc) => {
    expect(errorCodeOf(() => checkPolicyDocument(doc, 'Policy'))).toBe('InvalidParameter');
  });
});

describe('UpdateSecret', () => {
  test.each<[string, string, boolean]>([
    ['a new description', 'new', true],
    ['the same description', 'old', false],
    ['clearing it', '', true],
  ])('Description replaces the description; the same text changes nothing: %s', (_case, description, changed) => {
    const outcome = unchanged(secretOf({ description: 'old' }), (s) => updateSecret(s, { description }, NOW));
    expect(outcome.changed).toBe(changed);
    expect(outcome.secret.description).toBe(description);
    expect(outcome.secret.updateTime).toBe(changed ? NOW : T0);
  });

  test('ExtendedConfig.CustomData is refused for a Generic secret', () => {
    expect(errorCodeOf(() => unchanged(secretOf(), (s) => updateSecret(s, { customData: { a: 1 } }, NOW)))).toBe('InvalidParameter');
  });

  test('ExtendedConfig.CustomData replaces the CustomData of a dynamic secret, at most 10 entries', () => {
    const rds = secretOf({ type: 'Rds', extendedConfig: { SecretSubType: 'SingleUser', DBInstanceId: 'rm-1', CustomData: { old: 1 } } });
    const outcome = unchanged(rds, (s) => updateSecret(s, { customData: { k: 'v' } }, NOW));
    expect(outcome.secret.extendedConfig).toEqual({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-1', CustomData: { k: 'v' } });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]));
    expect(errorCodeOf(() => updateSecret(rds, { customData: eleven }, NOW))).toBe('InvalidParameter');
  });
});
