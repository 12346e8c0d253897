/**
 * ReadCache (src/store/read-cache.ts): a decoded file is reused only while the file's identity is
 * unchanged; a replaced, edited or removed file is read again. Then through `serve`: a value changed
 * by another process (the CLI) is what the next request gets.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadCache } from '../../src/store/read-cache.js';
import { Home } from '../../src/store/home.js';
import { SecretStore } from '../../src/store/store.js';
import { ACS_CURRENT, type SecretRecord } from '../../src/core/model.js';
import { makeHome, removeHome, runCli } from '../support/cli.js';
import { signedV1, startServe, type Served } from '../support/serve.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-read-cache-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A cache over one file, counting how often it decodes. */
function setup(text: string) {
  const path = join(tempDir(), 'secret.json');
  writeFileSync(path, text);
  const cache = new ReadCache<{ text: string }>(10);
  const decoded: string[] = [];
  const read = () => cache.read(path, (t) => (decoded.push(t), { text: t }));
  return { path, cache, decoded, read };
}

describe('ReadCache', () => {
  test('an unchanged file is decoded once and the same value is returned', () => {
    const { read, decoded } = setup('one');
    const first = read();
    expect(read()).toBe(first);
    expect(decoded).toEqual(['one']);
  });

  test('a file replaced by rename (how every store write lands) is decoded again', () => {
    const { path, read, decoded } = setup('one');
    read();
    writeFileSync(`${path}.tmp`, 'two');
    renameSync(`${path}.tmp`, path);
    expect(read()?.text).toBe('two');
    expect(decoded).toEqual(['one', 'two']);
  });

  test('a file edited in place with the same size and its old mtime put back is decoded again (ctime moved)', () => {
    const { path, read } = setup('aaaa');
    read();
    const past = new Date('2026-01-01T00:00:00Z');
    utimesSync(path, past, past);
    read();
    writeFileSync(path, 'bbbb');
    utimesSync(path, past, past);
    expect(read()?.text).toBe('bbbb');
  });

  test('a removed file reads as undefined, and a new file under the name is decoded', () => {
    const { path, read } = setup('one');
    read();
    rmSync(path);
    expect(read()).toBeUndefined();
    writeFileSync(path, 'again');
    expect(read()?.text).toBe('again');
  });

  test('a decode that throws is not cached: the next read tries again', () => {
    const path = join(tempDir(), 'bad.json');
    writeFileSync(path, 'tampered');
    const cache = new ReadCache<string>(10);
    let calls = 0;
    const decode = () => {
      calls++;
      throw new Error('integrity check failed');
    };
    expect(() => cache.read(path, decode)).toThrow('integrity check failed');
    expect(() => cache.read(path, decode)).toThrow('integrity check failed');
    expect(calls).toBe(2);
  });

  test('a symbolic link in place of the file is not followed (ELOOP), cached or not', () => {
    const { path, read } = setup('real');
    read();
    const target = join(tempDir(), 'elsewhere.json');
    writeFileSync(target, 'planted');
    rmSync(path);
    symlinkSync(target, path);
    expect(() => read()).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });

  test('a vouched value is answered by vouched() while its file is unchanged, and not once the file is replaced', () => {
    const { path, cache, read } = setup('one');
    const first = read()!;
    expect(cache.vouched(path)).toBeUndefined();
    cache.vouch(path, first);
    expect(cache.vouched(path)).toBe(first);
    writeFileSync(`${path}.tmp`, 'two');
    renameSync(`${path}.tmp`, path);
    expect(cache.vouched(path)).toBeUndefined();
    // Read again, the new value starts unvouched.
    expect(read()?.text).toBe('two');
    expect(cache.vouched(path)).toBeUndefined();
  });

  test('a vouched value is not answered once its file is removed', () => {
    const { path, cache, read } = setup('one');
    cache.vouch(path, read()!);
    rmSync(path);
    expect(cache.vouched(path)).toBeUndefined();
  });

  test('vouch() of a value the cache no longer holds for the path marks nothing', () => {
    const { path, cache, read } = setup('one');
    const first = read()!;
    writeFileSync(`${path}.tmp`, 'two');
    renameSync(`${path}.tmp`, path);
    read();
    cache.vouch(path, first);
    expect(cache.vouched(path)).toBeUndefined();
  });

  test('beyond its capacity the oldest entry goes first', () => {
    const dir = tempDir();
    const cache = new ReadCache<string>(2);
    const decoded: string[] = [];
    const read = (name: string) => cache.read(join(dir, name), (t) => (decoded.push(t), t));
    for (const name of ['a', 'b', 'c']) writeFileSync(join(dir, name), name);
    read('a');
    read('b');
    read('c');
    read('b');
    read('a');
    expect(decoded).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('a store of one request (createContext) over the read cache (serve)', () => {
  const NOW = '2026-03-01T08:00:00Z';
  const root = makeHome();
  afterAll(() => removeHome(root));
  const home = new Home({ KMS_LOCAL_HOME: root, KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 6).toString('base64') });
  home.readCache = new ReadCache(10);
  const storeOf = () => new SecretStore(home, 'cn-hangzhou', () => Date.parse(NOW), { oneRequest: true });
  const recordOf = (name: string, versionId: string, description: string): SecretRecord => {
    const keys = home.keys();
    const plaintext = Buffer.from(description, 'utf8');
    return {
      name, type: 'Generic', description, createTime: NOW, updateTime: NOW, encryptionKeyId: keys.keyId, tags: [],
      versions: [{ versionId, createTime: NOW, stages: [ACS_CURRENT], dataType: 'text', digest: keys.digest(name, 'text', plaintext), payload: keys.sealValue(name, versionId, plaintext) }],
    };
  };

  test('reads a secret once for peek and get, and reads it again after its own change', () => {
    storeOf().mutate('app/x', () => ({ next: recordOf('app/x', 'v1', 'first'), result: undefined }));
    const store = storeOf();
    const peeked = store.peek('app/x');
    expect(store.get('app/x')).toBe(peeked);
    store.mutate('app/x', () => ({ next: recordOf('app/x', 'v2', 'second'), result: undefined }));
    expect(store.get('app/x')?.description).toBe('second');
    store.mutate('app/x', () => ({ next: null, result: undefined }));
    expect(store.peek('app/x')).toBeUndefined();
  });

  test('a change that fails half-way still sends the next read to the file', () => {
    storeOf().mutate('app/y', () => ({ next: recordOf('app/y', 'v1', 'first'), result: undefined }));
    const store = storeOf();
    expect(store.peek('app/y')?.description).toBe('first');
    expect(() => store.mutate('app/y', () => { throw new Error('refused'); })).toThrow('refused');
    storeOf().mutate('app/y', () => ({ next: recordOf('app/y', 'v2', 'second'), result: undefined }));
    expect(store.get('app/y')?.description).toBe('second');
  });
});

describe('serve with its read cache', () => {
  let serve: Served | undefined;
  const home = makeHome();
  afterAll(async () => {
    await serve?.stop();
    removeHome(home);
  });

  test('a value put by the CLI while serve runs is the one serve answers next, and a deleted secret is gone', async () => {
    const env = { KMS_LOCAL_MASTER_KEY: Buffer.alloc(32, 5).toString('base64') };
    expect(runCli(['kms', 'CreateSecret', '--SecretName', 'app/token', '--SecretData', 'first', '--VersionId', 'v1'], { home, env }).code).toBe(0);
    serve = await startServe(home, [], env);
    const read = async () => (await signedV1(serve!.endpoint, 'GetSecretValue', { SecretName: 'app/token' })).body;
    expect((await read()).SecretData).toBe('first');
    expect((await read()).SecretData).toBe('first');
    expect(runCli(['kms', 'PutSecretValue', '--SecretName', 'app/token', '--SecretData', 'second', '--VersionId', 'v2'], { home, env }).code).toBe(0);
    expect((await read()).SecretData).toBe('second');
    expect(runCli(['kms', 'DeleteSecret', '--SecretName', 'app/token', '--ForceDeleteWithoutRecovery', 'true'], { home, env }).code).toBe(0);
    expect((await read()).Code).toBe('Forbidden.ResourceNotFound');
  });
});
