/** GetRandomPassword (docs/design.md §4 rule 11): the pure plan (core/password-policy) and the sampler (crypto/password). */
import { describe, expect, test } from '@jest/globals';
import { serviceErrorCode as codeOf } from '../support/core.js';
import { CHARACTER_CLASSES, meetsPlan, planPassword, type PasswordRequest } from '../../src/core/password-policy.js';
import { generatePassword } from '../../src/crypto/password.js';

/** Printable ASCII, built independently of the module: the classes must partition it minus space and backtick. */
const PRINTABLE = Array.from({ length: 126 - 33 + 1 }, (_, i) => String.fromCharCode(33 + i)).join('');
const LOWER = [...PRINTABLE].filter((c) => c >= 'a' && c <= 'z').join('');
const UPPER = [...PRINTABLE].filter((c) => c >= 'A' && c <= 'Z').join('');
const DIGITS = [...PRINTABLE].filter((c) => c >= '0' && c <= '9').join('');
const PUNCT = [...PRINTABLE].filter((c) => !/[A-Za-z0-9`]/.test(c)).join('');

function request(over: Partial<PasswordRequest> = {}): PasswordRequest {
  return { length: 32, excludeCharacters: '', exclude: {}, requireEachIncludedType: true, ...over };
}

describe('character classes', () => {
  test('are lowercase, uppercase, digits and the ASCII punctuation without backtick', () => {
    expect(CHARACTER_CLASSES.lowercase).toBe(LOWER);
    expect(CHARACTER_CLASSES.uppercase).toBe(UPPER);
    expect(CHARACTER_CLASSES.numbers).toBe(DIGITS);
    expect([...CHARACTER_CLASSES.punctuation].sort().join('')).toBe([...PUNCT].sort().join(''));
  });

  test('no backtick and no space can ever be drawn', () => {
    const plan = planPassword(request({ length: 128 }));
    expect(plan.alphabet).not.toContain('`');
    expect(plan.alphabet).not.toContain(' ');
    for (let i = 0; i < 50; i++) expect(generatePassword(plan)).toMatch(/^[^` ]{128}$/);
  });
});

describe('planPassword', () => {
  test('by default every class is allowed and required', () => {
    const plan = planPassword(request());
    expect([...plan.alphabet].sort().join('')).toBe([...LOWER + UPPER + DIGITS + PUNCT].sort().join(''));
    expect(plan.required).toHaveLength(4);
  });

  test.each([
    { name: 'ExcludeLowercase', exclude: { lowercase: true }, gone: LOWER },
    { name: 'ExcludeUppercase', exclude: { uppercase: true }, gone: UPPER },
    { name: 'ExcludeNumbers', exclude: { numbers: true }, gone: DIGITS },
    { name: 'ExcludePunctuation', exclude: { punctuation: true }, gone: PUNCT },
  ])('$name removes that class from the alphabet and from the required classes', ({ exclude, gone }) => {
    const plan = planPassword(request({ exclude }));
    for (const ch of gone) expect(plan.alphabet).not.toContain(ch);
    expect(plan.alphabet.length).toBe(94 - 1 - gone.length);
    expect(plan.required).toHaveLength(3);
  });

  test('ExcludeCharacters removes exactly those characters', () => {
    const plan = planPassword(request({ excludeCharacters: 'aeiouAEIOU01"\\' }));
    for (const ch of 'aeiouAEIOU01"\\') expect(plan.alphabet).not.toContain(ch);
    expect(plan.alphabet.length).toBe(93 - 14);
  });

  test('a class emptied by ExcludeCharacters is no longer required', () => {
    const plan = planPassword(request({ excludeCharacters: DIGITS }));
    expect(plan.required).toHaveLength(3);
    expect(plan.required.join('')).not.toMatch(/\d/);
  });

  test('RequireEachIncludedType=false requires nothing', () => {
    expect(planPassword(request({ requireEachIncludedType: false })).required).toEqual([]);
  });

  test.each([
    { name: 'every class excluded', over: { exclude: { lowercase: true, uppercase: true, numbers: true, punctuation: true } } },
    { name: 'every character excluded by ExcludeCharacters', over: { excludeCharacters: PRINTABLE } },
    { name: 'the classes left all emptied by ExcludeCharacters', over: { exclude: { lowercase: true, uppercase: true, punctuation: true }, excludeCharacters: DIGITS } },
    { name: 'more required classes than characters', over: { length: 3 } },
  ])('$name -> InvalidParameter', ({ over }) => {
    expect(codeOf(() => planPassword(request(over)))).toBe('InvalidParameter');
  });
});

describe('generatePassword', () => {
  test.each([8, 32, 128])('has exactly the requested length (%i)', (length) => {
    expect([...generatePassword(planPassword(request({ length })))]).toHaveLength(length);
  });

  test('with RequireEachIncludedType, every short password holds a character of each class', () => {
    const plan = planPassword(request({ length: 8 }));
    for (let i = 0; i < 300; i++) {
      const pw = generatePassword(plan);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[0-9]/);
      expect([...pw].some((c) => PUNCT.includes(c))).toBe(true);
    }
  });

  test('uses only characters of the alphabet', () => {
    const plan = planPassword(request({ exclude: { punctuation: true }, excludeCharacters: 'lIO0' }));
    for (let i = 0; i < 100; i++) expect(generatePassword(plan)).toMatch(/^[a-km-zA-HJ-NP-Z1-9]{32}$/);
  });

  test('meetsPlan tells a password missing a required class', () => {
    const plan = planPassword(request({ length: 8, exclude: { punctuation: true } }));
    expect(meetsPlan('abcdEFG1', plan)).toBe(true);
    expect(meetsPlan('abcdefg1', plan)).toBe(false);
    expect(meetsPlan('ABCDEFGH', plan)).toBe(false);
  });

  test('draws characters uniformly (two-character alphabet, 20000 draws)', () => {
    const plan = planPassword(
      request({ length: 100, exclude: { lowercase: true, uppercase: true, punctuation: true }, excludeCharacters: '23456789', requireEachIncludedType: false }),
    );
    expect([...plan.alphabet].sort().join('')).toBe('01');
    let ones = 0;
    for (let i = 0; i < 200; i++) ones += [...generatePassword(plan)].filter((c) => c === '1').length;
    // 20000 fair coin flips: the standard deviation is about 71, so 10000 ± 500 fails once in 10^12 runs.
    expect(Math.abs(ones - 10000)).toBeLessThan(500);
  });
});
