import { createPublicKey } from 'node:crypto';
import type { Handler } from '../context.js';
import { withPrivateKey } from '../asymmetric.js';
import { refuseDryRun } from '../crypto.js';

/** GetPublicKey: the public key of an asymmetric key version, as PEM (SubjectPublicKeyInfo), what openssl reads. */
export const handler: Handler = async (ctx, p) =>
  await withPrivateKey(ctx, p, undefined, (privateKey, key, keyVersionId) => {
    refuseDryRun(p, 'GetPublicKey');
    const pem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    return { KeyId: key.keyId, KeyVersionId: keyVersionId, PublicKey: pem, RequestId: ctx.requestId };
  });
