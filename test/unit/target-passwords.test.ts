/**
 * Generated account passwords keep to each target's documented rules: one table
 * (TARGET_PASSWORD_RULES, src/core/password-policy.ts), one test per rule, every target.
 */
import { describe, expect, test } from '@jest/globals';
import { TARGET_PASSWORD_RULES, meetsTargetRule, planTargetPassword, type PasswordTarget } from '../../src/core/password-policy.js';
import { generateTargetPassword } from '../../src/crypto/password.js';

/** The documented sets, written out independently of the module. */
const DOCUMENTED: Record<PasswordTarget, { punctuation: string; notFirst: string }> = {
  Rds: { punctuation: '!@#$%^&*()_+-=', notFirst: '' },
  PolarDB: { punctuation: '!@#$%^&*()_+-=', notFirst: '' },
  Redis: { punctuation: '!@#$%^&*()_+-=', notFirst: '' },
  ECS: { punctuation: "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/", notFirst: '/' },
};
const TARGETS = Object.keys(DOCUMENTED) as PasswordTarget[];
const SAMPLES = 300;

function samples(target: PasswordTarget): string[] {
  return Array.from({ length: SAMPLES }, () => generateTargetPassword(target));
}

const escape = (s: string) => s.replace(/[\]\\^-]/g, '\\$&');

describe.each(TARGETS)('%s passwords', (target) => {
  const doc = DOCUMENTED[target];
  const generated = samples(target);

  test('the table holds the documented punctuation set', () => {
    expect([...TARGET_PASSWORD_RULES[target].punctuation].sort()).toEqual([...doc.punctuation].sort());
    expect(TARGET_PASSWORD_RULES[target].notFirst).toBe(doc.notFirst);
  });

  test('use letters, digits and the documented punctuation only', () => {
    const allowed = new RegExp(`^[A-Za-z0-9${escape(doc.punctuation)}]+$`);
    for (const pw of generated) expect(pw).toMatch(allowed);
  });

  test('hold a lowercase letter, an uppercase letter, a digit and a punctuation mark', () => {
    for (const pw of generated) {
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[0-9]/);
      expect([...pw].some((c) => doc.punctuation.includes(c))).toBe(true);
    }
  });

  test('are 32 characters, within the target maximum', () => {
    for (const pw of generated) expect(pw).toHaveLength(Math.min(32, TARGET_PASSWORD_RULES[target].maxLength));
    expect(TARGET_PASSWORD_RULES[target].maxLength).toBeLessThanOrEqual(32);
  });

  test('never start with a character the target refuses first', () => {
    if (!doc.notFirst) return expect(planTargetPassword(target).notFirst).toBeUndefined();
    for (const pw of generated) expect(doc.notFirst).not.toContain(pw[0]);
    // The rule is enforced, not left to chance: a password starting with it is refused.
    const bad = `${doc.notFirst[0]}${generated[0]!.slice(1)}`;
    expect(meetsTargetRule(bad, target)).toBe(false);
  });

  test('every generated password passes the rule check, and one outside the set does not', () => {
    for (const pw of generated) expect(meetsTargetRule(pw, target)).toBe(true);
    expect(meetsTargetRule(`${generated[0]!.slice(0, 31)}"`, target)).toBe(false);
    expect(meetsTargetRule('abcdefgh12345678', target)).toBe(false); // two classes only
  });

  test('every character of the alphabet can be drawn (the set is not accidentally narrowed)', () => {
    const seen = new Set(generated.join(''));
    const alphabet = planTargetPassword(target).alphabet;
    // 300 passwords of 32 characters draw each of at most 92 characters with near certainty.
    expect([...alphabet].filter((c) => !seen.has(c))).toEqual([]);
  });
});

describe('database passwords never hold characters that break shells or URLs', () => {
  test.each(['Rds', 'PolarDB', 'Redis'] as PasswordTarget[])('%s: no quote, backslash, backtick, space, slash, colon, ? or ~', (target) => {
    expect(planTargetPassword(target).alphabet).not.toMatch(/["'\\` /:?~]/);
  });
});
