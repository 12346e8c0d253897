import { invalidParameter } from '../../errors/errors.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireActive, requireSecret } from '../secrets.js';

export const handler: Handler = (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const description = p.Description as string | undefined;
  ctx.store.mutate(name, (current) => {
    const secret = requireActive(requireSecret(current, name));
    if (p['ExtendedConfig.CustomData'] !== undefined && secret.type === 'Generic') {
      throw invalidParameter('ExtendedConfig.CustomData applies to dynamic secrets only, not to Generic secrets.');
    }
    if (description === undefined || description === secret.description) return { result: undefined };
    return { next: { ...secret, description, updateTime: ctx.now }, result: undefined };
  });
  return { RequestId: ctx.requestId, SecretName: name };
};
