import { dataKeyLength, dataKeyText } from '../../core/crypto-rules.js';
import type { EncryptionContext } from '../../core/encryption-context.js';
import { newDataKey } from '../../crypto/symmetric.js';
import type { Context, Handler, Response } from '../context.js';
import type { ParamValues } from '../params.js';
import { refuseDryRun, sealUnderPrimary, usableKey, type Sealed } from '../crypto.js';

/**
 * A fresh data key sealed under the key's primary version, for GenerateDataKey and its variants.
 * The blob seals the base64 text of the key, so Decrypt of it returns GenerateDataKey's Plaintext.
 * `check` sees the length before anything is made; `use` sees the key bytes (zeroed afterwards).
 */
export async function generateDataKey(
  ctx: Context,
  p: ParamValues,
  operation: string,
  use: (dataKey: Buffer, sealed: Sealed) => Response,
  check: (length: number) => void = () => {},
): Promise<Response> {
  const key = await usableKey(ctx, p.KeyId as string, 'ENCRYPT/DECRYPT', 'symmetric');
  const length = dataKeyLength(p.KeySpec as string | undefined, p.NumberOfBytes as number | undefined);
  check(length);
  refuseDryRun(p, operation);
  const dataKey = newDataKey(length);
  const text = Buffer.from(dataKeyText(dataKey), 'utf8');
  try {
    return use(dataKey, sealUnderPrimary(ctx, key, text, p.EncryptionContext as EncryptionContext | undefined));
  } finally {
    dataKey.fill(0);
    text.fill(0);
  }
}

/** GenerateDataKey: the data key in plaintext (base64) and sealed (CiphertextBlob). */
export const handler: Handler = async (ctx, p) =>
  generateDataKey(ctx, p, 'GenerateDataKey', (dataKey, sealed) => ({ ...sealed, Plaintext: dataKeyText(dataKey), RequestId: ctx.requestId }));
