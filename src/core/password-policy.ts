/**
 * GetRandomPassword rules (docs/design.md §4 rule 11), pure: which characters a password may use and
 * which character classes it must include. The random sampling lives in crypto/password.ts.
 */
import { invalidParameter } from '../errors/errors.js';

export const CHARACTER_CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  // The service's punctuation set: no backtick, no space.
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_{|}~',
} as const;

export type CharacterClass = keyof typeof CHARACTER_CLASSES;

export interface PasswordRequest {
  length: number;
  excludeCharacters: string;
  exclude: Partial<Record<CharacterClass, boolean>>;
  requireEachIncludedType: boolean;
}

export interface PasswordPlan {
  length: number;
  /** Every character the password may use. */
  alphabet: string;
  /** Character classes of which the password must hold at least one character. */
  required: string[];
  /** Characters the password must not start with. */
  notFirst?: string;
}

export function planPassword(request: PasswordRequest): PasswordPlan {
  const excluded = new Set(request.excludeCharacters);
  const classes = (Object.keys(CHARACTER_CLASSES) as CharacterClass[])
    .filter((c) => !request.exclude[c])
    .map((c) => [...CHARACTER_CLASSES[c]].filter((ch) => !excluded.has(ch)).join(''))
    .filter((chars) => chars.length > 0);
  if (classes.length === 0) throw invalidParameter('the exclusions leave no character to build a password from.');
  const required = request.requireEachIncludedType ? classes : [];
  if (required.length > request.length) {
    throw invalidParameter(`a password of ${request.length} characters cannot include all ${required.length} character types.`);
  }
  return { length: request.length, alphabet: classes.join(''), required };
}

/** Whether a candidate holds a character of every required class (and starts with an allowed one). */
export function meetsPlan(candidate: string, plan: PasswordPlan): boolean {
  if (plan.notFirst && candidate.length > 0 && plan.notFirst.includes(candidate[0]!)) return false;
  return plan.required.every((chars) => [...candidate].some((ch) => chars.includes(ch)));
}

// ---------------------------------------------------------------------------------------------
// The passwords kms-local generates for a target: one table of the rules each target documents.

/** The systems whose account passwords kms-local generates when it rotates a secret. */
export type PasswordTarget = 'Rds' | 'PolarDB' | 'Redis' | 'ECS';

export interface TargetPasswordRule {
  /** What a generated password is made of: letters and digits plus these punctuation marks. */
  punctuation: string;
  /** Characters a password must not start with. */
  notFirst: string;
  /** The longest password the target takes (the generated one is GENERATED_LENGTH when it fits). */
  maxLength: number;
  /** Where the rule is documented. */
  source: string;
}

/** The length of a generated credential: 32, as the service generates (reference §4), unless the target takes less. */
export const GENERATED_LENGTH = 32;

/**
 * One row per target. Each generated password holds a lowercase letter, an uppercase letter, a
 * digit and one of the target's punctuation marks (every target asks for three classes of four;
 * all four always satisfy it). Nothing outside these sets is ever generated: no quote, backslash,
 * backtick or space for databases, so a password survives shell scripts and connection URLs.
 */
export const TARGET_PASSWORD_RULES: Readonly<Record<PasswordTarget, TargetPasswordRule>> = {
  // RDS CreateAccount / ResetAccountPassword: 8-32 characters, at least three of upper, lower, digit, !@#$%^&*()_+-=
  Rds: { punctuation: '!@#$%^&*()_+-=', notFirst: '', maxLength: 32, source: 'RDS CreateAccount AccountPassword' },
  // PolarDB CreateAccount: 8-32 characters, at least three of upper, lower, digit, !@#$%^&*()_+-=
  PolarDB: { punctuation: '!@#$%^&*()_+-=', notFirst: '', maxLength: 32, source: 'PolarDB CreateAccount AccountPassword' },
  // Tair (Redis OSS-compatible) CreateAccount: 8-32 characters, at least three of upper, lower, digit, !@#$%^&*()_+-=
  Redis: { punctuation: '!@#$%^&*()_+-=', notFirst: '', maxLength: 32, source: 'Tair (Redis) CreateAccount AccountPassword' },
  // ECS instance passwords: at least three of upper, lower, digit, ()`~!@#$%^&*-_+=|{}[]:;'<>,.?/ and not
  // starting with / (Windows). KMS itself generates 32-character ECS passwords (reference §4).
  ECS: { punctuation: "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/", notFirst: '/', maxLength: 32, source: 'ECS instance Password; KMS ECS secrets' },
};

/** The plan of a password generated for a target's account. */
export function planTargetPassword(target: PasswordTarget): PasswordPlan {
  const rule = TARGET_PASSWORD_RULES[target];
  const classes = [CHARACTER_CLASSES.lowercase, CHARACTER_CLASSES.uppercase, CHARACTER_CLASSES.numbers, rule.punctuation];
  const plan: PasswordPlan = { length: Math.min(GENERATED_LENGTH, rule.maxLength), alphabet: classes.join(''), required: classes };
  if (rule.notFirst) plan.notFirst = rule.notFirst;
  return plan;
}

/** Whether `password` keeps to a target's rule: only its characters, each class present, not too long, a valid first character. */
export function meetsTargetRule(password: string, target: PasswordTarget): boolean {
  const plan = planTargetPassword(target);
  const rule = TARGET_PASSWORD_RULES[target];
  return password.length <= rule.maxLength && [...password].every((c) => plan.alphabet.includes(c)) && meetsPlan(password, plan);
}
