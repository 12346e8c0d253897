import type { EncryptionContext } from '../../core/encryption-context.js';
import type { Handler } from '../context.js';
import { refuseDryRun, sealUnderPrimary, usableKey } from '../crypto.js';

/** Encrypt: the UTF-8 bytes of Plaintext under the key's primary version; Decrypt returns the same string. */
export const handler: Handler = async (ctx, p) => {
  const key = await usableKey(ctx, p.KeyId as string, 'ENCRYPT/DECRYPT', 'symmetric');
  refuseDryRun(p, 'Encrypt');
  const sealed = sealUnderPrimary(ctx, key, Buffer.from(p.Plaintext as string, 'utf8'), p.EncryptionContext as EncryptionContext | undefined);
  return { ...sealed, RequestId: ctx.requestId };
};
