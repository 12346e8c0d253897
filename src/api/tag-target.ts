/** TagResource / UntagResource name exactly one resource; kms-local holds secrets only. */
import { ServiceError, invalidParameter } from '../errors/errors.js';
import { resolveSecretName, type Context } from './context.js';
import type { ParamValues } from './params.js';

export function tagTarget(ctx: Context, p: ParamValues): string {
  const given = (['SecretName', 'KeyId', 'CertificateId'] as const).filter((k) => p[k] !== undefined);
  if (given.length !== 1) {
    throw invalidParameter(`give exactly one of SecretName, KeyId and CertificateId${given.length ? ` (got ${given.join(', ')})` : ''}.`);
  }
  if (given[0] === 'KeyId') throw new ServiceError('UnsupportedOperation', 'kms-local manages secrets only; it has no keys to tag. Use --SecretName.');
  if (given[0] === 'CertificateId') {
    throw new ServiceError('UnsupportedOperation', 'kms-local manages secrets only; it has no certificates to tag. Use --SecretName.');
  }
  return resolveSecretName(ctx, p.SecretName as string);
}
