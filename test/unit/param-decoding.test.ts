/**
 * Parameter decoding (src/api/params.ts decodeParams + validateParams): every form the current
 * SDKs put on the wire, for the CLI, query strings and form bodies alike (the same function).
 */
import { describe, expect, test } from '@jest/globals';
import { decodeParams, parseBool, validateParams } from '../../src/api/params.js';
import { findOperation } from '../../src/api/operations.js';
import { ServiceError } from '../../src/errors/errors.js';

function op(name: string) {
  const found = findOperation(name);
  if (!found) throw new Error(`no operation ${name}`);
  return found;
}

function decode(name: string, sent: Record<string, string>) {
  const spec = op(name);
  const { raw, unknown } = decodeParams(spec.params, sent);
  return { values: validateParams(spec.params, raw), unknown, raw };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServiceError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('booleans', () => {
  test.each(['true', 'True', 'TRUE', 'tRuE'])('%s is true (Python sends str(True))', (text) => {
    expect(parseBool('X', text)).toBe(true);
  });
  test.each(['false', 'False', 'FALSE'])('%s is false', (text) => {
    expect(parseBool('X', text)).toBe(false);
  });
  test.each(['1', 'yes', '', 'truee'])('%j is InvalidParameter', (text) => {
    expect(refusal(() => parseBool('X', text))).toMatch(/^InvalidParameter: .*X must be true or false/);
  });
  test('FetchExtendedConfig=True, as the caching clients send it, is decoded', () => {
    expect(decode('GetSecretValue', { SecretName: 's', FetchExtendedConfig: 'True' }).values.FetchExtendedConfig).toBe(true);
  });
});

describe('flattened maps', () => {
  test('ExtendedConfig.CustomData.DBName=app1 becomes the CustomData object', () => {
    const { values } = decode('UpdateSecret', { SecretName: 's', 'ExtendedConfig.CustomData.DBName': 'app1', 'ExtendedConfig.CustomData.Port': '3306' });
    expect(values['ExtendedConfig.CustomData']).toEqual({ DBName: 'app1', Port: '3306' });
  });
  test('nested keys nest', () => {
    const { values } = decode('CreateSecret', {
      SecretName: 's', VersionId: 'v1', SecretData: 'x', 'ExtendedConfig.SecretSubType': 'Password', 'ExtendedConfig.CustomData.a.b': 'c',
    });
    expect(values.ExtendedConfig).toEqual({ SecretSubType: 'Password', CustomData: { a: { b: 'c' } } });
  });
  test('X.1, X.2 become a list in index order: Tags.N.TagKey', () => {
    const { values } = decode('TagResource', { SecretName: 's', 'Tags.2.TagKey': 'k2', 'Tags.2.TagValue': 'v2', 'Tags.1.TagKey': 'k1', 'Tags.1.TagValue': 'v1' });
    expect(values.Tags).toEqual([{ TagKey: 'k1', TagValue: 'v1' }, { TagKey: 'k2', TagValue: 'v2' }]);
  });
  test('a required JSON parameter given only in flattened form counts as given', () => {
    const { raw } = decode('TagResource', { SecretName: 's', 'Tags.1.TagKey': 'k', 'Tags.1.TagValue': 'v' });
    expect(Object.keys(raw)).toContain('Tags');
  });
  test('the JSON text and a flattened form of the same parameter together: InvalidParameter', () => {
    expect(refusal(() => decode('UpdateSecret', { SecretName: 's', 'ExtendedConfig.CustomData': '{}', 'ExtendedConfig.CustomData.a': 'b' }))).toMatch(/^InvalidParameter/);
  });
  test('a value and a structure at the same path: InvalidParameter', () => {
    expect(refusal(() => decode('CreateSecret', { SecretName: 's', VersionId: 'v', SecretData: 'x', 'ExtendedConfig.a': '1', 'ExtendedConfig.a.b': '2' }))).toMatch(/^InvalidParameter/);
  });
});

describe('a flattened form of a known parameter is never dropped', () => {
  test('of a parameter that takes no structure: InvalidParameter', () => {
    expect(refusal(() => decode('GetSecretValue', { SecretName: 's', 'VersionStage.1': 'ACSCurrent' }))).toMatch(/^InvalidParameter: .*VersionStage takes a single value/);
  });
  test('a RepeatList with a wrong N: InvalidParameter', () => {
    expect(refusal(() => decode('ListTagResources', { ResourceType: 'secret', 'ResourceId.0': 'a' }))).toMatch(/^InvalidParameter/);
  });
  test('a RepeatList with an unknown field: InvalidParameter', () => {
    expect(refusal(() => decode('ListTagResources', { ResourceType: 'secret', 'Tag.1.Name': 'a' }))).toMatch(/^InvalidParameter/);
  });
  test('a parameter the operation does not know is reported as unknown, not refused', () => {
    expect(decode('GetSecretValue', { SecretName: 's', Foo: 'bar', 'Foo.1': 'x' }).unknown).toEqual(['Foo', 'Foo.1']);
  });
});

describe('RepeatLists', () => {
  test('ResourceId.N and Tag.N.Key / Tag.N.Value are lists ordered by N', () => {
    const { values } = decode('ListTagResources', {
      ResourceType: 'secret', 'ResourceId.2': 'b', 'ResourceId.1': 'a', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v',
    });
    expect(values.ResourceId).toEqual(['a', 'b']);
    expect(values.Tag).toEqual([{ Key: 'k', Value: 'v' }]);
  });
  test('a RepeatList given bare as a JSON array is spread into Name.N', () => {
    const { values } = decode('ListTagResources', { ResourceType: 'secret', ResourceId: '["a","b"]', Tag: '[{"Key":"k","Value":"v"}]' });
    expect(values.ResourceId).toEqual(['a', 'b']);
    expect(values.Tag).toEqual([{ Key: 'k', Value: 'v' }]);
  });
});

describe('JSON-serialised structures', () => {
  test('VersionStages as JSON text', () => {
    expect(decode('PutSecretValue', { SecretName: 's', VersionId: 'v', SecretData: 'x', VersionStages: '["A","B"]' }).values.VersionStages).toEqual(['A', 'B']);
  });
  test('VersionStages flattened (VersionStages.1, VersionStages.2) gives the same list', () => {
    expect(decode('PutSecretValue', { SecretName: 's', VersionId: 'v', SecretData: 'x', 'VersionStages.1': 'A', 'VersionStages.2': 'B' }).values.VersionStages).toEqual(['A', 'B']);
  });
});
