/**
 * builtinModule (src/builtin-module.ts): node's own getBuiltinModule where there is one; without
 * it, the bundle's CommonJS require; in an ES module on a node that has neither, a clear error.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { builtinModule } from '../../src/builtin-module.js';

const proc = process as { getBuiltinModule?: unknown };
const original = proc.getBuiltinModule;
afterEach(() => {
  proc.getBuiltinModule = original;
});

describe('builtinModule', () => {
  test('gives the built-in node gives', async () => {
    expect(builtinModule<typeof import('node:os')>('node:os').hostname).toBe((await import('node:os')).hostname);
  });

  test('without process.getBuiltinModule and outside the CommonJS bundle, says which node it needs', () => {
    proc.getBuiltinModule = undefined;
    expect(() => builtinModule('node:os')).toThrow('kms-local needs node 20.16 or later');
  });
});
