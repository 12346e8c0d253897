import { base64Param, dataKeyText, encryptAlgorithmFor } from '../../core/crypto-rules.js';
import type { EncryptionContext } from '../../core/encryption-context.js';
import { invalidParameter, ServiceError } from '../../errors/errors.js';
import { oaepDecrypt } from '../../crypto/asymmetric.js';
import type { Context, Handler } from '../context.js';
import type { ParamValues } from '../params.js';
import { withPrivateKey } from '../asymmetric.js';
import { openCiphertext, refuseDryRun, sealUnderPrimary, usableKey } from '../crypto.js';

/**
 * The plaintext of the source ciphertext. A symmetric blob names its key and version
 * (SourceEncryptionContext opens it); a public-key ciphertext (SourceEncryptionAlgorithm given)
 * needs SourceKeyId and SourceKeyVersionId, and its bytes are carried on as base64 text, as a data
 * key's are, so Decrypt of the result returns what GenerateDataKey would have.
 */
async function sourcePlaintext(ctx: Context, p: ParamValues): Promise<Buffer> {
  const algorithm = p.SourceEncryptionAlgorithm as string | undefined;
  if (algorithm === undefined) {
    return (await openCiphertext(ctx, p.CiphertextBlob as string, p.SourceEncryptionContext as EncryptionContext | undefined)).plaintext;
  }
  for (const name of ['SourceKeyId', 'SourceKeyVersionId']) {
    if (p[name] === undefined) throw new ServiceError('MissingParameter', `${name} is required with SourceEncryptionAlgorithm (a public-key ciphertext).`);
  }
  const source = { ...p, KeyId: p.SourceKeyId, KeyVersionId: p.SourceKeyVersionId };
  return await withPrivateKey(ctx, source, 'ENCRYPT/DECRYPT', (privateKey, key, keyVersionId) => {
    const spec = encryptAlgorithmFor(key.keySpec, algorithm);
    const bytes = oaepDecrypt(privateKey, spec, base64Param('CiphertextBlob', p.CiphertextBlob as string));
    if (bytes === undefined) throw invalidParameter(`CiphertextBlob cannot be decrypted with ${algorithm} by version ${keyVersionId} of key '${key.keyId}'.`);
    try {
      return Buffer.from(dataKeyText(bytes), 'utf8');
    } finally {
      bytes.fill(0);
    }
  });
}

/** ReEncrypt: decrypts and encrypts again under DestinationKeyId's primary version, inside kms-local. */
export const handler: Handler = async (ctx, p) => {
  const destination = await usableKey(ctx, p.DestinationKeyId as string, 'ENCRYPT/DECRYPT', 'symmetric');
  const plaintext = await sourcePlaintext(ctx, p);
  try {
    refuseDryRun(p, 'ReEncrypt');
    const sealed = sealUnderPrimary(ctx, destination, plaintext, p.DestinationEncryptionContext as EncryptionContext | undefined);
    return { ...sealed, RequestId: ctx.requestId };
  } finally {
    plaintext.fill(0);
  }
};
