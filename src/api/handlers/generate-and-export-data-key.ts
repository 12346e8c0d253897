import type { Handler } from '../context.js';
import { checkWrappable, exportDataKey, wrappingOf } from '../export.js';
import { generateDataKey } from './generate-data-key.js';

/** GenerateAndExportDataKey: a fresh data key, sealed (CiphertextBlob) and under the caller's public key (ExportedDataKey). */
export const handler: Handler = async (ctx, p) => {
  const wrapping = wrappingOf(p);
  return generateDataKey(
    ctx,
    p,
    'GenerateAndExportDataKey',
    (dataKey, sealed) => ({ ...sealed, ExportedDataKey: exportDataKey(wrapping, dataKey), RequestId: ctx.requestId }),
    (length) => checkWrappable(wrapping, length),
  );
};
