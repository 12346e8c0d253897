import type { EncryptionContext } from '../../core/encryption-context.js';
import type { Handler } from '../context.js';
import { openCiphertext, refuseDryRun } from '../crypto.js';

/** Decrypt: no KeyId; the blob names its key and key version, so old versions decrypt after rotation. */
export const handler: Handler = async (ctx, p) => {
  const opened = await openCiphertext(ctx, p.CiphertextBlob as string, p.EncryptionContext as EncryptionContext | undefined);
  try {
    refuseDryRun(p, 'Decrypt');
    return { KeyId: opened.key.keyId, KeyVersionId: opened.keyVersionId, Plaintext: opened.plaintext.toString('utf8'), RequestId: ctx.requestId };
  } finally {
    opened.plaintext.fill(0);
  }
};
