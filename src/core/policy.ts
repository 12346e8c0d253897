/**
 * Secret policies (GetSecretPolicy, SetSecretPolicy, CreateSecret --Policy), as pure functions.
 * A policy is `{"Version":"1","Statement":[{"Effect":"Allow"|"Deny","Action":[...],...}]}`.
 */
import { invalidParameter } from '../errors/errors.js';

export const POLICY_MAX_BYTES = 32768;
export const DEFAULT_POLICY_NAME = 'default';

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition']);
const DOCUMENT_KEYS = new Set(['Version', 'Statement', 'Id']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringOrList(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0);
}

function checkStatement(name: string, statement: unknown, n: number): void {
  const where = `${name}: Statement[${n}]`;
  if (!isPlainObject(statement)) throw invalidParameter(`${where} must be a JSON object.`);
  const unknown = Object.keys(statement).find((k) => !STATEMENT_KEYS.has(k));
  if (unknown !== undefined) throw invalidParameter(`${where} has an unknown element '${unknown}'.`);
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw invalidParameter(`${where} needs "Effect": "Allow" or "Deny".`);
  if (!isStringOrList(statement.Action)) throw invalidParameter(`${where} needs "Action", a string or a list of strings such as ["kms:*"].`);
  if (statement.Resource !== undefined && !isStringOrList(statement.Resource)) {
    throw invalidParameter(`${where}: "Resource" must be a string or a list of strings.`);
  }
  if (statement.Sid !== undefined && typeof statement.Sid !== 'string') throw invalidParameter(`${where}: "Sid" must be a string.`);
  if (statement.Principal !== undefined) {
    const principal = statement.Principal;
    const ok = principal === '*' || (isPlainObject(principal) && Object.values(principal).every(isStringOrList));
    if (!ok) throw invalidParameter(`${where}: "Principal" must be "*" or an object such as {"RAM": ["acs:ram::<account>:*"]}.`);
  }
  if (statement.Condition !== undefined && !isPlainObject(statement.Condition)) {
    throw invalidParameter(`${where}: "Condition" must be a JSON object.`);
  }
}

/** Checks a parsed policy document and returns its compact JSON text. */
export function checkPolicyDocument(value: unknown, name: string): string {
  if (!isPlainObject(value) || value.Version !== '1' || !Array.isArray(value.Statement) || value.Statement.length === 0) {
    throw invalidParameter(`${name} must be a policy document {"Version":"1","Statement":[...]} with at least one statement.`);
  }
  const unknown = Object.keys(value).find((k) => !DOCUMENT_KEYS.has(k));
  if (unknown !== undefined) throw invalidParameter(`${name} has an unknown element '${unknown}'.`);
  value.Statement.forEach((s, i) => checkStatement(name, s, i));
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text, 'utf8') > POLICY_MAX_BYTES) throw invalidParameter(`${name} must be at most ${POLICY_MAX_BYTES} bytes.`);
  return text;
}

/** The policy of a secret that was never given one: the account may do everything with it. */
export function defaultPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '1',
    Statement: [
      {
        Sid: 'kms default secret policy',
        Effect: 'Allow',
        Principal: { RAM: [`acs:ram::${accountId}:*`] },
        Action: ['kms:*'],
        Resource: ['*'],
      },
    ],
  });
}
