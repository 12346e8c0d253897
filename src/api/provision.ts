/**
 * CreateSecret of a Redis or PolarDB secret (SecretData `$Auto`): kms-local, like the service,
 * creates two new accounts, `<AccountName>` and `<AccountName>_clone`, with the same privileges and
 * one generated password, through the target's admin account. The first becomes ACSCurrent, the
 * clone ACSPrevious; rotations then alternate them (DoubleUsers). Loaded lazily (src/lazy.ts).
 */
import { ServiceError } from '../errors/errors.js';
import { kindOf, provisionPlan, type ProvisionedType, type RdsAccountValue } from '../core/dynamic.js';
import type { ExtendedConfig } from '../core/model.js';
import { generateTargetPassword } from '../crypto/password.js';
import { TargetError } from '../targets/adapter.js';
import { backendOf } from '../store/open-backend.js';
import { openAccountCreator } from '../targets/session.js';
import type { Context } from './context.js';
import { adminAccountOf, targetFor } from './targets.js';

/** Creates the two accounts; returns their values, ACSCurrent's first. */
export async function provisionAccounts(ctx: Context, secretName: string, type: ProvisionedType, config: ExtendedConfig): Promise<RdsAccountValue[]> {
  const kind = kindOf(type, config);
  const registry = backendOf(ctx.home).targets();
  const target = await targetFor(registry, kind, secretName, 'be created');
  const admin = await adminAccountOf(ctx, target);
  if (!admin) {
    throw new ServiceError(
      'Rejected.TargetNotFound',
      `The target of '${kind.instanceId}' names no admin account to create the accounts of '${secretName}' with: add --AdminSecretName <secret> to its \`kms-local target add\`.`,
    );
  }
  const plan = provisionPlan(config);
  const password = generateTargetPassword(type);
  const session = await openAccountCreator(target, registry, admin);
  try {
    await session.createAccounts(plan, password);
  } catch (err) {
    const message = err instanceof TargetError ? err.message : `internal error: ${(err as Error).message}`;
    throw new ServiceError('Rejected.TargetFailed', `Creating the accounts ${plan.accountName} and ${plan.cloneAccountName} of '${secretName}' failed: ${message} No secret was created.`);
  } finally {
    await session.close();
  }
  return [
    { AccountName: plan.accountName, AccountPassword: password },
    { AccountName: plan.cloneAccountName, AccountPassword: password },
  ];
}
