/**
 * Random passwords: each character drawn uniformly from the alphabet with a cryptographic
 * generator; a candidate missing a required class (or starting with a character the target
 * refuses first) is drawn again whole (rejection sampling keeps the result uniform over all
 * passwords that satisfy the plan, where "fixing up" would not).
 */
import { randomInt } from 'node:crypto';
import { meetsPlan, planTargetPassword, type PasswordPlan, type PasswordTarget } from '../core/password-policy.js';

export function generatePassword(plan: PasswordPlan): string {
  for (;;) {
    let candidate = '';
    for (let i = 0; i < plan.length; i++) candidate += plan.alphabet[randomInt(plan.alphabet.length)];
    if (meetsPlan(candidate, plan)) return candidate;
  }
}

/** A new account password for a target, by its row of TARGET_PASSWORD_RULES (src/core/password-policy.ts). */
export function generateTargetPassword(target: PasswordTarget): string {
  return generatePassword(planTargetPassword(target));
}
