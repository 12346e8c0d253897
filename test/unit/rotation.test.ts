/**
 * The rotation state machine (src/core/rotation.ts), driven by scripted step results: which
 * action follows which, what the secret record looks like after commit, failure and recovery.
 * These tests use no target: the adapters are tested against real servers in test/e2e.
 */
import { describe, expect, test } from '@jest/globals';
import { ServiceError } from '../../src/errors/errors.js';
import { T0, secretRecord, type VersionShape } from '../support/core.js';
import { ACS_CURRENT as C, ACS_PENDING as PENDING, ACS_PREVIOUS as P, type SecretRecord } from '../../src/core/model.js';
import {
  adoptVersion,
  advance,
  beginRotation,
  commitRotation,
  failRotation,
  loginCandidates,
  nextAction,
  planRotation,
  retiredVersions,
  startRun,
  type RotationAction,
  type RotationRun,
  type StepResult,
} from '../../src/core/rotation.js';
import type { DynamicSubType } from '../../src/core/dynamic.js';

const NOW = '2026-06-01T12:00:00Z';
const NOW_MS = Date.parse(NOW);
const OWNER = '4242 host token';

function secretOf(shape: VersionShape[], type: 'ECS' | 'Rds' = 'ECS', subType: DynamicSubType = 'Password'): SecretRecord {
  return secretRecord(shape, {
    name: type === 'ECS' ? 'acs/ecs/web' : 'db',
    type,
    extendedConfig:
      type === 'ECS'
        ? { SecretSubType: subType, RegionId: 'cn-hangzhou', InstanceId: 'i-1', CustomData: {} }
        : { SecretSubType: subType, DBInstanceId: 'rm-1', CustomData: {} },
    rotation: { automatic: true, intervalSeconds: 86400 * 7, nextRotationDate: '2026-01-08T00:00:00Z' },
  });
}

function stagesOf(secret: SecretRecord): Record<string, string[]> {
  return Object.fromEntries(secret.versions.map((v) => [v.versionId, [...v.stages].sort()]));
}

const sealed = (id: string) => ({
  dataType: 'text' as const,
  digest: `digest-of-${id}`,
  payload: { keyId: 'key-local-test', wrappedKey: `wk-${id}`, ciphertext: `ct-${id}` },
});

function begin(secret: SecretRecord, versionId: string, stale = false): SecretRecord {
  return beginRotation(secret, { versionId, newVersion: sealed(versionId), owner: OWNER, inProgressIsStale: stale }, NOW);
}

const ok = (usedVersionId?: string): StepResult => ({ ok: true, usedVersionId });
const err = (message: string): StepResult => ({ ok: false, code: 'Rejected.RotationFailed', message });

/** Runs the machine with scripted results (by action kind) and returns the actions taken. */
function drive(run: RotationRun, script: Partial<Record<RotationAction['kind'], StepResult[]>>): { run: RotationRun; kinds: string[] } {
  const kinds: string[] = [];
  for (let i = 0; i < 20; i++) {
    const action = nextAction(run);
    kinds.push(action.kind);
    if (action.kind === 'done' || action.kind === 'failed') return { run, kinds };
    const result = script[action.kind]?.shift() ?? ok();
    run = advance(run, result);
  }
  throw new Error('the run did not end');
}

describe('planRotation: VersionId is the idempotency key', () => {
  const secret = begin(secretOf([['v1', [C]]]), 'v2');
  test.each([
    ['an unknown VersionId starts a new rotation', 'v3', 'new'],
    ['the pending VersionId of an unfinished rotation resumes it', 'v2', 'resume'],
    ['a VersionId that is already a finished version changes nothing', 'v1', 'done'],
  ])('%s', (_what, versionId, kind) => {
    expect(planRotation(secret, versionId).kind).toBe(kind);
  });
  test('a retry with a different custom value is refused', () => {
    expect(() => planRotation(secret, 'v1', 'another-digest')).toThrow(expect.objectContaining({ code: 'Rejected.ResourceExist' }));
  });
});

describe('beginRotation', () => {
  test('stores the new version under ACSPending and marks the rotation in progress', () => {
    const next = begin(secretOf([['v1', [C]]]), 'v2');
    expect(stagesOf(next)).toEqual({ v1: [C], v2: [PENDING] });
    expect(next.rotation?.inProgress).toEqual({ versionId: 'v2', startedAt: NOW, owner: OWNER });
  });
  test('a second rotation while one runs is refused with Rejected.RotationInProgress', () => {
    const running = begin(secretOf([['v1', [C]]]), 'v2');
    expect(() => begin(running, 'v3')).toThrow(ServiceError);
    expect(() => begin(running, 'v3')).toThrow(expect.objectContaining({ code: 'Rejected.RotationInProgress' }));
  });
  test('a stale marker (its process died) is taken over and its version kept for recovery', () => {
    const running = begin(secretOf([['v1', [C]]]), 'v2');
    const next = begin(running, 'v3', true);
    expect(next.rotation?.inProgress?.versionId).toBe('v3');
    expect(next.rotation?.lastError).toMatchObject({ versionId: 'v2', step: 'interrupted' });
    expect(next.rotation?.recoveryVersionIds).toEqual(['v2']);
    expect(stagesOf(next)).toEqual({ v1: [C], v2: [], v3: [PENDING] });
  });
});

describe('a run, step by step', () => {
  test('Password / SingleUser: login -> apply -> verify -> commit', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const { run, kinds } = drive(startRun(secret, 'Password', 'v2'), {});
    expect(kinds).toEqual(['login', 'apply', 'verify', 'commit', 'done']);
    expect(run.loggedInWith).toBe('v1');
  });

  test('SSHKey: the old keys are retired after the new key is verified and before the commit', () => {
    const secret = begin(secretOf([['v1', [C]]], 'ECS', 'SSHKey'), 'v2');
    const { kinds } = drive(startRun(secret, 'SSHKey', 'v2'), {});
    expect(kinds).toEqual(['login', 'apply', 'verify', 'retire', 'commit', 'done']);
    expect(retiredVersions(secret, 'v2')).toEqual(['v1']);
  });

  test('DoubleUsers: logs in as the ACSPrevious account, falling back to the ACSCurrent one', () => {
    const secret = begin(secretOf([['a1', [C]], ['b1', [P]]], 'Rds', 'DoubleUsers'), 'b2');
    const run = startRun(secret, 'DoubleUsers', 'b2');
    expect(nextAction(run)).toEqual({ kind: 'login', candidates: ['b1', 'a1'] });
    const { kinds, run: end } = drive(run, { login: [ok('a1')] });
    expect(kinds).toEqual(['login', 'apply', 'verify', 'commit', 'done']);
    expect(end.loggedInWith).toBe('a1');
  });

  test('target unreachable: the run fails at login, and nothing may be on the target', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const { run, kinds } = drive(startRun(secret, 'Password', 'v2'), { login: [err('connect ECONNREFUSED')] });
    expect(kinds).toEqual(['login', 'failed']);
    expect(run.failure).toMatchObject({ step: 'login', targetMayHoldIt: false });
  });

  test('verification fails after the change: the old credential is put back through the open session', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const { run, kinds } = drive(startRun(secret, 'SingleUser', 'v2'), { verify: [err('password authentication failed')] });
    expect(kinds).toEqual(['login', 'apply', 'verify', 'rollback', 'failed']);
    expect(run.failure).toMatchObject({ step: 'verify', targetMayHoldIt: false });
    expect(run.failure?.message).toMatch(/restored/);
  });

  test('a rollback the open session cannot do is done through a fresh login (the session may be dead)', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const run = drive(startRun(secret, 'Password', 'v2'), { verify: [err('no')], rollback: [err('connection reset')], restore: [ok('v2')] });
    expect(run.kinds).toEqual(['login', 'apply', 'verify', 'rollback', 'restore', 'failed']);
    expect(run.run.failure).toMatchObject({ step: 'verify', targetMayHoldIt: false });
    expect(run.run.failure?.message).toMatch(/restored through a fresh login with the new one/);
  });

  test('the fresh login for a restore tries the previous credential first, then the new one', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    let run = startRun(secret, 'Password', 'v2');
    for (const result of [ok('v1'), ok(), err('no'), err('connection reset')]) run = advance(run, result);
    expect(nextAction(run)).toEqual({ kind: 'restore', to: 'v1', candidates: ['v1', 'v2'] });
    const end = advance(run, ok('v1'));
    expect(end.failure).toMatchObject({ targetMayHoldIt: false });
    expect(end.failure?.message).toMatch(/A fresh login with the previous credential works/);
  });

  test('a failed rollback and a failed fresh restore leave the new version remembered as possibly on the target', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const { run } = drive(startRun(secret, 'Password', 'v2'), { verify: [err('no')], rollback: [err('connection reset')], restore: [err('ECONNREFUSED')] });
    expect(run.failure).toMatchObject({ step: 'verify', targetMayHoldIt: true });
    expect(run.failure?.message).toMatch(/the next rotation tries both/i);
  });

  test('the reply to the apply is lost but the change took effect: a fresh login with the new credential works, the rotation finishes forward', () => {
    for (const [subType, kinds] of [
      ['SingleUser', ['login', 'apply', 'verify', 'commit', 'done']],
      ['DoubleUsers', ['login', 'apply', 'verify', 'commit', 'done']],
      ['SSHKey', ['login', 'apply', 'verify', 'retire', 'commit', 'done']],
    ] as const) {
      const shape: VersionShape[] = subType === 'DoubleUsers' ? [['a1', [C]], ['b1', [P]]] : [['v1', [C]]];
      const secret = begin(secretOf(shape, subType === 'SSHKey' ? 'ECS' : 'Rds', subType), 'v2');
      const { run, kinds: taken } = drive(startRun(secret, subType, 'v2'), { apply: [err('Connection terminated unexpectedly')] });
      expect([subType, taken]).toEqual([subType, kinds]);
      expect(run.failure).toBeUndefined();
    }
  });

  test('the apply fails and the new credential does not log in: the previous one is checked with a fresh login, never left broken silently', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const { run, kinds } = drive(startRun(secret, 'SingleUser', 'v2'), {
      apply: [err('Connection terminated unexpectedly')],
      verify: [err('password authentication failed')],
      restore: [ok('v1')],
    });
    expect(kinds).toEqual(['login', 'apply', 'verify', 'restore', 'failed']);
    expect(run.failure).toMatchObject({ step: 'apply', targetMayHoldIt: false });
    expect(run.failure?.message).toMatch(/^Connection terminated unexpectedly\. A fresh login with the new credential failed too .* A fresh login with the previous credential works/);
  });

  test('the apply fails, the new credential does not log in, and the target is gone: the version is remembered for the next rotation', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const { run } = drive(startRun(secret, 'SingleUser', 'v2'), { apply: [err('reset')], verify: [err('ECONNREFUSED')], restore: [err('ECONNREFUSED')] });
    expect(run.failure).toMatchObject({ step: 'apply', targetMayHoldIt: true });
  });

  test('SSHKey: a failure while retiring old keys is not rolled back (the new key may be the only one left)', () => {
    const secret = begin(secretOf([['v1', [C]]], 'ECS', 'SSHKey'), 'v2');
    const { run, kinds } = drive(startRun(secret, 'SSHKey', 'v2'), { retire: [err('connection reset')] });
    expect(kinds).toEqual(['login', 'apply', 'verify', 'retire', 'failed']);
    expect(run.failure).toMatchObject({ step: 'retire', targetMayHoldIt: true });
  });
});

describe('commit and failure on the record', () => {
  test('commit: ACSCurrent moves to the new version, ACSPrevious follows, the schedule advances', () => {
    const secret = begin(secretOf([['v0', [P]], ['v1', [C]]]), 'v2');
    const next = commitRotation(secret, 'v2', OWNER, NOW, NOW_MS);
    expect(stagesOf(next)).toEqual({ v0: [], v1: [P], v2: [C] });
    expect(next.rotation).toEqual({
      automatic: true,
      intervalSeconds: 604800,
      lastRotationDate: NOW,
      nextRotationDate: '2026-06-08T12:00:00Z',
    });
  });

  test('DoubleUsers commit swaps the accounts: the former ACSCurrent account becomes ACSPrevious', () => {
    const secret = begin(secretOf([['a1', [C]], ['b1', [P]]], 'Rds', 'DoubleUsers'), 'b2');
    expect(stagesOf(commitRotation(secret, 'b2', OWNER, NOW, NOW_MS))).toEqual({ a1: [P], b1: [], b2: [C] });
  });

  test('a commit by a process that no longer owns the rotation is refused', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    expect(() => commitRotation(secret, 'v2', 'someone else', NOW, NOW_MS)).toThrow(expect.objectContaining({ code: 'Rejected.RotationFailed' }));
  });

  test('failure: ACSCurrent untouched, the pending version kept, the error recorded, the marker cleared', () => {
    const secret = begin(secretOf([['v1', [C]]]), 'v2');
    const failed = failRotation(secret, 'v2', OWNER, { step: 'login', code: 'Rejected.RotationFailed', message: 'down', targetMayHoldIt: false }, NOW);
    expect(stagesOf(failed)).toEqual({ v1: [C], v2: [PENDING] });
    expect(failed.rotation?.inProgress).toBeUndefined();
    expect(failed.rotation?.lastError).toEqual({ versionId: 'v2', step: 'login', code: 'Rejected.RotationFailed', message: 'down', time: NOW });
    expect(failed.rotation?.recoveryVersionIds).toBeUndefined();
    expect(failed.rotation?.nextRotationDate).toBe('2026-01-08T00:00:00Z');
  });
});

describe('recovery: the next rotation after a failure', () => {
  /** v2 was applied on the target, then the run lost its connection before it could commit. */
  function afterLostCommit(subType: DynamicSubType = 'Password'): SecretRecord {
    const secret = begin(secretOf([['v1', [C]]], 'ECS', subType), 'v2');
    return failRotation(secret, 'v2', OWNER, { step: 'commit', code: 'Rejected.RotationFailed', message: 'x', targetMayHoldIt: true }, NOW);
  }

  test('tries the current credential first, then the one the failed rotation may have left', () => {
    const next = begin(afterLostCommit(), 'v3');
    expect(loginCandidates(next, 'Password')).toEqual(['v1', 'v2']);
    expect(stagesOf(next)).toEqual({ v1: [C], v2: [], v3: [PENDING] });
  });

  test('if only the left-over credential logs in, it is adopted as ACSCurrent and the rotation goes on', () => {
    const next = begin(afterLostCommit(), 'v3');
    const { kinds, run } = drive(startRun(next, 'Password', 'v3'), { login: [ok('v2')] });
    expect(kinds).toEqual(['login', 'adopt', 'apply', 'verify', 'commit', 'done']);
    expect(run.loggedInWith).toBe('v2');
    const adopted = adoptVersion(next, 'v2', OWNER, NOW);
    expect(stagesOf(adopted)).toEqual({ v1: [P], v2: [C], v3: [PENDING] });
    expect(stagesOf(commitRotation(adopted, 'v3', OWNER, NOW, NOW_MS))).toEqual({ v1: [], v2: [P], v3: [C] });
  });

  test('resuming the same VersionId: if the target already holds it, only verification is left', () => {
    const failed = afterLostCommit();
    expect(planRotation(failed, 'v2').kind).toBe('resume');
    const resumed = beginRotation(failed, { versionId: 'v2', owner: OWNER, inProgressIsStale: false }, NOW);
    const { kinds } = drive(startRun(resumed, 'Password', 'v2'), { login: [ok('v2')] });
    expect(kinds).toEqual(['login', 'verify', 'commit', 'done']);
  });

  test('a commit clears what recovery needed', () => {
    const next = begin(afterLostCommit(), 'v3');
    const done = commitRotation(next, 'v3', OWNER, NOW, NOW_MS);
    expect(done.rotation?.lastError).toBeUndefined();
    expect(done.rotation?.recoveryVersionIds).toBeUndefined();
  });
});
