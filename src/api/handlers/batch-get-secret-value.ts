/**
 * BatchGetSecretValue: up to 20 GetSecretValue reads in one answer. A secret that cannot be read
 * (not found, pending deletion, a stage it does not have, a failed integrity check) does not fail
 * the call: it is listed under Errors with the code, HTTP status and message GetSecretValue would
 * have answered with, and the other values are returned.
 */
import { ServiceError } from '../../errors/errors.js';
import type { Handler } from '../context.js';
import type { SecretsListItem } from '../json-params.js';
import { handler as getSecretValue } from './get-secret-value.js';

export const handler: Handler = async (ctx, p) => {
  const SecretValues: Record<string, unknown>[] = [];
  const Errors: { Code: string; HttpStatus: number; Message: string; SecretName: string }[] = [];
  for (const item of p.SecretsList as SecretsListItem[]) {
    try {
      SecretValues.push(await getSecretValue(ctx, { ...item }));
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      Errors.push({ Code: err.code, HttpStatus: err.httpStatus, Message: err.message, SecretName: item.SecretName });
    }
  }
  return { Errors, RequestId: ctx.requestId, SecretValues };
};
