import type { Handler } from '../context.js';
import { keyMetadataOf, resolveKey } from '../keys.js';

/** DescribeKey works in every key state: that is how a Disabled or PendingDeletion key is seen. */
export const handler: Handler = async (ctx, p) => {
  const key = await resolveKey(ctx, p.KeyId as string);
  return { KeyMetadata: keyMetadataOf(ctx, key), RequestId: ctx.requestId };
};
