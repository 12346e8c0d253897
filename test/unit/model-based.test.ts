/**
 * Model-based test of the core: random sequences of CreateSecret / PutSecretValue /
 * UpdateSecretVersionStage / GetSecretValue / DeleteSecret / RestoreSecret run against the real
 * core (src/core) and against a deliberately simple reference model of docs/design.md §4, written here a
 * different way: stages as one map stage -> version id instead of lists on versions. After every
 * step both must agree on the outcome (success or error code) and on the whole visible state.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { ServiceError } from '../../src/errors/errors.js';
import { ACS_CURRENT, ACS_PREVIOUS, type SecretRecord } from '../../src/core/model.js';
import { putVersion, selectVersion, updateVersionStage } from '../../src/core/versions.js';
import { assertNotPendingDeletion, planDeletion, restoreSecret } from '../../src/core/lifecycle.js';

const NOW = Date.UTC(2026, 0, 1);
const RUNS = process.env.KMS_LOCAL_LONG_TESTS ? 5000 : 1000;

type Command =
  | { op: 'create'; id: string; data: string }
  | { op: 'put'; id: string; data: string; stages?: string[] }
  | { op: 'stage'; stage: string; moveTo?: string; removeFrom?: string }
  | { op: 'get'; id?: string; stage?: string }
  | { op: 'delete'; force: boolean }
  | { op: 'restore' };

const ids = fc.constantFrom('v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11', 'v12');
const datas = fc.constantFrom('a', 'b', 'c');
const stageNames = fc.constantFrom(ACS_CURRENT, ACS_PREVIOUS, 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8');
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constant('create' as const), id: ids, data: datas }) },
  {
    weight: 6,
    arbitrary: fc.record(
      { op: fc.constant('put' as const), id: ids, data: datas, stages: fc.uniqueArray(stageNames, { minLength: 1, maxLength: 4 }) },
      { requiredKeys: ['op', 'id', 'data'] },
    ),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('stage' as const), stage: stageNames, moveTo: ids, removeFrom: ids }, { requiredKeys: ['op', 'stage'] }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), id: ids, stage: stageNames }, { requiredKeys: ['op'] }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), force: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restore' as const }) },
);

/** What both sides must agree on after every step. */
interface View {
  exists: boolean;
  pending: boolean;
  versions: { id: string; data: string; stages: string[] }[];
}

type Outcome = { code: string; read?: string };

// ---------------------------------------------------------------- the reference model

interface ModelState {
  exists: boolean;
  pending: boolean;
  versions: { id: string; data: string }[];
  stageOf: Map<string, string>;
}

function modelView(m: ModelState): View {
  return {
    exists: m.exists,
    pending: m.pending,
    versions: m.exists
      ? m.versions.map((v) => ({ id: v.id, data: v.data, stages: [...m.stageOf].filter(([, id]) => id === v.id).map(([s]) => s).sort() }))
      : [],
  };
}

function modelStep(m: ModelState, c: Command): Outcome {
  const has = (id: string) => m.versions.some((v) => v.id === id);
  if (c.op === 'create') {
    if (m.exists) return { code: m.pending ? 'Rejected.ResourceInDeleteWindow' : 'Rejected.ResourceExist' };
    Object.assign(m, { exists: true, pending: false, versions: [{ id: c.id, data: c.data }], stageOf: new Map([[ACS_CURRENT, c.id]]) });
    return { code: 'ok' };
  }
  if (!m.exists) return { code: 'Forbidden.ResourceNotFound' };
  if (c.op === 'restore') {
    m.pending = false;
    return { code: 'ok' };
  }
  if (c.op === 'delete') {
    if (c.force) {
      Object.assign(m, { exists: false, pending: false, versions: [], stageOf: new Map() });
      return { code: 'ok' };
    }
    if (m.pending) return { code: 'Rejected.ResourceInDeleteWindow' };
    m.pending = true;
    return { code: 'ok' };
  }
  if (m.pending) return { code: 'Rejected.ResourceInDeleteWindow' };

  if (c.op === 'get') {
    if (c.id !== undefined) {
      if (!has(c.id)) return { code: 'Forbidden.ResourceNotFound' };
      if (c.stage !== undefined && m.stageOf.get(c.stage) !== c.id) return { code: 'InvalidParameter' };
      return { code: 'ok', read: c.id };
    }
    const holder = m.stageOf.get(c.stage ?? ACS_CURRENT);
    return holder === undefined ? { code: 'Forbidden.ResourceNotFound' } : { code: 'ok', read: holder };
  }

  if (c.op === 'put') {
    const existing = m.versions.find((v) => v.id === c.id);
    if (existing) return { code: existing.data === c.data ? 'ok' : 'Rejected.ResourceExist' };
    const stageOf = new Map(m.stageOf);
    const formerCurrent = stageOf.get(ACS_CURRENT);
    const stages = c.stages ?? [ACS_CURRENT];
    for (const s of stages) stageOf.set(s, c.id);
    if (stages.includes(ACS_CURRENT) && formerCurrent !== undefined && !stages.includes(ACS_PREVIOUS)) {
      stageOf.set(ACS_PREVIOUS, formerCurrent);
    }
    if (stageOf.size > 8) return { code: 'Rejected.LimitExceeded' };
    const versions = [...m.versions, { id: c.id, data: c.data }];
    const staged = new Set(stageOf.values());
    while (versions.length > 10) versions.splice(versions.findIndex((v) => !staged.has(v.id)), 1);
    Object.assign(m, { versions, stageOf });
    return { code: 'ok' };
  }

  // UpdateSecretVersionStage
  if (c.moveTo === undefined && c.removeFrom === undefined) return { code: 'InvalidParameter' };
  const stageOf = new Map(m.stageOf);
  if (c.removeFrom !== undefined) {
    if (!has(c.removeFrom)) return { code: 'Forbidden.ResourceNotFound' };
    if (stageOf.get(c.stage) !== c.removeFrom) return { code: 'InvalidParameter' };
    if (c.moveTo === undefined) {
      if (c.stage === ACS_CURRENT || c.stage === ACS_PREVIOUS) return { code: 'InvalidParameter' };
      stageOf.delete(c.stage);
    }
  }
  if (c.moveTo !== undefined) {
    if (!has(c.moveTo)) return { code: 'Forbidden.ResourceNotFound' };
    const formerHolder = stageOf.get(c.stage);
    stageOf.set(c.stage, c.moveTo);
    if (c.stage === ACS_CURRENT && formerHolder !== undefined && formerHolder !== c.moveTo) stageOf.set(ACS_PREVIOUS, formerHolder);
  }
  if (stageOf.size > 8) return { code: 'Rejected.LimitExceeded' };
  m.stageOf = stageOf;
  return { code: 'ok' };
}

// ---------------------------------------------------------------- the real core

function record(id: string, data: string): SecretRecord {
  const at = '2026-01-01T00:00:00Z';
  return {
    name: 's',
    type: 'Generic',
    description: '',
    createTime: at,
    updateTime: at,
    encryptionKeyId: 'k',
    tags: [],
    versions: [{ versionId: id, createTime: at, stages: [ACS_CURRENT], dataType: 'text', digest: data, payload: { keyId: 'k', wrappedKey: 'x', ciphertext: data } }],
  };
}

function realView(secret: SecretRecord | undefined): View {
  if (!secret) return { exists: false, pending: false, versions: [] };
  return {
    exists: true,
    pending: secret.plannedDeleteTime !== undefined,
    versions: secret.versions.map((v) => ({ id: v.versionId, data: v.digest, stages: [...v.stages].sort() })),
  };
}

function realStep(secret: SecretRecord | undefined, c: Command): { secret: SecretRecord | undefined; outcome: Outcome } {
  try {
    if (c.op === 'create') {
      if (secret) throw new ServiceError(secret.plannedDeleteTime ? 'Rejected.ResourceInDeleteWindow' : 'Rejected.ResourceExist');
      return { secret: record(c.id, c.data), outcome: { code: 'ok' } };
    }
    if (!secret) throw new ServiceError('Forbidden.ResourceNotFound');
    if (c.op === 'restore') return { secret: restoreSecret(secret, NOW).secret, outcome: { code: 'ok' } };
    if (c.op === 'delete') {
      const plan = planDeletion(secret, { force: c.force }, NOW);
      return { secret: plan.kind === 'remove' ? undefined : plan.secret, outcome: { code: 'ok' } };
    }
    assertNotPendingDeletion(secret);
    if (c.op === 'get') {
      const version = selectVersion(secret, { versionId: c.id, versionStage: c.stage });
      return { secret, outcome: { code: 'ok', read: version.versionId } };
    }
    if (c.op === 'put') {
      const payload = { keyId: 'k', wrappedKey: 'x', ciphertext: c.data };
      const put = putVersion(secret, { versionId: c.id, dataType: 'text', digest: c.data, payload, stages: c.stages }, '2026-01-01T00:00:00Z');
      return { secret: put.secret, outcome: { code: 'ok' } };
    }
    const next = updateVersionStage(secret, { stage: c.stage, moveToVersion: c.moveTo, removeFromVersion: c.removeFrom }, '2026-01-01T00:00:00Z');
    return { secret: next, outcome: { code: 'ok' } };
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    return { secret, outcome: { code: err.code } };
  }
}

describe('the core agrees with the reference model of docs/design.md §4', () => {
  test(`random command sequences (${RUNS} runs) give the same outcomes and states`, () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 80, size: 'max' }), (commands) => {
        const model: ModelState = { exists: false, pending: false, versions: [], stageOf: new Map() };
        let secret: SecretRecord | undefined;
        for (const c of commands) {
          const expected = modelStep(model, c);
          const real = realStep(secret, c);
          secret = real.secret;
          // Plain comparisons keep thousands of runs fast; expect() only reports a difference.
          if (JSON.stringify(real.outcome) !== JSON.stringify(expected)) expect(real.outcome).toEqual(expected);
          const [got, want] = [realView(secret), modelView(model)];
          if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('every state reached keeps the invariants: one holder per stage, at most 8 stages, at most 10 versions', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 80, size: 'max' }), (commands) => {
        let secret: SecretRecord | undefined;
        for (const c of commands) {
          secret = realStep(secret, c).secret;
          if (!secret) continue;
          const all = secret.versions.flatMap((v) => v.stages);
          const current = secret.versions.filter((v) => v.stages.includes(ACS_CURRENT)).length;
          if (new Set(all).size !== all.length || all.length > 8 || secret.versions.length > 10 || current !== 1) {
            throw new Error(`invariant broken: ${JSON.stringify(realView(secret))}`);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
