import { digestParam, signAlgorithmFor } from '../../core/crypto-rules.js';
import { signDigest } from '../../crypto/asymmetric.js';
import type { Handler } from '../context.js';
import { withPrivateKey } from '../asymmetric.js';
import { refuseDryRun } from '../crypto.js';

/** AsymmetricSign: Digest is the base64 SHA-256 of the message; Value the base64 signature. */
export const handler: Handler = async (ctx, p) =>
  await withPrivateKey(ctx, p, 'SIGN/VERIFY', (privateKey, key, keyVersionId) => {
    const algorithm = signAlgorithmFor(key.keySpec, p.Algorithm as string);
    const digest = digestParam(p.Digest as string);
    refuseDryRun(p, 'AsymmetricSign');
    return { KeyId: key.keyId, KeyVersionId: keyVersionId, RequestId: ctx.requestId, Value: signDigest(privateKey, algorithm, digest).toString('base64') };
  });
