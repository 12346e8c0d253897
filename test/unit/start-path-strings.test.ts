/**
 * String checks on the start-up path written without regular expressions (each costs about 20 us
 * the first time a process uses it): each gives what the expression it stands in front of, or for,
 * gives.
 */
import { describe, expect, test } from '@jest/globals';
import { splitFlag } from '../../src/cli/argv.js';
import { secretNameIn } from '../../src/core/model.js';
import { fileNameFor } from '../../src/store/secret-file.js';
import { resourcesOf } from '../../src/api/authorize.js';
import { findOperation } from '../../src/api/operations.js';
import type { Context } from '../../src/api/context.js';

describe('splitFlag: the first = or : ends the name', () => {
  test.each([
    ['--SecretName=a', 'SecretName', 'a'],
    ['--SecretName:a', 'SecretName', 'a'],
    ['--SecretData=a:b', 'SecretData', 'a:b'],
    ['--SecretData:a=b', 'SecretData', 'a=b'],
    ['--SecretData=', 'SecretData', ''],
    ['--SecretName', 'SecretName', undefined],
    ['-h', 'h', undefined],
  ])('%s', (arg, name, inline) => {
    expect(splitFlag(arg)).toEqual({ name, inline });
    const cut = arg.replace(/^--?/, '').search(/[=:]/);
    expect(cut < 0 ? undefined : arg.replace(/^--?/, '').slice(cut + 1)).toBe(inline);
  });
});

describe('secretNameIn: the name at the end of a secret ARN, else the value', () => {
  const byExpression = (value: string) => /^acs:kms:[^:]*:[^:]*:secret\/(.+)$/.exec(value)?.[1] ?? value;
  test.each([
    ['a plain name', 'app/db'],
    ['an ARN', 'acs:kms:cn-hangzhou:1234567890:secret/app/db'],
    ['an ARN with empty region and account', 'acs:kms:::secret/x'],
    ['an ARN without a name', 'acs:kms:cn-hangzhou:1:secret/'],
    ['a key ARN', 'acs:kms:cn-hangzhou:1:key/k'],
    ['a RAM ARN', 'acs:ram::1:user/x'],
    ['a name starting acs', 'acs-name'],
  ])('%s', (_what, value) => {
    expect(secretNameIn(value)).toBe(byExpression(value));
  });
});

describe('fileNameFor: a name of kept characters needs no escaping', () => {
  const byExpression = (name: string) => `${name.replace(/[^A-Za-z0-9_.@=-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).replace(/^\./, '%2E')}.json`;
  test.each(['bench-target', 'A_z.@=-09', 'app/db', 'a+b=c', '.hidden', 'x y', 'caf\u00e9', 'a:b', '[x]', '{x}', '`x`', '~x'])('%s', (name) => {
    expect(fileNameFor(name)).toBe(byExpression(name));
  });
});

describe('resourcesOf: a parameter names a resource when it is ResourceId.<digits>, as /^ResourceId\\.\\d+$/ says', () => {
  // serve authorizes every request: the parameter names are checked with string tests. A store
  // that knows no secret: each resource found is `secret/<value>`, with no tags or policy.
  const ctx = { store: { peek: async () => undefined } } as unknown as Context;
  const op = findOperation('TagResources')!;
  test.each(['ResourceId.1', 'ResourceId.12', 'ResourceId.', 'ResourceId.1a', 'ResourceId.a1', 'ResourceId', 'ResourceIdX.1', 'xResourceId.1', 'resourceid.1', 'ResourceId.-1'])('%s', async (name) => {
    const paths = async (params: Record<string, string>) => (await resourcesOf(op, params, ctx)).map((r) => r.path);
    // Not a resource: the call is judged on its container, as with no ResourceId at all.
    const none = await paths({ ResourceType: 'secret' });
    expect(await paths({ ResourceType: 'secret', [name]: 'app/x' })).toEqual(/^ResourceId\.\d+$/.test(name) ? ['secret/app/x'] : none);
  });
});

describe('resourcesOf: a call naming no resource acts on the container of the resource type it names', () => {
  const ctx = { store: { peek: async () => undefined } } as unknown as Context;
  test.each([
    ['ListTagResources', { ResourceType: 'secret' }, 'secret'],
    ['ListTagResources', { ResourceType: 'key' }, 'key'],
    ['ListSecrets', {}, 'secret'],
    ['ListKeys', {}, 'key'],
  ])('%s %j: %s', async (name, params, container) => {
    expect((await resourcesOf(findOperation(name)!, params as Record<string, string>, ctx)).map((r) => r.path)).toEqual([container]);
  });
});
