import { invalidParameter } from '../../errors/errors.js';
import { base64Param, encryptAlgorithmFor, oaepMaxPlaintext } from '../../core/crypto-rules.js';
import { modulusBytes, oaepEncrypt } from '../../crypto/asymmetric.js';
import type { Handler } from '../context.js';
import { withPrivateKey } from '../asymmetric.js';
import { refuseDryRun } from '../crypto.js';

/** AsymmetricEncrypt: Plaintext is base64 bytes, RSAES-OAEP under the version's public key. */
export const handler: Handler = async (ctx, p) =>
  await withPrivateKey(ctx, p, 'ENCRYPT/DECRYPT', (privateKey, key, keyVersionId) => {
    const algorithm = encryptAlgorithmFor(key.keySpec, p.Algorithm as string);
    const plaintext = base64Param('Plaintext', p.Plaintext as string);
    const max = oaepMaxPlaintext(modulusBytes(privateKey), algorithm);
    if (plaintext.length > max) throw invalidParameter(`Plaintext must be at most ${max} bytes for ${algorithm} with ${key.keySpec}.`);
    refuseDryRun(p, 'AsymmetricEncrypt');
    const ciphertext = oaepEncrypt(privateKey, algorithm, plaintext).toString('base64');
    plaintext.fill(0);
    return { CiphertextBlob: ciphertext, KeyId: key.keyId, KeyVersionId: keyVersionId, RequestId: ctx.requestId };
  });
