/** src/output/json.ts renders responses as the aliyun CLI prints them (Go encoding/json after sortJSON). */
import { describe, expect, test } from '@jest/globals';
import { renderJson } from '../../src/output/json.js';

describe('renderJson', () => {
  test('sorts keys at every level, inside arrays too', () => {
    const text = renderJson({ z: 1, a: { y: [{ d: 1, c: 2 }], b: { f: 1, e: 2 } } });
    expect(text).toBe(
      '{\n\t"a": {\n\t\t"b": {\n\t\t\t"e": 2,\n\t\t\t"f": 1\n\t\t},\n\t\t"y": [\n\t\t\t{\n\t\t\t\t"c": 2,\n\t\t\t\t"d": 1\n\t\t\t}\n\t\t]\n\t},\n\t"z": 1\n}\n',
    );
  });

  test('sorts by byte order: uppercase before lowercase', () => {
    expect(Object.keys(JSON.parse(renderJson({ b: 1, a: 1, B: 1, A: 1, _: 1 })))).toEqual(['A', 'B', '_', 'a', 'b']);
  });

  test('indents with one TAB per level and ends with exactly one newline', () => {
    const text = renderJson({ RequestId: 'r', VersionStages: { VersionStage: ['ACSCurrent'] } });
    expect(text).toBe('{\n\t"RequestId": "r",\n\t"VersionStages": {\n\t\t"VersionStage": [\n\t\t\t"ACSCurrent"\n\t\t]\n\t}\n}\n');
    expect(text).not.toMatch(/ {2}/);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });

  test('leaves out undefined fields and keeps null', () => {
    expect(renderJson({ b: undefined, a: null })).toBe('{\n\t"a": null\n}\n');
  });

  test('prints empty objects and arrays as Go does', () => {
    expect(renderJson({ a: {}, b: [] })).toBe('{\n\t"a": {},\n\t"b": []\n}\n');
  });

  test('does not HTML-escape < > &', () => {
    expect(renderJson({ a: '<b>&amp;</b>' })).toBe('{\n\t"a": "<b>&amp;</b>"\n}\n');
  });

  test('keeps non-ASCII text literal', () => {
    expect(renderJson({ a: 'é密钥' })).toBe('{\n\t"a": "é密钥"\n}\n');
  });

  test.each([
    { name: 'backspace as \\u0008', value: 'a\bb', out: '"a\\u0008b"' },
    { name: 'form feed as \\u000c', value: 'a\fb', out: '"a\\u000cb"' },
    { name: 'U+2028 escaped', value: 'a\u2028b', out: '"a\\u2028b"' },
    { name: 'U+2029 escaped', value: 'a\u2029b', out: '"a\\u2029b"' },
    { name: 'newline, tab, CR as \\n \\t \\r', value: 'a\nb\tc\rd', out: '"a\\nb\\tc\\rd"' },
    { name: 'other control characters as \\u00XX', value: '\u0001\u001f', out: '"\\u0001\\u001f"' },
    { name: 'a backslash followed by b left alone', value: 'a\\b\\f', out: '"a\\\\b\\\\f"' },
    { name: 'quote and backslash', value: '"\\', out: '"\\"\\\\"' },
  ])('uses Go escapes: $name', ({ value, out }) => {
    expect(renderJson({ k: value })).toBe(`{\n\t"k": ${out}\n}\n`);
  });

  test('round-trips every value', () => {
    const value = { s: 'a\b\f\u2028\u2029\\b"', n: 12.5, t: true, l: [1, 'x', { k: null }] };
    expect(JSON.parse(renderJson(value))).toEqual(value);
  });
});
