/**
 * Who may call what, decided as RAM decides it, as pure functions.
 *
 * A caller is a RAM user, `acs:ram::<account-id>:user/<profile>`. Its identity policies are the
 * system policies and the policy documents attached to its profile (`configure set --policy`,
 * `--policy-document`); a profile with none attached is unrestricted, as every profile was before
 * policies existed. A resource (a secret, a key) may carry a resource policy (SetSecretPolicy,
 * SetKeyPolicy); one never set is absent, not the default document GetSecretPolicy shows.
 *
 * The decision for one action on one resource: an explicit Deny in any policy that applies wins;
 * else an Allow in an identity policy, or in the resource policy for this principal, grants;
 * else it is denied (implicitly).
 *
 * Matching: Action patterns (`kms:Get*`) compare without regard to case, Resource and Principal
 * patterns with it; `*` is any run of characters, `?` any one. Conditions: StringEquals,
 * StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike
 * over `kms:tag/<key>` (the resource's tags). A condition kms-local does not know makes a statement
 * not apply (an Allow grants nothing, a Deny denies nothing); identity policies with one are
 * refused when attached, and resource policies are checked when set.
 */
import { invalidParameter } from '../errors/errors.js';
import type { Tag } from './model.js';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: '*' | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '1';
  Statement: PolicyStatement[];
}

export interface AccessRequest {
  principalArn: string;
  /** `kms:<Operation>`. */
  action: string;
  resourceArn: string;
  resourceTags: readonly Tag[];
  /** Undefined: an unrestricted caller (no policy attached to its profile). */
  identityPolicies: readonly PolicyDocument[] | undefined;
  resourcePolicy?: PolicyDocument;
}

export type AccessDecision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
] as const;
type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

const TAG_KEY = /^kms:tag\/(.+)$/;

/** The service's system policies for KMS, by name (RAM's published documents, KMS statements only). */
export const SYSTEM_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  AliyunKMSFullAccess: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
  AliyunKMSReadOnlyAccess: {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['kms:List*', 'kms:Describe*', 'kms:GetPublicKey', 'kms:GetKeyPolicy', 'kms:GetSecretPolicy'], Resource: '*' }],
  },
  AliyunKMSSecretAdminAccess: {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'kms:*', Resource: 'acs:kms:*:*:secret*' },
      { Effect: 'Allow', Action: 'kms:GetRandomPassword', Resource: '*' },
    ],
  },
  AliyunKMSSecretUserAccess: {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['kms:GetSecretValue', 'kms:DescribeSecret', 'kms:ListSecretVersionIds'], Resource: '*' }],
  },
  AliyunKMSCryptoAdminAccess: {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: ['acs:kms:*:*:key*', 'acs:kms:*:*:alias*'] }],
  },
  AliyunKMSCryptoUserAccess: {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:AsymmetricDecrypt',
          'kms:AsymmetricEncrypt', 'kms:AsymmetricSign', 'kms:AsymmetricVerify', 'kms:GetPublicKey', 'kms:GenerateMac', 'kms:VerifyMac',
        ],
        Resource: '*',
      },
    ],
  },
};

const listOf = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** `*` and `?` wildcards over the whole text. */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  // Iterative glob with backtracking to the last star: linear enough for policy-sized patterns.
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

function conditionValue(key: string, tags: readonly Tag[]): string | undefined {
  const tag = TAG_KEY.exec(key);
  if (!tag) return undefined;
  return tags.find((t) => t.TagKey === tag[1])?.TagValue;
}

function conditionHolds(operator: ConditionOperator, actual: string | undefined, wanted: string[]): boolean {
  const any = (test: (w: string) => boolean): boolean => actual !== undefined && wanted.some(test);
  switch (operator) {
    case 'StringEquals':
      return any((w) => w === actual);
    case 'StringNotEquals':
      return !any((w) => w === actual);
    case 'StringEqualsIgnoreCase':
      return any((w) => w.toLowerCase() === actual!.toLowerCase());
    case 'StringNotEqualsIgnoreCase':
      return !any((w) => w.toLowerCase() === actual!.toLowerCase());
    case 'StringLike':
      return any((w) => wildcardMatch(w, actual!));
    case 'StringNotLike':
      return !any((w) => wildcardMatch(w, actual!));
  }
}

function conditionsHold(condition: PolicyStatement['Condition'], tags: readonly Tag[]): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    if (!(CONDITION_OPERATORS as readonly string[]).includes(operator)) return false;
    for (const [key, wanted] of Object.entries(entries)) {
      if (!TAG_KEY.test(key)) return false;
      if (!conditionHolds(operator as ConditionOperator, conditionValue(key, tags), listOf(wanted))) return false;
    }
  }
  return true;
}

function principalMatches(principal: PolicyStatement['Principal'], arn: string): boolean {
  if (principal === undefined) return false;
  if (principal === '*') return true;
  return Object.values(principal).some((value) => listOf(value).some((p) => p === '*' || wildcardMatch(p, arn)));
}

/** Whether `statement` applies to the request; a resource policy's statement also names principals. */
function applies(statement: PolicyStatement, req: AccessRequest, inResourcePolicy: boolean): boolean {
  if (!listOf(statement.Action).some((a) => wildcardMatch(a, req.action, true))) return false;
  const resources = listOf(statement.Resource);
  // In a resource policy the resource is the one the policy is on: "*" or no Resource means it.
  if (!(inResourcePolicy && resources.length === 0) && !resources.some((r) => wildcardMatch(r, req.resourceArn))) return false;
  if (inResourcePolicy && !principalMatches(statement.Principal, req.principalArn)) return false;
  return conditionsHold(statement.Condition, req.resourceTags);
}

export function decideAccess(req: AccessRequest): AccessDecision {
  const identity = req.identityPolicies;
  const fromIdentity = (identity ?? []).flatMap((d) => d.Statement.filter((s) => applies(s, req, false)));
  const fromResource = (req.resourcePolicy?.Statement ?? []).filter((s) => applies(s, req, true));
  if ([...fromIdentity, ...fromResource].some((s) => s.Effect === 'Deny')) return 'ExplicitDeny';
  if (identity === undefined) return 'Allow';
  return [...fromIdentity, ...fromResource].some((s) => s.Effect === 'Allow') ? 'Allow' : 'ImplicitDeny';
}

/** A RAM user's ARN for a profile. */
export function principalArn(accountId: string, profile: string): string {
  return `acs:ram::${accountId}:user/${profile}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isTextOrList = (value: unknown): boolean =>
  (typeof value === 'string' && value !== '') || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== ''));

/**
 * Checks a custom identity policy before it is attached: `{"Version":"1","Statement":[...]}`, each
 * statement with Effect, Action (kms: actions), Resource, and optionally Condition with the
 * operators and keys above. No Principal: an identity policy applies to whom it is attached to.
 */
export function checkIdentityPolicy(value: unknown, name = '--policy-document'): PolicyDocument {
  if (!isPlainObject(value) || value.Version !== '1' || !Array.isArray(value.Statement) || value.Statement.length === 0) {
    throw invalidParameter(`${name} must be a policy document {"Version":"1","Statement":[...]} with at least one statement.`);
  }
  value.Statement.forEach((s: unknown, i: number) => {
    const where = `${name}: Statement[${i}]`;
    if (!isPlainObject(s)) throw invalidParameter(`${where} must be a JSON object.`);
    const unknown = Object.keys(s).find((k) => !['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(k));
    if (unknown !== undefined) throw invalidParameter(`${where} has an element an identity policy does not take: '${unknown}'.`);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalidParameter(`${where} needs "Effect": "Allow" or "Deny".`);
    if (!isTextOrList(s.Action) || !listOf(s.Action as string | string[]).every((a) => /^kms:[A-Za-z*?]+$/.test(a))) {
      throw invalidParameter(`${where} needs "Action": kms actions such as "kms:GetSecretValue" or "kms:Get*".`);
    }
    if (!isTextOrList(s.Resource)) throw invalidParameter(`${where} needs "Resource": "*" or ARNs such as "acs:kms:*:*:secret/app/*".`);
    if (s.Condition !== undefined) {
      if (!isPlainObject(s.Condition)) throw invalidParameter(`${where}: "Condition" must be a JSON object.`);
      for (const [operator, entries] of Object.entries(s.Condition)) {
        if (!(CONDITION_OPERATORS as readonly string[]).includes(operator)) {
          throw invalidParameter(`${where}: condition operator '${operator}' is not supported; use ${CONDITION_OPERATORS.join(', ')}.`);
        }
        if (!isPlainObject(entries) || Object.entries(entries).some(([k, v]) => !TAG_KEY.test(k) || !isTextOrList(v))) {
          throw invalidParameter(`${where}: a condition maps keys kms:tag/<key> to a value or a list of values.`);
        }
      }
    }
  });
  return value as unknown as PolicyDocument;
}

const parsedPolicies = new Map<string, PolicyDocument>();

/** A stored resource policy (secret or key), as a document to decide with (parsed once per text). */
export function parseResourcePolicy(text: string | undefined): PolicyDocument | undefined {
  if (text === undefined) return undefined;
  let parsed = parsedPolicies.get(text);
  if (!parsed) {
    const doc = JSON.parse(text) as PolicyDocument;
    parsed = { Version: '1', Statement: Array.isArray(doc.Statement) ? doc.Statement : [] };
    if (parsedPolicies.size >= 1000) parsedPolicies.clear();
    parsedPolicies.set(text, parsed);
  }
  return parsed;
}
