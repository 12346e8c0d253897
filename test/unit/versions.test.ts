/**
 * The version and stage rules of docs/design.md §4 (rules 1-8), one `describe` per rule, each table row a
 * case of that rule. Secrets are written as shapes: [versionId, stages] pairs, oldest first.
 */
import { describe, expect, test } from '@jest/globals';
import { secretRecord, serviceErrorCode as errorCodeOf } from '../support/core.js';
import { ACS_CURRENT as C, ACS_PREVIOUS as P, type SecretRecord } from '../../src/core/model.js';
import { listVersions, putVersion, selectVersion, updateVersionStage, type NewVersion } from '../../src/core/versions.js';

type Shape = [versionId: string, stages: string[]][];

const NOW = '2026-06-01T12:00:00Z';

const secretOf = (shape: Shape): SecretRecord => secretRecord(shape);

/** The shape of a secret, stages sorted so that order within a version does not matter. */
function shapeOf(secret: SecretRecord): Shape {
  return secret.versions.map((v) => [v.versionId, [...v.stages].sort()]);
}

function sorted(shape: Shape): Shape {
  return shape.map(([id, stages]) => [id, [...stages].sort()]);
}

function newVersion(versionId: string, stages?: string[]): NewVersion {
  return {
    versionId,
    dataType: 'text',
    digest: `digest-of-${versionId}`,
    payload: { keyId: 'key-local-test', wrappedKey: `wk-${versionId}`, ciphertext: `ct-${versionId}` },
    stages,
  };
}

/** Rule 3 holds of every secret the core returns: each stage on at most one version, at most 8 stages. */
function expectStageInvariant(secret: SecretRecord): void {
  const all = secret.versions.flatMap((v) => v.stages);
  expect(new Set(all).size).toBe(all.length);
  expect(new Set(all).size).toBeLessThanOrEqual(8);
}

/** Runs a put and checks the outcome against the expected shape; the input must not change. */
function checkPut(before: Shape, put: NewVersion, after: Shape): void {
  const secret = secretOf(before);
  const snapshot = structuredClone(secret);
  const outcome = putVersion(secret, put, NOW);
  expect(shapeOf(outcome.secret)).toEqual(sorted(after));
  expect(secret).toEqual(snapshot);
  expect(outcome.changed).toBe(true);
  expect(outcome.version.versionId).toBe(put.versionId);
  expect(outcome.version.createTime).toBe(NOW);
  expect(outcome.secret.updateTime).toBe(NOW);
  expectStageInvariant(outcome.secret);
}

describe('rule 1: PutSecretValue without VersionStages makes the new version ACSCurrent and shifts ACSPrevious', () => {
  const cases: { name: string; before: Shape; put: string; after: Shape }[] = [
    {
      name: 'the first rotation: the former current becomes ACSPrevious',
      before: [['v1', [C]]],
      put: 'v2',
      after: [['v1', [P]], ['v2', [C]]],
    },
    {
      name: 'ACSPrevious leaves its old holder, which keeps no stage',
      before: [['v1', [P]], ['v2', [C]]],
      put: 'v3',
      after: [['v1', []], ['v2', [P]], ['v3', [C]]],
    },
    {
      name: 'the former current keeps its custom stages',
      before: [['v1', [C, 'Blue']]],
      put: 'v2',
      after: [['v1', ['Blue', P]], ['v2', [C]]],
    },
    {
      name: 'a custom stage on the old ACSPrevious holder stays there',
      before: [['v1', [P, 'Audit']], ['v2', [C]]],
      put: 'v3',
      after: [['v1', ['Audit']], ['v2', [P]], ['v3', [C]]],
    },
    {
      name: 'with no current version, nobody becomes ACSPrevious',
      before: [['v1', ['MyPendingLabel']]],
      put: 'v2',
      after: [['v1', ['MyPendingLabel']], ['v2', [C]]],
    },
  ];
  test.each(cases)('$name', ({ before, put, after }) => checkPut(before, newVersion(put), after));
});

describe('rule 2: PutSecretValue with VersionStages gives exactly those stages; ACSCurrent/ACSPrevious move only if listed', () => {
  const cases: { name: string; before: Shape; put: string; stages: string[]; after: Shape }[] = [
    {
      name: 'a custom stage leaves ACSCurrent and ACSPrevious where they are',
      before: [['v1', [P]], ['v2', [C]]],
      put: 'v3',
      stages: ['MyPendingLabel'],
      after: [['v1', [P]], ['v2', [C]], ['v3', ['MyPendingLabel']]],
    },
    {
      name: 'a listed stage leaves the version that held it',
      before: [['v1', [C, 'MyPendingLabel']]],
      put: 'v2',
      stages: ['MyPendingLabel'],
      after: [['v1', [C]], ['v2', ['MyPendingLabel']]],
    },
    {
      name: 'listing ACSCurrent applies the ACSPrevious shift of rule 1',
      before: [['v1', [P]], ['v2', [C]]],
      put: 'v3',
      stages: [C, 'Blue'],
      after: [['v1', []], ['v2', [P]], ['v3', ['Blue', C]]],
    },
    {
      name: 'listing ACSPrevious alone moves only ACSPrevious',
      before: [['v1', [P]], ['v2', [C]]],
      put: 'v3',
      stages: [P],
      after: [['v1', []], ['v2', [C]], ['v3', [P]]],
    },
    {
      name: 'listing ACSCurrent and ACSPrevious gives the new version both, whatever their order',
      before: [['v1', [P]], ['v2', [C]]],
      put: 'v3',
      stages: [P, C],
      after: [['v1', []], ['v2', []], ['v3', [C, P]]],
    },
    {
      name: 'several custom stages at once, each leaving its holder',
      before: [['v1', [C, 'A']], ['v2', ['B']]],
      put: 'v3',
      stages: ['A', 'B'],
      after: [['v1', [C]], ['v2', []], ['v3', ['A', 'B']]],
    },
  ];
  test.each(cases)('$name', ({ before, put, stages, after }) => checkPut(before, newVersion(put, stages), after));
});

describe('rule 3: a stage labels at most one version, and a secret carries at most 8 stages (Rejected.LimitExceeded)', () => {
  const sevenStages: Shape = [['v1', [P, 'S1', 'S2']], ['v2', [C, 'S3', 'S4', 'S5']]];
  const eightStages: Shape = [['v1', [P, 'S1', 'S2', 'S3']], ['v2', [C, 'S4', 'S5', 'S6']]];

  test.each([
    { name: 'PutSecretValue reaching exactly 8 stages is accepted', before: sevenStages, stages: ['S6'] },
    { name: 'PutSecretValue re-using existing stages on a full secret is accepted', before: eightStages, stages: ['S1', 'S6'] },
    { name: 'a default PutSecretValue on a full secret is accepted (ACSCurrent and ACSPrevious only move)', before: eightStages, stages: undefined },
  ])('$name', ({ before, stages }) => {
    const outcome = putVersion(secretOf(before), newVersion('v3', stages), NOW);
    expectStageInvariant(outcome.secret);
    expect(new Set(outcome.secret.versions.flatMap((v) => v.stages)).size).toBe(8);
  });

  test.each([
    { name: 'PutSecretValue adding a 9th stage', before: eightStages, stages: ['S7'] },
    { name: 'PutSecretValue adding a 9th and 10th stage', before: sevenStages, stages: ['S6', 'S7', 'S8'] },
  ])('$name -> Rejected.LimitExceeded, input unchanged', ({ before, stages }) => {
    const secret = secretOf(before);
    const snapshot = structuredClone(secret);
    expect(errorCodeOf(() => putVersion(secret, newVersion('v3', stages), NOW))).toBe('Rejected.LimitExceeded');
    expect(secret).toEqual(snapshot);
  });

  test('UpdateSecretVersionStage attaching a 9th stage -> Rejected.LimitExceeded, input unchanged', () => {
    const secret = secretOf(eightStages);
    const snapshot = structuredClone(secret);
    expect(errorCodeOf(() => updateVersionStage(secret, { stage: 'S7', moveToVersion: 'v1' }, NOW))).toBe('Rejected.LimitExceeded');
    expect(secret).toEqual(snapshot);
  });

  test('moving stages about never leaves a stage on two versions', () => {
    let secret = secretOf([['v1', [C, 'A']], ['v2', ['B']], ['v3', []]]);
    const moves = [
      { stage: 'A', moveToVersion: 'v2' },
      { stage: C, moveToVersion: 'v3' },
      { stage: 'B', moveToVersion: 'v3' },
      { stage: P, moveToVersion: 'v1' },
      { stage: C, moveToVersion: 'v1' },
      { stage: 'A', moveToVersion: 'v3', removeFromVersion: 'v2' },
    ];
    for (const move of moves) {
      secret = updateVersionStage(secret, move, NOW);
      expectStageInvariant(secret);
      expect(secret.versions.find((v) => v.versionId === move.moveToVersion)!.stages).toContain(move.stage);
    }
  });
});

describe('rule 4: the same VersionId with identical data is a no-op; with different data Rejected.ResourceExist', () => {
  const before: Shape = [['v1', [P]], ['v2', [C]]];

  test.each([
    { name: 'identical data and type, default stages', stages: undefined },
    { name: 'identical data and type, other stages requested', stages: ['MyPendingLabel'] },
  ])('$name -> success, nothing changes', ({ stages }) => {
    const secret = secretOf(before);
    const snapshot = structuredClone(secret);
    const outcome = putVersion(secret, newVersion('v1', stages), NOW);
    expect(outcome.changed).toBe(false);
    expect(outcome.secret).toEqual(snapshot);
    expect(outcome.version.versionId).toBe('v1');
    expect(outcome.version.stages).toEqual([P]);
  });

  test.each([
    { name: 'different data', change: { digest: 'digest-of-something-else' } },
    { name: 'same data with a different SecretDataType', change: { dataType: 'binary' as const } },
  ])('$name -> Rejected.ResourceExist, input unchanged', ({ change }) => {
    const secret = secretOf(before);
    const snapshot = structuredClone(secret);
    expect(errorCodeOf(() => putVersion(secret, { ...newVersion('v2'), ...change }, NOW))).toBe('Rejected.ResourceExist');
    expect(secret).toEqual(snapshot);
  });
});

describe('rule 5: at most 10 versions; after a write the oldest version without a stage is deleted', () => {
  const ids = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `v${i + from}`);
  const cases: { name: string; before: Shape; put: string; stages?: string[]; evicted: string[] }[] = [
    {
      name: 'the 11th version evicts the oldest stage-less version',
      before: ids(10).map((id, i) => [id, i === 8 ? [P] : i === 9 ? [C] : []]),
      put: 'v11',
      evicted: ['v1'],
    },
    {
      name: 'an old version holding a custom stage is kept; the next stage-less one goes',
      before: ids(10).map((id, i) => [id, i === 0 ? ['Keep'] : i === 8 ? [P] : i === 9 ? [C] : []]),
      put: 'v11',
      evicted: ['v2'],
    },
    {
      name: 'a version that just lost ACSPrevious can be the one evicted',
      before: ids(10).map((id, i) => [id, i === 0 ? [P] : i === 9 ? [C] : i <= 5 ? [`L${i}`] : []]),
      put: 'v11',
      evicted: ['v1'],
    },
    {
      name: 'a version added with custom stages on a full secret evicts too',
      before: ids(10).map((id, i) => [id, i === 8 ? [P] : i === 9 ? [C] : []]),
      put: 'v11',
      stages: ['MyPendingLabel'],
      evicted: ['v1'],
    },
    {
      name: 'below the cap nothing is deleted',
      before: ids(8).map((id, i) => [id, i === 7 ? [C] : []]),
      put: 'v9',
      evicted: [],
    },
  ];
  test.each(cases)('$name', ({ before, put, stages, evicted }) => {
    const outcome = putVersion(secretOf(before), newVersion(put, stages), NOW);
    const kept = outcome.secret.versions.map((v) => v.versionId);
    expect(kept).toEqual([...before.map(([id]) => id).filter((id) => !evicted.includes(id)), put]);
    expect(kept.length).toBeLessThanOrEqual(10);
    expectStageInvariant(outcome.secret);
  });
});

describe('rule 6: UpdateSecretVersionStage moves, removes, or both', () => {
  const base: Shape = [['v1', [P]], ['v2', [C, 'Blue']], ['v3', ['MyPendingLabel']], ['v4', []]];

  const cases: { name: string; stage: string; move?: string; remove?: string; after: Shape }[] = [
    {
      name: 'MoveToVersion alone attaches a custom stage and takes it from its holder',
      stage: 'Blue',
      move: 'v3',
      after: [['v1', [P]], ['v2', [C]], ['v3', ['Blue', 'MyPendingLabel']], ['v4', []]],
    },
    {
      name: 'MoveToVersion alone with a stage nobody holds just attaches it',
      stage: 'Green',
      move: 'v4',
      after: [['v1', [P]], ['v2', [C, 'Blue']], ['v3', ['MyPendingLabel']], ['v4', ['Green']]],
    },
    {
      name: 'moving ACSCurrent gives the former current ACSPrevious, which leaves its old holder',
      stage: C,
      move: 'v3',
      after: [['v1', []], ['v2', ['Blue', P]], ['v3', [C, 'MyPendingLabel']], ['v4', []]],
    },
    {
      name: 'moving ACSCurrent to the version that holds it changes nothing',
      stage: C,
      move: 'v2',
      after: base,
    },
    {
      name: 'moving ACSPrevious moves only ACSPrevious',
      stage: P,
      move: 'v4',
      after: [['v1', []], ['v2', [C, 'Blue']], ['v3', ['MyPendingLabel']], ['v4', [P]]],
    },
    {
      name: 'RemoveFromVersion alone removes a custom stage',
      stage: 'MyPendingLabel',
      remove: 'v3',
      after: [['v1', [P]], ['v2', [C, 'Blue']], ['v3', []], ['v4', []]],
    },
    {
      name: 'both: the stage goes from RemoveFromVersion to MoveToVersion',
      stage: 'MyPendingLabel',
      move: 'v1',
      remove: 'v3',
      after: [['v1', ['MyPendingLabel', P]], ['v2', [C, 'Blue']], ['v3', []], ['v4', []]],
    },
    {
      name: 'both with ACSCurrent: the former current becomes ACSPrevious',
      stage: C,
      move: 'v3',
      remove: 'v2',
      after: [['v1', []], ['v2', ['Blue', P]], ['v3', [C, 'MyPendingLabel']], ['v4', []]],
    },
  ];
  test.each(cases)('$name', ({ stage, move, remove, after }) => {
    const secret = secretOf(base);
    const snapshot = structuredClone(secret);
    const next = updateVersionStage(secret, { stage, moveToVersion: move, removeFromVersion: remove }, NOW);
    expect(shapeOf(next)).toEqual(sorted(after));
    expect(next.updateTime).toBe(NOW);
    expect(secret).toEqual(snapshot);
    expectStageInvariant(next);
  });

  const errors: { name: string; stage: string; move?: string; remove?: string; code: string }[] = [
    { name: 'neither MoveToVersion nor RemoveFromVersion', stage: 'Blue', code: 'InvalidParameter' },
    { name: 'RemoveFromVersion alone with ACSCurrent', stage: C, remove: 'v2', code: 'InvalidParameter' },
    { name: 'RemoveFromVersion alone with ACSPrevious', stage: P, remove: 'v1', code: 'InvalidParameter' },
    { name: 'RemoveFromVersion alone on a version without the stage', stage: 'Blue', remove: 'v3', code: 'InvalidParameter' },
    { name: 'both, and RemoveFromVersion does not hold the stage', stage: 'Blue', move: 'v4', remove: 'v3', code: 'InvalidParameter' },
    { name: 'both with ACSCurrent, and RemoveFromVersion is not the current', stage: C, move: 'v3', remove: 'v1', code: 'InvalidParameter' },
    { name: 'an unknown MoveToVersion', stage: 'Blue', move: 'v9', code: 'Forbidden.ResourceNotFound' },
    { name: 'an unknown RemoveFromVersion', stage: 'Blue', remove: 'v9', code: 'Forbidden.ResourceNotFound' },
    { name: 'an unknown MoveToVersion with a valid RemoveFromVersion', stage: 'Blue', move: 'v9', remove: 'v2', code: 'Forbidden.ResourceNotFound' },
  ];
  test.each(errors)('$name -> $code, input unchanged', ({ stage, move, remove, code }) => {
    const secret = secretOf(base);
    const snapshot = structuredClone(secret);
    expect(errorCodeOf(() => updateVersionStage(secret, { stage, moveToVersion: move, removeFromVersion: remove }, NOW))).toBe(code);
    expect(secret).toEqual(snapshot);
  });
});

describe('rule 7: GetSecretValue reads ACSCurrent by default; VersionId and VersionStage must agree', () => {
  const secret = secretOf([['v1', [P]], ['v2', [C]], ['v3', ['MyPendingLabel']], ['v4', []]]);

  test.each([
    { name: 'no selector reads ACSCurrent', selector: {}, expected: 'v2' },
    { name: 'a VersionStage reads its holder', selector: { versionStage: P }, expected: 'v1' },
    { name: 'a custom VersionStage reads its holder', selector: { versionStage: 'MyPendingLabel' }, expected: 'v3' },
    { name: 'a VersionId reads that version', selector: { versionId: 'v3' }, expected: 'v3' },
    { name: 'a VersionId of a version without stages reads it', selector: { versionId: 'v4' }, expected: 'v4' },
    { name: 'VersionId and VersionStage naming the same version', selector: { versionId: 'v2', versionStage: C }, expected: 'v2' },
  ])('$name', ({ selector, expected }) => {
    expect(selectVersion(secret, selector).versionId).toBe(expected);
  });

  test.each([
    { name: 'VersionId and VersionStage naming different versions', selector: { versionId: 'v1', versionStage: C }, code: 'InvalidParameter' },
    { name: 'VersionId with a stage no version holds', selector: { versionId: 'v1', versionStage: 'Nope' }, code: 'InvalidParameter' },
    { name: 'a stage on no version', selector: { versionStage: 'Nope' }, code: 'Forbidden.ResourceNotFound' },
    { name: 'an unknown version', selector: { versionId: 'v9' }, code: 'Forbidden.ResourceNotFound' },
    { name: 'an unknown version with a stage', selector: { versionId: 'v9', versionStage: C }, code: 'Forbidden.ResourceNotFound' },
  ])('$name -> $code', ({ selector, code }) => {
    expect(errorCodeOf(() => selectVersion(secret, selector))).toBe(code);
  });

  test('no ACSCurrent at all -> Forbidden.ResourceNotFound', () => {
    expect(errorCodeOf(() => selectVersion(secretOf([['v1', ['MyPendingLabel']]]), {}))).toBe('Forbidden.ResourceNotFound');
  });
});

describe('rule 8: ListSecretVersionIds lists newest first, stage-less versions only with IncludeDeprecated, pages of 1-100', () => {
  const secret = secretOf([['v1', []], ['v2', ['Old']], ['v3', []], ['v4', [P]], ['v5', [C]], ['v6', ['MyPendingLabel']]]);

  test.each([
    { name: 'without IncludeDeprecated, only versions with stages, newest first', includeDeprecated: false, pageNumber: 1, pageSize: 20, ids: ['v6', 'v5', 'v4', 'v2'], total: 4 },
    { name: 'with IncludeDeprecated, every version, newest first', includeDeprecated: true, pageNumber: 1, pageSize: 20, ids: ['v6', 'v5', 'v4', 'v3', 'v2', 'v1'], total: 6 },
    { name: 'the first page', includeDeprecated: true, pageNumber: 1, pageSize: 4, ids: ['v6', 'v5', 'v4', 'v3'], total: 6 },
    { name: 'the last, partial page', includeDeprecated: true, pageNumber: 2, pageSize: 4, ids: ['v2', 'v1'], total: 6 },
    { name: 'a page beyond the end is empty but counts the total', includeDeprecated: false, pageNumber: 3, pageSize: 2, ids: [], total: 4 },
    { name: 'a page size of 1', includeDeprecated: false, pageNumber: 3, pageSize: 1, ids: ['v4'], total: 4 },
  ])('$name', ({ includeDeprecated, pageNumber, pageSize, ids, total }) => {
    const snapshot = structuredClone(secret);
    const page = listVersions(secret, { includeDeprecated, pageNumber, pageSize });
    expect(page.versions.map((v) => v.versionId)).toEqual(ids);
    expect(page.total).toBe(total);
    expect(secret).toEqual(snapshot);
  });
});
