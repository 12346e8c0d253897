/** EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, SetDeletionProtection, UpdateKeyDescription. */
import { cancelKeyDeletion, keyNotFound, scheduleKeyDeletion, setDeletionProtection, setEnabled, type KeyRecord } from '../../core/keys.js';
import { invalidParameter } from '../../errors/errors.js';
import type { Context, Handler } from '../context.js';
import { resolveKey } from '../keys.js';

/** Resolves KeyId (id, ARN or alias) and changes that key under its lock. */
async function changeKey(ctx: Context, keyRef: string, change: (key: KeyRecord) => KeyRecord | undefined): Promise<void> {
  const { keyId } = await resolveKey(ctx, keyRef);
  await ctx.keyStore.mutate(keyId, (current) => {
    if (!current) throw keyNotFound(keyRef);
    const next = change(current);
    return { next, result: undefined };
  });
}

export const enableKey: Handler = async (ctx, p) => {
  await changeKey(ctx, p.KeyId as string, (key) => setEnabled(key, true));
  return { RequestId: ctx.requestId };
};

export const disableKey: Handler = async (ctx, p) => {
  await changeKey(ctx, p.KeyId as string, (key) => setEnabled(key, false));
  return { RequestId: ctx.requestId };
};

export const scheduleDeletion: Handler = async (ctx, p) => {
  await changeKey(ctx, p.KeyId as string, (key) => scheduleKeyDeletion(key, p.PendingWindowInDays as number, ctx.nowMs));
  return { RequestId: ctx.requestId };
};

export const cancelDeletion: Handler = async (ctx, p) => {
  await changeKey(ctx, p.KeyId as string, cancelKeyDeletion);
  return { RequestId: ctx.requestId };
};

export const updateKeyDescription: Handler = async (ctx, p) => {
  await changeKey(ctx, p.KeyId as string, (key) => ({ ...key, description: p.Description as string }));
  return { RequestId: ctx.requestId };
};

/** The key is named by ProtectedResourceArn (its ARN, as the service documents) or by KeyId. */
export const setProtection: Handler = async (ctx, p) => {
  const named = [p.ProtectedResourceArn, p.KeyId].filter((v) => v !== undefined) as string[];
  if (named.length === 0) throw invalidParameter('give ProtectedResourceArn (the ARN of the key) or KeyId.');
  if (named.length === 2 && (await resolveKey(ctx, named[0]!)).keyId !== (await resolveKey(ctx, named[1]!)).keyId) {
    throw invalidParameter('ProtectedResourceArn and KeyId name different keys.');
  }
  const enable = p.EnableDeletionProtection as boolean;
  if (!enable && p.DeletionProtectionDescription !== undefined) {
    throw invalidParameter('DeletionProtectionDescription is only taken with EnableDeletionProtection=true.');
  }
  await changeKey(ctx, named[0]!, (key) => setDeletionProtection(key, enable, p.DeletionProtectionDescription as string | undefined));
  return { RequestId: ctx.requestId };
};
