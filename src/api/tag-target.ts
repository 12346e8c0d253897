/** TagResource / UntagResource name exactly one resource: a secret or a key (src/api/keys.ts keyTagTarget). */
import { ServiceError, invalidParameter } from '../errors/errors.js';
import { resolveSecretName, type Context } from './context.js';
import type { ParamValues } from './params.js';

export function tagTarget(ctx: Context, p: ParamValues): string {
  const given = (['SecretName', 'KeyId', 'CertificateId'] as const).filter((k) => p[k] !== undefined);
  if (given.length !== 1) {
    throw invalidParameter(`give exactly one of SecretName, KeyId and CertificateId${given.length ? ` (got ${given.join(', ')})` : ''}.`);
  }
  if (given[0] === 'CertificateId') {
    throw new ServiceError('UnsupportedOperation', 'kms-local has no certificates to tag. Use --SecretName or --KeyId.');
  }
  return resolveSecretName(ctx, p.SecretName as string);
}

/** TagResources / UntagResources: the secrets of ResourceId.N (names or ARNs), each once. */
export function tagResourceNames(ctx: Context, p: ParamValues): string[] {
  return [...new Set((p.ResourceId as string[]).map((id) => resolveSecretName(ctx, id)))];
}
