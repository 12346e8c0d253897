import { dataKeyBytes } from '../../core/crypto-rules.js';
import type { EncryptionContext } from '../../core/encryption-context.js';
import type { Handler } from '../context.js';
import { openCiphertext, refuseDryRun } from '../crypto.js';
import { exportDataKey, wrappingOf } from '../export.js';

/** ExportDataKey: a sealed data key (CiphertextBlob) re-encrypted under the caller's public key. */
export const handler: Handler = async (ctx, p) => {
  const wrapping = wrappingOf(p);
  const opened = await openCiphertext(ctx, p.CiphertextBlob as string, p.EncryptionContext as EncryptionContext | undefined);
  let dataKey: Buffer;
  try {
    dataKey = dataKeyBytes(opened.plaintext.toString('utf8'));
  } finally {
    opened.plaintext.fill(0);
  }
  try {
    refuseDryRun(p, 'ExportDataKey');
    return { ExportedDataKey: exportDataKey(wrapping, dataKey), KeyId: opened.key.keyId, KeyVersionId: opened.keyVersionId, RequestId: ctx.requestId };
  } finally {
    dataKey.fill(0);
  }
};
