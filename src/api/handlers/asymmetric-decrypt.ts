import { invalidParameter } from '../../errors/errors.js';
import { base64Param, encryptAlgorithmFor } from '../../core/crypto-rules.js';
import { oaepDecrypt } from '../../crypto/asymmetric.js';
import type { Handler } from '../context.js';
import { withPrivateKey } from '../asymmetric.js';
import { refuseDryRun } from '../crypto.js';

/** AsymmetricDecrypt: CiphertextBlob is the base64 RSAES-OAEP ciphertext (from AsymmetricEncrypt, or openssl with the GetPublicKey PEM). */
export const handler: Handler = async (ctx, p) =>
  await withPrivateKey(ctx, p, 'ENCRYPT/DECRYPT', (privateKey, key, keyVersionId) => {
    const algorithm = encryptAlgorithmFor(key.keySpec, p.Algorithm as string);
    const ciphertext = base64Param('CiphertextBlob', p.CiphertextBlob as string);
    refuseDryRun(p, 'AsymmetricDecrypt');
    const plaintext = oaepDecrypt(privateKey, algorithm, ciphertext);
    if (plaintext === undefined) {
      throw invalidParameter(`CiphertextBlob cannot be decrypted with ${algorithm} by version ${keyVersionId} of key '${key.keyId}'.`);
    }
    try {
      return { KeyId: key.keyId, KeyVersionId: keyVersionId, Plaintext: plaintext.toString('base64'), RequestId: ctx.requestId };
    } finally {
      plaintext.fill(0);
    }
  });
