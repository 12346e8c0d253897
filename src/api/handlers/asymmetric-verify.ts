import { base64Param, digestParam, signAlgorithmFor } from '../../core/crypto-rules.js';
import { verifyDigest } from '../../crypto/asymmetric.js';
import type { Handler } from '../context.js';
import { withPrivateKey } from '../asymmetric.js';
import { refuseDryRun } from '../crypto.js';

/** AsymmetricVerify: Value true when the base64 signature Value is the key's signature of Digest, else false. */
export const handler: Handler = async (ctx, p) =>
  await withPrivateKey(ctx, p, 'SIGN/VERIFY', (privateKey, key, keyVersionId) => {
    const algorithm = signAlgorithmFor(key.keySpec, p.Algorithm as string);
    const digest = digestParam(p.Digest as string);
    const signature = base64Param('Value', p.Value as string);
    refuseDryRun(p, 'AsymmetricVerify');
    return { KeyId: key.keyId, KeyVersionId: keyVersionId, RequestId: ctx.requestId, Value: verifyDigest(privateKey, algorithm, digest, signature) };
  });
