import { planDeletion, recoveryWindowDays, type DeleteRequest } from '../../core/lifecycle.js';
import { resolveSecretName, type Handler } from '../context.js';
import { requireSecret } from '../secrets.js';

/** docs/design.md §4 rule 9. Force deletes the file at once; otherwise the secret waits out its recovery window. */
export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const request: DeleteRequest = {
    force: p.ForceDeleteWithoutRecovery === true,
    ...(p.RecoveryWindowInDays === undefined ? {} : { recoveryWindowInDays: p.RecoveryWindowInDays as number }),
  };
  recoveryWindowDays(request); // a bad combination is refused before the secret is looked at
  const plannedDeleteTime = await ctx.store.mutate(name, (current) => {
    const outcome = planDeletion(requireSecret(current, name), request, ctx.nowMs);
    return { next: outcome.kind === 'remove' ? null : outcome.secret, result: outcome.plannedDeleteTime };
  });
  return { PlannedDeleteTime: plannedDeleteTime, RequestId: ctx.requestId, SecretName: name };
};
