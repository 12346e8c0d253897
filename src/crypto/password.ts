/**
 * Random passwords: each character drawn uniformly from the alphabet with a cryptographic
 * generator; a candidate missing a required class is drawn again whole (rejection sampling keeps
 * the result uniform over all passwords that satisfy the plan, where "fixing up" would not).
 */
import { randomInt } from 'node:crypto';
import { meetsPlan, type PasswordPlan } from '../core/password-policy.js';

export function generatePassword(plan: PasswordPlan): string {
  for (;;) {
    let candidate = '';
    for (let i = 0; i < plan.length; i++) candidate += plan.alphabet[randomInt(plan.alphabet.length)];
    if (meetsPlan(candidate, plan)) return candidate;
  }
}
