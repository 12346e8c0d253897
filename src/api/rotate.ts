/**
 * Runs one rotation of a dynamic secret: the I/O around the pure state machine of
 * src/core/rotation.ts. The secret's lock is held only for the three short store transactions
 * (begin, adopt/commit, fail), never while the target is being talked to.
 */
import { hostname } from '../os-lazy.js';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { markerIsStale as staleMarker, ownerToken as ownerTokenOf, type RunnerPlace } from '../core/rotation-marker.js';
import { ServiceError } from '../errors/errors.js';
import { findVersion, type RotationStep, type SecretRecord } from '../core/model.js';
import { ownerOf, parseCustomData, requireDynamic, type DynamicValue } from '../core/dynamic.js';
import {
  adoptVersion,
  advance,
  beginRotation,
  commitRotation,
  failRotation,
  nextAction,
  planRotation,
  primaryVersion,
  retiredVersions,
  startRun,
  type RotationAction,
  type RotationRun,
} from '../core/rotation.js';
import { TargetError, type Credential, type TargetSession } from '../targets/adapter.js';
import type { TargetRegistry } from '../targets/registry.js';
import { backendOf } from '../store/open-backend.js';
import { isProcessAlive } from '../store/fs-safe.js';
import { openSession } from '../targets/session.js';
import { adminAccountOf, targetFor } from './targets.js';
import type { Context } from './context.js';
import { checkKeyPair, newCredential } from './dynamic.js';
import { openValue, requireActive, requireSecret, sealValue, type SealedValue } from './secrets.js';

/** A marker older than this is stale even if a process with its pid is alive (pid reuse). */
const MARKER_MAX_AGE_MS = 30 * 60_000;

export interface RotateRequest {
  versionId: string;
  /** A custom value (the console's "Use Custom Secret"), as GetSecretValue returns it. */
  customData?: string;
}

export interface RotateOutcome {
  versionId: string;
  /** False when the VersionId had already been rotated in: nothing was done. */
  rotated: boolean;
}

let place: RunnerPlace | undefined;

/**
 * Where this process runs, for rotation markers (src/core/rotation-marker.ts): the host name, and
 * a scope that says which process ids it can check: the boot and the pid namespace. Two hosts (or
 * containers) with one host name on a shared store get different scopes. Empty when unknown.
 */
function here(): RunnerPlace {
  if (place) return place;
  let scope = '';
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    scope = createHash('sha256').update(`${boot}\n${pidNamespace}`).digest('hex').slice(0, 12);
  } catch {
    /* not Linux: the host name alone decides, as before */
  }
  return (place = { host: hostname(), scope });
}

function ownerToken(): string {
  return ownerTokenOf(here(), process.pid, randomBytes(4).toString('hex'));
}

/** A rotation marker is stale when its lease ran out, or its process is one this host can check and it is gone. */
function markerIsStale(secret: SecretRecord, nowMs: number): boolean {
  const marker = secret.rotation?.inProgress;
  if (!marker) return false;
  return staleMarker(marker, here(), nowMs, MARKER_MAX_AGE_MS, isProcessAlive);
}

async function valueOf(ctx: Context, secret: SecretRecord, versionId: string): Promise<DynamicValue> {
  const version = findVersion(secret, versionId);
  if (!version) throw new ServiceError('InternalFailure', `The version '${versionId}' of '${secret.name}' is gone.`);
  return JSON.parse(await openValue(ctx, secret, version)) as DynamicValue;
}

async function targetOf(secret: SecretRecord, registry: TargetRegistry) {
  const kind = requireDynamic(secret, 'RotateSecret');
  return { kind, target: await targetFor(registry, kind, secret.name, 'rotate') };
}

/** Step 1 of the protocol: under the lock, store the pending version and mark the rotation. */
async function begin(ctx: Context, name: string, req: RotateRequest, owner: string): Promise<SecretRecord | undefined> {
  const before = requireActive(requireSecret(await ctx.store.get(name), name));
  const { kind } = await targetOf(before, backendOf(ctx.home).targets());
  const primary = primaryVersion(before, kind.subType);
  const user = ownerOf(await valueOf(ctx, before, primary.versionId));
  let sealed: SealedValue | undefined;
  if (req.customData !== undefined) {
    const value = parseCustomData(kind, req.customData, user);
    checkKeyPair(value, 'SecretData');
    sealed = await sealValue(ctx, before, req.versionId, JSON.stringify(value), 'text');
  }
  const firstPlan = planRotation(before, req.versionId, sealed?.digest);
  if (firstPlan.kind === 'done') return undefined;
  if (firstPlan.kind === 'new' && !sealed) {
    sealed = await sealValue(ctx, before, req.versionId, JSON.stringify(newCredential(kind, user, name)), 'text');
  }
  return await ctx.store.mutate(name, (current) => {
    const secret = requireActive(requireSecret(current, name));
    const plan = planRotation(secret, req.versionId, req.customData !== undefined ? sealed?.digest : undefined);
    if (plan.kind === 'done') return { result: undefined };
    if (plan.kind === 'new' && primaryVersion(secret, kind.subType).versionId !== primary.versionId) {
      throw new ServiceError('Rejected.RotationInProgress', `The secret '${name}' was rotated by another process just now; try again.`);
    }
    const next = beginRotation(
      secret,
      { versionId: req.versionId, newVersion: plan.kind === 'new' ? sealed : undefined, owner, inProgressIsStale: markerIsStale(secret, ctx.nowMs) },
      ctx.now,
    );
    return { next, result: next };
  });
}

function failureText(name: string, run: RotationRun): string {
  const f = run.failure!;
  const held = f.targetMayHoldIt
    ? ` The target may hold version '${run.pendingVersionId}' now: the next rotation logs in with it if the current credential is refused.`
    : '';
  const message = /[.!?]$/.test(f.message) ? f.message : `${f.message}.`;
  return `Rotating '${name}' failed at step ${f.step}: ${message} ACSCurrent is unchanged; version '${run.pendingVersionId}' is kept under ACSPending.${held}`;
}

/** RotateSecret: rotates the credential on the target and then in the store. */
export async function rotateSecret(ctx: Context, name: string, req: RotateRequest): Promise<RotateOutcome> {
  const owner = ownerToken();
  const started = await begin(ctx, name, req, owner);
  if (!started) return { versionId: req.versionId, rotated: false };
  const registry = backendOf(ctx.home).targets();
  const { kind, target } = await targetOf(started, registry);
  const cache = new Map<string, Credential>();
  const credential = async (versionId: string): Promise<Credential> => {
    let c = cache.get(versionId);
    if (!c) cache.set(versionId, (c = { versionId, value: await valueOf(ctx, started, versionId) }));
    return c;
  };
  const credentials = (versionIds: readonly string[]): Promise<Credential[]> => Promise.all(versionIds.map(credential));
  let session: TargetSession | undefined;

  const perform = async (action: RotationAction): Promise<string | undefined> => {
    switch (action.kind) {
      case 'login':
        session = await openSession(target, registry, await adminAccountOf(ctx, target));
        return session.login(await credentials(action.candidates));
      case 'adopt':
        await ctx.store.mutate(name, (s) => ({ next: adoptVersion(requireSecret(s, name), action.versionId, owner, ctx.now), result: undefined }));
        return undefined;
      case 'apply':
        return void (await session!.apply(await credential(req.versionId)));
      case 'verify':
        return void (await session!.verify(await credential(req.versionId)));
      case 'retire':
        return void (await session!.retire(await credential(action.keep), await credentials(retiredVersions(started, action.keep))));
      case 'rollback':
        return void (await session!.rollback(await credential(action.to)));
      case 'restore': {
        // The open session may be dead (the reason the step before failed): start a fresh one.
        await session?.close();
        session = await openSession(target, registry);
        const used = await session.login(await credentials(action.candidates));
        if (used !== action.to) {
          await session.rollback(await credential(action.to));
          await session.verify(await credential(action.to));
        }
        return used;
      }
      case 'commit':
        await ctx.store.mutate(name, (s) => ({ next: commitRotation(requireSecret(s, name), req.versionId, owner, ctx.now, ctx.nowMs), result: undefined }));
        return undefined;
      default:
        throw new Error(`no step ${action.kind}`);
    }
  };

  let run = startRun(started, kind.subType, req.versionId);
  try {
    for (;;) {
      const action = nextAction(run);
      if (action.kind === 'done') return { versionId: req.versionId, rotated: true };
      if (action.kind === 'failed') break;
      try {
        run = advance(run, { ok: true, usedVersionId: await perform(action) });
      } catch (err) {
        const code = err instanceof ServiceError ? err.code : 'Rejected.RotationFailed';
        const message = err instanceof TargetError || err instanceof ServiceError ? err.message : `internal error: ${(err as Error).message}`;
        run = advance(run, { ok: false, code, message });
      }
    }
  } finally {
    await session?.close();
  }
  const failure = run.failure!;
  await ctx.store.mutate(name, (s) => ({
    next: failRotation(requireSecret(s, name), req.versionId, owner, { ...failure, step: failure.step as RotationStep }, ctx.now),
    result: undefined,
  }));
  throw new ServiceError('Rejected.RotationFailed', failureText(name, run));
}
