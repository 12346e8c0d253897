/** forEachFormPair (src/server/form-params.ts) decodes exactly as URLSearchParams does. */
import { describe, expect, test } from '@jest/globals';
import { forEachFormPair } from '../../src/server/form-params.js';

function pairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  forEachFormPair(text, (name, value) => out.push([name, value]));
  return out;
}

const reference = (text: string): [string, string][] => [...new URLSearchParams(text)];

describe('forEachFormPair', () => {
  test.each([
    ['', 'nothing'],
    ['a=1&b=2', 'plain pairs'],
    ['?a=1', 'one leading ? dropped'],
    ['??a=1', 'only one'],
    ['a', 'a name without ='],
    ['=x', 'an empty name'],
    ['a=b=c', 'split at the first ='],
    ['&&a=1&&b=&', 'empty pairs skipped'],
    ['a+b=c+d%2B', '+ is a space, %2B a plus'],
    ['a=%zz%41', 'an invalid escape kept, a valid one decoded'],
    ['a=%FF', 'invalid UTF-8 becomes U+FFFD'],
    ['a=%2', 'a cut-off escape'],
    ['a=%e4%b8%ad&%E4%B8%AD=x', 'UTF-8 in names and values'],
    ['a=\ud800x', 'a lone surrogate without escapes is kept'],
    ['a=\ud800%41', 'a lone surrogate with an escape'],
    ['Signature=abc%2Bdef%3D&Timestamp=2026-03-01T12%3A00%3A00Z', 'what clients send'],
  ])('%j (%s)', (text) => {
    expect(pairs(text)).toEqual(reference(text));
  });

  test('random text over the characters that matter decodes the same', () => {
    const alphabet = ['a', 'B', '=', '&', '+', '%', '2', 'b', 'F', 'f', 'g', '?', ' ', '\u00e9', '\ud83d\ude00', '\ud800', '%2', '%4', '%e4%b8'];
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 20000; i++) {
      let text = '';
      const length = random(16);
      for (let j = 0; j < length; j++) text += alphabet[random(alphabet.length)];
      expect(pairs(text)).toEqual(reference(text));
    }
  });
});
