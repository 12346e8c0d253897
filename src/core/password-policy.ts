/**
 * GetRandomPassword rules (DESIGN §4 rule 11), pure: which characters a password may use and
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

/** Whether a candidate holds a character of every required class. */
export function meetsPlan(candidate: string, plan: PasswordPlan): boolean {
  return plan.required.every((chars) => [...candidate].some((ch) => chars.includes(ch)));
}
