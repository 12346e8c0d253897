import type { Handler } from '../context.js';
import { generateDataKey } from './generate-data-key.js';

/** GenerateDataKeyWithoutPlaintext: only the sealed data key; Decrypt gives its base64 later. */
export const handler: Handler = async (ctx, p) =>
  generateDataKey(ctx, p, 'GenerateDataKeyWithoutPlaintext', (_dataKey, sealed) => ({ ...sealed, RequestId: ctx.requestId }));
