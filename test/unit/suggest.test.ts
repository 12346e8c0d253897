/** src/cli/suggest.ts: "Did you mean" candidates within Levenshtein distance 2, as the aliyun CLI finds them. */
import { describe, expect, test } from '@jest/globals';
import { levenshtein, suggest } from '../../src/cli/suggest.js';
import { operations } from '../../src/api/operations.js';

describe('levenshtein', () => {
  test.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['SecretNam', 'SecretName', 1],
    ['SecretNmae', 'SecretName', 2],
    ['secretname', 'SecretName', 2],
  ])('%j -> %j is %i', (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
    expect(levenshtein(b, a)).toBe(d);
  });
});

describe('suggest', () => {
  const params = ['--SecretName', '--VersionId', '--VersionStage', '--region', '--profile'];
  const ops = operations.map((op) => op.name);

  test('a one-letter slip finds the parameter', () => {
    expect(suggest('--SecretNam', params)).toEqual(['--SecretName']);
  });

  test('a transposition (distance 2) still qualifies', () => {
    expect(suggest('--SecretNmae', params)).toEqual(['--SecretName']);
  });

  test('a name differing only in case always qualifies, first', () => {
    expect(suggest('--secretname', params)).toEqual(['--SecretName']);
    expect(suggest('getsecretvalue', ops)).toEqual(['GetSecretValue']);
  });

  test('closer candidates come first, ties alphabetically', () => {
    expect(suggest('--VersionI', ['--VersionStage', '--VersionId', '--VersionIs'])).toEqual(['--VersionId', '--VersionIs']);
    expect(suggest('abc', ['abd', 'abe', 'xbc', 'abcd'])).toEqual(['abcd', 'abd', 'abe', 'xbc']);
  });

  test('nothing within distance 2 -> no suggestion', () => {
    expect(suggest('--Foo', params)).toEqual([]);
    expect(suggest('Frobnicate', ops)).toEqual([]);
  });

  test('an operation name with a plural s suggests the operation', () => {
    expect(suggest('GetSecretValues', ops)).toContain('GetSecretValue');
  });

  test('maxDistance can be narrowed', () => {
    expect(suggest('--SecretNmae', params, 1)).toEqual([]);
  });
});
