/**
 * The cryptography operations through bin/kms-local.js (issue 12 item 2): every operation's
 * success and refusals, and interoperability with openssl. A signature from AsymmetricSign
 * verifies with `openssl dgst -verify` / `openssl pkeyutl -verify` against the GetPublicKey PEM,
 * AsymmetricDecrypt opens what `openssl pkeyutl -encrypt` made with that PEM, and an exported
 * data key opens with `openssl pkeyutl -decrypt` under the caller's private key.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashTree, homesRemovedAfterAll, removeHome, runCli, type CliResult } from '../support/cli.js';
import { expectOk as ok, expectServiceError as fails } from '../support/expect-cli.js';

const newHome = homesRemovedAfterAll();
const scratch = mkdtempSync(join(tmpdir(), 'kms-local-crypto-'));
afterAll(() => removeHome(scratch));

function kmsIn(home: string, ...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

/** `args` is refused with `code` and changes nothing in the store. */
function refused(home: string, code: string, ...args: string[]): string {
  const before = hashTree(join(home, 'store'));
  const message = fails(kmsIn(home, ...args), code);
  expect(hashTree(join(home, 'store'))).toBe(before);
  return message;
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function file(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

const sha256b64 = (data: Buffer | string): string => createHash('sha256').update(data).digest('base64');

interface Key {
  id: string;
  version: string;
  arn: string;
}

function createKey(home: string, ...args: string[]): Key {
  const meta = ok(kmsIn(home, 'CreateKey', ...args)).KeyMetadata;
  return { id: meta.KeyId, version: meta.PrimaryKeyVersion, arn: meta.Arn };
}

describe('Encrypt and Decrypt', () => {
  const home = newHome();
  let aes: Key;
  let aes128: Key;
  beforeAll(() => {
    aes = createKey(home);
    aes128 = createKey(home, '--KeySpec', 'Aliyun_AES_128');
  });

  test('Encrypt returns a blob, the key id and its primary version; Decrypt needs no KeyId and returns the text', () => {
    const enc = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'db-password: s3cr3t ü'));
    expect(enc).toEqual({ CiphertextBlob: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/), KeyId: aes.id, KeyVersionId: aes.version, RequestId: expect.any(String) });
    const dec = ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', enc.CiphertextBlob));
    expect(dec).toEqual({ KeyId: aes.id, KeyVersionId: aes.version, Plaintext: 'db-password: s3cr3t ü', RequestId: expect.any(String) });
  });

  test('the key ARN names the key as its id does; an Aliyun_AES_128 key encrypts too', () => {
    for (const key of [aes.arn, aes128.id]) {
      const enc = ok(kmsIn(home, 'Encrypt', '--KeyId', key, '--Plaintext', 'x'));
      expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', enc.CiphertextBlob)).Plaintext).toBe('x');
    }
  });

  test('two encryptions of one text differ', () => {
    const a = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'same')).CiphertextBlob;
    const b = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'same')).CiphertextBlob;
    expect(a).not.toBe(b);
  });

  describe('EncryptionContext is bound to the ciphertext', () => {
    let blob: string;
    beforeAll(() => {
      blob = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'bound', '--EncryptionContext', '{"tenant":"acme","env":"prod"}')).CiphertextBlob;
    });

    test('the same context in another key order decrypts', () => {
      expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', blob, '--EncryptionContext', '{"env":"prod","tenant":"acme"}')).Plaintext).toBe('bound');
    });

    test.each([
      { name: 'no context', args: [] },
      { name: 'another value', args: ['--EncryptionContext', '{"tenant":"acme","env":"dev"}'] },
      { name: 'a missing entry', args: ['--EncryptionContext', '{"tenant":"acme"}'] },
    ])('$name: InvalidParameter, no plaintext in the message', ({ args }) => {
      const message = refused(home, 'InvalidParameter', 'Decrypt', '--CiphertextBlob', blob, ...args);
      expect(message).toContain('EncryptionContext');
      expect(message).not.toContain('bound');
    });
  });

  test('a blob with one byte altered is InvalidParameter', () => {
    const raw = Buffer.from(ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'tamper me')).CiphertextBlob, 'base64');
    raw[raw.length - 2]! ^= 1;
    refused(home, 'InvalidParameter', 'Decrypt', '--CiphertextBlob', raw.toString('base64'));
  });

  test.each([
    { name: 'text that is not base64', blob: 'not a blob!' },
    { name: 'base64 that is not a blob of kms-local', blob: randomBytes(60).toString('base64') },
  ])('Decrypt of $name is InvalidParameter', ({ blob }) => {
    refused(home, 'InvalidParameter', 'Decrypt', '--CiphertextBlob', blob);
  });

  test('Plaintext of 6144 bytes is taken, of 6145 bytes refused; --Plaintext-FILE keeps it out of argv', () => {
    const big = 'p'.repeat(6144);
    const enc = ok(runCli(['kms', 'Encrypt', '--KeyId', aes.id, '--Plaintext-FILE', '-'], { home, input: big }));
    expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', enc.CiphertextBlob)).Plaintext).toBe(big);
    const message = refused(home, 'InvalidParameter', 'Encrypt', '--KeyId', aes.id, '--Plaintext', `${big}q`);
    expect(message).not.toContain('pppp');
  });

  test.each([
    { name: 'an array', context: '["a"]' },
    { name: 'a number value', context: '{"a":1}' },
    { name: 'invalid JSON', context: '{a:' },
  ])('an EncryptionContext that is $name is InvalidParameter', ({ context }) => {
    refused(home, 'InvalidParameter', 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'x', '--EncryptionContext', context);
  });

  test('an unknown key is Forbidden.KeyNotFound; an unknown alias Forbidden.AliasNotFound', () => {
    refused(home, 'Forbidden.KeyNotFound', 'Encrypt', '--KeyId', 'key-000000000000000000000000', '--Plaintext', 'x');
    refused(home, 'Forbidden.AliasNotFound', 'Encrypt', '--KeyId', 'alias/nothing', '--Plaintext', 'x');
  });

  test('an asymmetric key does not Encrypt: UnsupportedOperation', () => {
    const rsa = createKey(home, '--KeySpec', 'RSA_2048', '--KeyUsage', 'ENCRYPT/DECRYPT');
    refused(home, 'UnsupportedOperation', 'Encrypt', '--KeyId', rsa.id, '--Plaintext', 'x');
    refused(home, 'UnsupportedOperation', 'GenerateDataKey', '--KeyId', rsa.id);
  });

  test('DryRun=true checks and then refuses with DryRunOperationError', () => {
    refused(home, 'DryRunOperationError', 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'x', '--DryRun', 'true');
    const blob = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'x')).CiphertextBlob;
    refused(home, 'DryRunOperationError', 'Decrypt', '--CiphertextBlob', blob, '--DryRun', 'true');
    refused(home, 'Forbidden.KeyNotFound', 'Encrypt', '--KeyId', 'key-000000000000000000000000', '--Plaintext', 'x', '--DryRun', 'true');
  });

  test('a missing Plaintext is the CLI error of a missing required parameter (exit 3)', () => {
    const result = kmsIn(home, 'Encrypt', '--KeyId', aes.id);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--Plaintext');
  });
});

describe('data keys', () => {
  const home = newHome();
  let aes: Key;
  let other: Key;
  beforeAll(() => {
    aes = createKey(home);
    other = createKey(home, '--KeySpec', 'Aliyun_AES_128');
  });

  test.each([
    { name: 'no KeySpec nor NumberOfBytes: 32 bytes', args: [], bytes: 32 },
    { name: 'KeySpec AES_128: 16 bytes', args: ['--KeySpec', 'AES_128'], bytes: 16 },
    { name: 'KeySpec AES_256: 32 bytes', args: ['--KeySpec', 'AES_256'], bytes: 32 },
    { name: 'NumberOfBytes wins over KeySpec', args: ['--KeySpec', 'AES_128', '--NumberOfBytes', '64'], bytes: 64 },
    { name: 'NumberOfBytes 1', args: ['--NumberOfBytes', '1'], bytes: 1 },
    { name: 'NumberOfBytes 1024', args: ['--NumberOfBytes', '1024'], bytes: 1024 },
  ])('GenerateDataKey, $name; Decrypt of the blob returns the same base64 Plaintext', ({ args, bytes }) => {
    const dk = ok(kmsIn(home, 'GenerateDataKey', '--KeyId', aes.id, ...args));
    expect(Object.keys(dk).sort()).toEqual(['CiphertextBlob', 'KeyId', 'KeyVersionId', 'Plaintext', 'RequestId']);
    expect(Buffer.from(dk.Plaintext, 'base64')).toHaveLength(bytes);
    expect(Buffer.from(dk.Plaintext, 'base64').toString('base64')).toBe(dk.Plaintext);
    expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', dk.CiphertextBlob)).Plaintext).toBe(dk.Plaintext);
  });

  test.each(['0', '1025', 'ten'])('NumberOfBytes %s is InvalidParameter', (n) => {
    refused(home, 'InvalidParameter', 'GenerateDataKey', '--KeyId', aes.id, '--NumberOfBytes', n);
  });

  test('KeySpec AES_512 is InvalidParameter', () => {
    refused(home, 'InvalidParameter', 'GenerateDataKey', '--KeyId', aes.id, '--KeySpec', 'AES_512');
  });

  test('GenerateDataKeyWithoutPlaintext returns no Plaintext; Decrypt (with its context) gives the key later', () => {
    const dk = ok(kmsIn(home, 'GenerateDataKeyWithoutPlaintext', '--KeyId', aes.id, '--KeySpec', 'AES_128', '--EncryptionContext', '{"file":"a.bin"}'));
    expect(Object.keys(dk).sort()).toEqual(['CiphertextBlob', 'KeyId', 'KeyVersionId', 'RequestId']);
    const dec = ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', dk.CiphertextBlob, '--EncryptionContext', '{"file":"a.bin"}'));
    expect(Buffer.from(dec.Plaintext, 'base64')).toHaveLength(16);
    refused(home, 'InvalidParameter', 'Decrypt', '--CiphertextBlob', dk.CiphertextBlob);
  });

  describe('ReEncrypt', () => {
    test('moves a ciphertext to another key and context without showing the plaintext', () => {
      const enc = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'moving', '--EncryptionContext', '{"a":"1"}'));
      const re = ok(
        kmsIn(home, 'ReEncrypt', '--CiphertextBlob', enc.CiphertextBlob, '--SourceEncryptionContext', '{"a":"1"}', '--DestinationKeyId', other.id, '--DestinationEncryptionContext', '{"b":"2"}'),
      );
      expect(re).toEqual({ CiphertextBlob: expect.any(String), KeyId: other.id, KeyVersionId: other.version, RequestId: expect.any(String) });
      expect(re.CiphertextBlob).not.toContain('moving');
      const dec = ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', re.CiphertextBlob, '--EncryptionContext', '{"b":"2"}'));
      expect(dec).toMatchObject({ KeyId: other.id, Plaintext: 'moving' });
    });

    test('a wrong SourceEncryptionContext is InvalidParameter; an unknown destination Forbidden.KeyNotFound', () => {
      const blob = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'x', '--EncryptionContext', '{"a":"1"}')).CiphertextBlob;
      refused(home, 'InvalidParameter', 'ReEncrypt', '--CiphertextBlob', blob, '--DestinationKeyId', other.id);
      refused(home, 'Forbidden.KeyNotFound', 'ReEncrypt', '--CiphertextBlob', blob, '--SourceEncryptionContext', '{"a":"1"}', '--DestinationKeyId', 'key-000000000000000000000000');
    });

    test('a public-key ciphertext (openssl, GetPublicKey PEM) is re-encrypted under a symmetric key', () => {
      const rsa = createKey(home, '--KeySpec', 'RSA_2048', '--KeyUsage', 'ENCRYPT/DECRYPT');
      const pem = file('re-pub.pem', ok(kmsIn(home, 'GetPublicKey', '--KeyId', rsa.id, '--KeyVersionId', rsa.version)).PublicKey);
      const secret = randomBytes(32);
      const ct = file('re-ct.bin', '');
      openssl('pkeyutl', '-encrypt', '-pubin', '-inkey', pem, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-in', file('re-pt.bin', secret), '-out', ct);
      const blob = readFileSync(ct).toString('base64');
      const re = ok(
        kmsIn(home, 'ReEncrypt', '--CiphertextBlob', blob, '--SourceEncryptionAlgorithm', 'RSAES_OAEP_SHA_256', '--SourceKeyId', rsa.id, '--SourceKeyVersionId', rsa.version, '--DestinationKeyId', aes.id),
      );
      expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', re.CiphertextBlob)).Plaintext).toBe(secret.toString('base64'));
      refused(home, 'MissingParameter', 'ReEncrypt', '--CiphertextBlob', blob, '--SourceEncryptionAlgorithm', 'RSAES_OAEP_SHA_256', '--SourceKeyId', rsa.id, '--DestinationKeyId', aes.id);
      refused(home, 'InvalidParameter', 'ReEncrypt', '--CiphertextBlob', blob, '--SourceEncryptionAlgorithm', 'RSAES_OAEP_SHA_1', '--SourceKeyId', rsa.id, '--SourceKeyVersionId', rsa.version, '--DestinationKeyId', aes.id);
    });
  });

  describe('ExportDataKey and GenerateAndExportDataKey', () => {
    let privatePem: string;
    let publicKeyBlob: string;
    beforeAll(() => {
      privatePem = file('wrap-key.pem', '');
      openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', privatePem);
      const der = join(scratch, 'wrap-pub.der');
      openssl('pkey', '-in', privatePem, '-pubout', '-outform', 'DER', '-out', der);
      publicKeyBlob = readFileSync(der).toString('base64');
    });

    function opensslUnwrap(exported: string, md: string): string {
      const out = join(scratch, `unwrapped-${md}.bin`);
      openssl('pkeyutl', '-decrypt', '-inkey', privatePem, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-in', file(`exported-${md}.bin`, Buffer.from(exported, 'base64')), '-out', out);
      return readFileSync(out).toString('base64');
    }

    test.each([
      { algorithm: 'RSAES_OAEP_SHA_256', md: 'sha256' },
      { algorithm: 'RSAES_OAEP_SHA_1', md: 'sha1' },
    ])('ExportDataKey with $algorithm: openssl opens the exported key to the data key', ({ algorithm, md }) => {
      const dk = ok(kmsIn(home, 'GenerateDataKey', '--KeyId', aes.id, '--EncryptionContext', '{"x":"y"}'));
      const exported = ok(
        kmsIn(home, 'ExportDataKey', '--CiphertextBlob', dk.CiphertextBlob, '--EncryptionContext', '{"x":"y"}', '--PublicKeyBlob', publicKeyBlob, '--WrappingAlgorithm', algorithm, '--WrappingKeySpec', 'RSA_2048'),
      );
      expect(exported).toEqual({ ExportedDataKey: expect.any(String), KeyId: aes.id, KeyVersionId: aes.version, RequestId: expect.any(String) });
      expect(opensslUnwrap(exported.ExportedDataKey, md)).toBe(dk.Plaintext);
    });

    test('GenerateAndExportDataKey: the blob decrypts and the export opens to the same data key', () => {
      const both = ok(
        kmsIn(home, 'GenerateAndExportDataKey', '--KeyId', aes.id, '--KeySpec', 'AES_128', '--PublicKeyBlob', publicKeyBlob, '--WrappingAlgorithm', 'RSAES_OAEP_SHA_256', '--WrappingKeySpec', 'RSA_2048'),
      );
      expect(Object.keys(both).sort()).toEqual(['CiphertextBlob', 'ExportedDataKey', 'KeyId', 'KeyVersionId', 'RequestId']);
      const plaintext = ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', both.CiphertextBlob)).Plaintext;
      expect(Buffer.from(plaintext, 'base64')).toHaveLength(16);
      expect(opensslUnwrap(both.ExportedDataKey, 'sha256')).toBe(plaintext);
    });

    test('refusals: SM2, a key that is not RSA_2048, a data key too long for OAEP, a blob of text that is no data key', () => {
      const blob = ok(kmsIn(home, 'GenerateDataKeyWithoutPlaintext', '--KeyId', aes.id)).CiphertextBlob;
      const wrap = (algorithm: string, spec: string, key = publicKeyBlob) => ['--PublicKeyBlob', key, '--WrappingAlgorithm', algorithm, '--WrappingKeySpec', spec];
      refused(home, 'UnsupportedOperation', 'ExportDataKey', '--CiphertextBlob', blob, ...wrap('SM2PKE', 'EC_SM2'));
      refused(home, 'InvalidParameter', 'ExportDataKey', '--CiphertextBlob', blob, ...wrap('RSAES_OAEP_SHA_256', 'RSA_2048', 'bm90IGEga2V5'));
      const ec = join(scratch, 'ec.der');
      openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(scratch, 'ec.pem'));
      openssl('pkey', '-in', join(scratch, 'ec.pem'), '-pubout', '-outform', 'DER', '-out', ec);
      refused(home, 'InvalidParameter', 'ExportDataKey', '--CiphertextBlob', blob, ...wrap('RSAES_OAEP_SHA_256', 'RSA_2048', readFileSync(ec).toString('base64')));
      refused(home, 'InvalidParameter', 'GenerateAndExportDataKey', '--KeyId', aes.id, '--NumberOfBytes', '191', ...wrap('RSAES_OAEP_SHA_256', 'RSA_2048'));
      const text = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'not a key!')).CiphertextBlob;
      refused(home, 'InvalidParameter', 'ExportDataKey', '--CiphertextBlob', text, ...wrap('RSAES_OAEP_SHA_256', 'RSA_2048'));
    });
  });
});

describe('asymmetric keys and openssl', () => {
  const home = newHome();
  const message = Buffer.from('release v1.2.3 of the app\n');
  let msgFile: string;
  beforeAll(() => {
    msgFile = file('message.txt', message);
  });

  const signing = [
    { spec: 'RSA_2048', algorithm: 'RSA_PSS_SHA_256', dgst: ['-sigopt', 'rsa_padding_mode:pss'] },
    { spec: 'RSA_2048', algorithm: 'RSA_PKCS1_SHA_256', dgst: [] },
    { spec: 'RSA_3072', algorithm: 'RSA_PSS_SHA_256', dgst: ['-sigopt', 'rsa_padding_mode:pss'] },
    { spec: 'EC_P256', algorithm: 'ECDSA_SHA_256', dgst: [] },
    { spec: 'EC_P256K', algorithm: 'ECDSA_SHA_256', dgst: [] },
  ];

  test.each(signing)('$spec / $algorithm: the signature verifies with openssl against the GetPublicKey PEM, and with AsymmetricVerify', ({ spec, algorithm, dgst }) => {
    const key = createKey(home, '--KeySpec', spec, '--KeyUsage', 'SIGN/VERIFY');
    const pub = ok(kmsIn(home, 'GetPublicKey', '--KeyId', key.id, '--KeyVersionId', key.version));
    expect(pub).toEqual({ KeyId: key.id, KeyVersionId: key.version, PublicKey: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/), RequestId: expect.any(String) });
    const pem = file(`${spec}-pub.pem`, pub.PublicKey);
    const digest = sha256b64(message);
    const signed = ok(kmsIn(home, 'AsymmetricSign', '--KeyId', key.id, '--KeyVersionId', key.version, '--Algorithm', algorithm, '--Digest', digest));
    expect(signed).toEqual({ KeyId: key.id, KeyVersionId: key.version, RequestId: expect.any(String), Value: expect.any(String) });
    const sig = file(`${spec}-${algorithm}.sig`, Buffer.from(signed.Value, 'base64'));
    expect(openssl('dgst', '-sha256', ...dgst, '-verify', pem, '-signature', sig, msgFile)).toBe('Verified OK\n');
    // pkeyutl verifies the digest itself, as the service signs it.
    const pkeyopts = algorithm === 'RSA_PSS_SHA_256' ? ['-pkeyopt', 'rsa_padding_mode:pss'] : [];
    const digestFile = file(`${spec}-digest.bin`, Buffer.from(digest, 'base64'));
    expect(openssl('pkeyutl', '-verify', '-pubin', '-inkey', pem, '-pkeyopt', 'digest:sha256', ...pkeyopts, '-in', digestFile, '-sigfile', sig)).toContain('Signature Verified Successfully');
    const verify = (d: string, v: string) => ok(kmsIn(home, 'AsymmetricVerify', '--KeyId', key.id, '--KeyVersionId', key.version, '--Algorithm', algorithm, '--Digest', d, '--Value', v)).Value;
    expect(verify(digest, signed.Value)).toBe(true);
    expect(verify(sha256b64('another message'), signed.Value)).toBe(false);
    const bad = Buffer.from(signed.Value, 'base64');
    bad[bad.length - 1]! ^= 1;
    expect(verify(digest, bad.toString('base64'))).toBe(false);
  });

  describe('refusals', () => {
    let rsaSign: Key;
    let rsaCrypt: Key;
    let aes: Key;
    beforeAll(() => {
      rsaSign = createKey(home, '--KeySpec', 'RSA_2048');
      rsaCrypt = createKey(home, '--KeySpec', 'RSA_2048', '--KeyUsage', 'ENCRYPT/DECRYPT');
      aes = createKey(home);
    });
    const digest = sha256b64('m');

    test('an algorithm the key spec does not take, a digest that is not 32 bytes, a Value that is not base64: InvalidParameter', () => {
      refused(home, 'InvalidParameter', 'AsymmetricSign', '--KeyId', rsaSign.id, '--KeyVersionId', rsaSign.version, '--Algorithm', 'ECDSA_SHA_256', '--Digest', digest);
      refused(home, 'InvalidParameter', 'AsymmetricSign', '--KeyId', rsaSign.id, '--KeyVersionId', rsaSign.version, '--Algorithm', 'RSA_PSS_SHA_256', '--Digest', Buffer.alloc(20).toString('base64'));
      refused(home, 'InvalidParameter', 'AsymmetricSign', '--KeyId', rsaSign.id, '--KeyVersionId', rsaSign.version, '--Algorithm', 'SM2DSA', '--Digest', digest);
      refused(home, 'InvalidParameter', 'AsymmetricVerify', '--KeyId', rsaSign.id, '--KeyVersionId', rsaSign.version, '--Algorithm', 'RSA_PSS_SHA_256', '--Digest', digest, '--Value', '%%%');
    });

    test('a version the key does not have is Forbidden.KeyVersionNotFound; KeyVersionId is required', () => {
      refused(home, 'Forbidden.KeyVersionNotFound', 'AsymmetricSign', '--KeyId', rsaSign.id, '--KeyVersionId', rsaCrypt.version, '--Algorithm', 'RSA_PSS_SHA_256', '--Digest', digest);
      refused(home, 'Forbidden.KeyVersionNotFound', 'GetPublicKey', '--KeyId', rsaSign.id, '--KeyVersionId', '00000000-0000-4000-8000-000000000000');
      const missing = kmsIn(home, 'AsymmetricSign', '--KeyId', rsaSign.id, '--Algorithm', 'RSA_PSS_SHA_256', '--Digest', digest);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('--KeyVersionId');
    });

    test('the wrong KeyUsage or kind of key: UnsupportedOperation', () => {
      refused(home, 'UnsupportedOperation', 'AsymmetricSign', '--KeyId', rsaCrypt.id, '--KeyVersionId', rsaCrypt.version, '--Algorithm', 'RSA_PSS_SHA_256', '--Digest', digest);
      refused(home, 'UnsupportedOperation', 'AsymmetricEncrypt', '--KeyId', rsaSign.id, '--KeyVersionId', rsaSign.version, '--Algorithm', 'RSAES_OAEP_SHA_256', '--Plaintext', 'eA==');
      refused(home, 'UnsupportedOperation', 'GetPublicKey', '--KeyId', aes.id, '--KeyVersionId', aes.version);
      refused(home, 'UnsupportedOperation', 'AsymmetricSign', '--KeyId', aes.id, '--KeyVersionId', aes.version, '--Algorithm', 'RSA_PSS_SHA_256', '--Digest', digest);
    });

    test('AsymmetricDecrypt opens what openssl encrypted with the GetPublicKey PEM (SHA-256 and SHA-1)', () => {
      const pem = file('crypt-pub.pem', ok(kmsIn(home, 'GetPublicKey', '--KeyId', rsaCrypt.id, '--KeyVersionId', rsaCrypt.version)).PublicKey);
      for (const [algorithm, md] of [['RSAES_OAEP_SHA_256', 'sha256'], ['RSAES_OAEP_SHA_1', 'sha1']] as const) {
        const out = join(scratch, `openssl-${md}.bin`);
        openssl('pkeyutl', '-encrypt', '-pubin', '-inkey', pem, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-in', file('secret.txt', 'from openssl'), '-out', out);
        const dec = ok(kmsIn(home, 'AsymmetricDecrypt', '--KeyId', rsaCrypt.id, '--KeyVersionId', rsaCrypt.version, '--Algorithm', algorithm, '--CiphertextBlob', readFileSync(out).toString('base64')));
        expect(dec).toEqual({ KeyId: rsaCrypt.id, KeyVersionId: rsaCrypt.version, Plaintext: Buffer.from('from openssl').toString('base64'), RequestId: expect.any(String) });
      }
    });

    test('AsymmetricEncrypt round-trips through AsymmetricDecrypt; the other hash or a garbled blob is InvalidParameter', () => {
      const plaintext = Buffer.from('short secret').toString('base64');
      const enc = ok(kmsIn(home, 'AsymmetricEncrypt', '--KeyId', rsaCrypt.id, '--KeyVersionId', rsaCrypt.version, '--Algorithm', 'RSAES_OAEP_SHA_1', '--Plaintext', plaintext));
      expect(Buffer.from(enc.CiphertextBlob, 'base64')).toHaveLength(256);
      const decrypt = (algorithm: string, blob: string) => kmsIn(home, 'AsymmetricDecrypt', '--KeyId', rsaCrypt.id, '--KeyVersionId', rsaCrypt.version, '--Algorithm', algorithm, '--CiphertextBlob', blob);
      expect(ok(decrypt('RSAES_OAEP_SHA_1', enc.CiphertextBlob)).Plaintext).toBe(plaintext);
      fails(decrypt('RSAES_OAEP_SHA_256', enc.CiphertextBlob), 'InvalidParameter');
      fails(decrypt('RSAES_OAEP_SHA_1', randomBytes(256).toString('base64')), 'InvalidParameter');
    });

    test('AsymmetricEncrypt takes at most 190 bytes with SHA-256 under RSA_2048, and only base64', () => {
      const encrypt = (bytes: number) => ['AsymmetricEncrypt', '--KeyId', rsaCrypt.id, '--KeyVersionId', rsaCrypt.version, '--Algorithm', 'RSAES_OAEP_SHA_256', '--Plaintext', randomBytes(bytes).toString('base64')];
      ok(kmsIn(home, ...encrypt(190)));
      refused(home, 'InvalidParameter', ...encrypt(191));
      refused(home, 'InvalidParameter', 'AsymmetricEncrypt', '--KeyId', rsaCrypt.id, '--KeyVersionId', rsaCrypt.version, '--Algorithm', 'RSAES_OAEP_SHA_256', '--Plaintext', 'plain text');
    });
  });
});

describe('key states govern every cryptographic use', () => {
  const home = newHome();
  let aes: Key;
  let rsa: Key;
  let ec: Key;
  let blob: string;
  let rsaBlob: string;
  const digest = sha256b64('state');
  /** One call of each cryptographic operation on the three keys. */
  const uses = (): string[][] => [
    ['Encrypt', '--KeyId', aes.id, '--Plaintext', 'x'],
    ['Decrypt', '--CiphertextBlob', blob],
    ['ReEncrypt', '--CiphertextBlob', blob, '--DestinationKeyId', aes.id],
    ['GenerateDataKey', '--KeyId', aes.id],
    ['GenerateDataKeyWithoutPlaintext', '--KeyId', aes.id],
    ['GetPublicKey', '--KeyId', rsa.id, '--KeyVersionId', rsa.version],
    ['AsymmetricEncrypt', '--KeyId', rsa.id, '--KeyVersionId', rsa.version, '--Algorithm', 'RSAES_OAEP_SHA_256', '--Plaintext', 'eA=='],
    ['AsymmetricDecrypt', '--KeyId', rsa.id, '--KeyVersionId', rsa.version, '--Algorithm', 'RSAES_OAEP_SHA_256', '--CiphertextBlob', rsaBlob],
    ['AsymmetricSign', '--KeyId', ec.id, '--KeyVersionId', ec.version, '--Algorithm', 'ECDSA_SHA_256', '--Digest', digest],
    ['AsymmetricVerify', '--KeyId', ec.id, '--KeyVersionId', ec.version, '--Algorithm', 'ECDSA_SHA_256', '--Digest', digest, '--Value', 'AAAA'],
  ];
  beforeAll(() => {
    aes = createKey(home);
    rsa = createKey(home, '--KeySpec', 'RSA_2048', '--KeyUsage', 'ENCRYPT/DECRYPT');
    ec = createKey(home, '--KeySpec', 'EC_P256');
    blob = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.id, '--Plaintext', 'kept')).CiphertextBlob;
    rsaBlob = ok(kmsIn(home, 'AsymmetricEncrypt', '--KeyId', rsa.id, '--KeyVersionId', rsa.version, '--Algorithm', 'RSAES_OAEP_SHA_256', '--Plaintext', 'eA==')).CiphertextBlob;
  });
  const everyKey = (op: string, ...args: string[]) => [aes, rsa, ec].forEach((k) => ok(kmsIn(home, op, '--KeyId', k.id, ...args)));

  test('Disabled: every use is Rejected.Disabled (409), and works again after EnableKey', () => {
    everyKey('DisableKey');
    for (const args of uses()) refused(home, 'Rejected.Disabled', ...args);
    everyKey('EnableKey');
    for (const args of uses()) expect({ args, code: kmsIn(home, ...args).code }).toEqual({ args, code: 0 });
  });

  test('PendingDeletion: every use is Rejected.PendingDeletion (409), and works again after CancelKeyDeletion', () => {
    everyKey('ScheduleKeyDeletion', '--PendingWindowInDays', '7');
    for (const args of uses()) refused(home, 'Rejected.PendingDeletion', ...args);
    everyKey('CancelKeyDeletion');
    expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', blob)).Plaintext).toBe('kept');
  });

  test('past its deletion date a key is gone: Forbidden.KeyNotFound, its ciphertexts with it', () => {
    const doomed = createKey(home);
    const lost = ok(kmsIn(home, 'Encrypt', '--KeyId', doomed.id, '--Plaintext', 'lost')).CiphertextBlob;
    ok(kmsIn(home, 'ScheduleKeyDeletion', '--KeyId', doomed.id, '--PendingWindowInDays', '7'));
    const later = { KMS_LOCAL_NOW: new Date(Date.now() + 8 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z') };
    for (const args of [['Decrypt', '--CiphertextBlob', lost], ['Encrypt', '--KeyId', doomed.id, '--Plaintext', 'x']]) {
      fails(runCli(['kms', ...args], { home, env: later }), 'Forbidden.KeyNotFound');
    }
  });
});

describe('rotation: a new primary version encrypts, old ciphertexts still decrypt', () => {
  const home = newHome();

  test('CreateKeyVersion twice: each ciphertext names the version that made it and decrypts; ReEncrypt moves an old one to the primary', () => {
    const key = createKey(home);
    const blobs = [ok(kmsIn(home, 'Encrypt', '--KeyId', key.id, '--Plaintext', 'v1 text', '--EncryptionContext', '{"n":"1"}'))];
    const dataKey = ok(kmsIn(home, 'GenerateDataKey', '--KeyId', key.id));
    const versions = [key.version];
    for (const n of [2, 3]) {
      versions.push(ok(kmsIn(home, 'CreateKeyVersion', '--KeyId', key.id)).KeyVersion.KeyVersionId);
      blobs.push(ok(kmsIn(home, 'Encrypt', '--KeyId', key.id, '--Plaintext', `v${n} text`, '--EncryptionContext', `{"n":"${n}"}`)));
    }
    expect(new Set(versions).size).toBe(3);
    expect(blobs.map((b) => b.KeyVersionId)).toEqual(versions);
    blobs.forEach((b, i) => {
      const dec = ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', b.CiphertextBlob, '--EncryptionContext', `{"n":"${i + 1}"}`));
      expect(dec).toMatchObject({ KeyId: key.id, KeyVersionId: versions[i], Plaintext: `v${i + 1} text` });
    });
    expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', dataKey.CiphertextBlob))).toMatchObject({ KeyVersionId: versions[0], Plaintext: dataKey.Plaintext });
    const moved = ok(kmsIn(home, 'ReEncrypt', '--CiphertextBlob', blobs[0]!.CiphertextBlob, '--SourceEncryptionContext', '{"n":"1"}', '--DestinationKeyId', key.id));
    expect(moved.KeyVersionId).toBe(versions[2]);
    expect(ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', moved.CiphertextBlob))).toMatchObject({ KeyVersionId: versions[2], Plaintext: 'v1 text' });
  });

  test('automatic rotation (rotate-due) makes a new primary; ciphertexts of the first version still decrypt', () => {
    const key = createKey(home, '--EnableAutomaticRotation', 'true', '--RotationInterval', '7d');
    const old = ok(kmsIn(home, 'Encrypt', '--KeyId', key.id, '--Plaintext', 'before rotation'));
    const later = { KMS_LOCAL_NOW: new Date(Date.now() + 8 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z') };
    const due = runCli(['rotate-due'], { home, env: later });
    expect(due.code).toBe(0);
    const after = ok(runCli(['kms', 'Encrypt', '--KeyId', key.id, '--Plaintext', 'after rotation'], { home, env: later }));
    expect(after.KeyVersionId).not.toBe(old.KeyVersionId);
    expect(ok(runCli(['kms', 'Decrypt', '--CiphertextBlob', old.CiphertextBlob], { home, env: later }))).toMatchObject({ KeyVersionId: key.version, Plaintext: 'before rotation' });
  });
});

describe('the audit trail records every use of a key, never a value', () => {
  const home = newHome();

  test('one line per call with the key id and the outcome; no plaintext, data key, blob, digest or signature', () => {
    const aes = createKey(home);
    const ec = createKey(home, '--KeySpec', 'EC_P256');
    const secretText = `audit-plaintext-${randomBytes(6).toString('hex')}`;
    const enc = ok(kmsIn(home, 'Encrypt', '--KeyId', aes.arn, '--Plaintext', secretText));
    ok(kmsIn(home, 'Decrypt', '--CiphertextBlob', enc.CiphertextBlob));
    const dk = ok(kmsIn(home, 'GenerateDataKey', '--KeyId', aes.id));
    const digest = sha256b64('audited');
    const sig = ok(kmsIn(home, 'AsymmetricSign', '--KeyId', ec.id, '--KeyVersionId', ec.version, '--Algorithm', 'ECDSA_SHA_256', '--Digest', digest)).Value;
    fails(kmsIn(home, 'Decrypt', '--CiphertextBlob', enc.CiphertextBlob, '--EncryptionContext', '{"a":"b"}'), 'InvalidParameter');
    fails(kmsIn(home, 'Encrypt', '--KeyId', 'alias/missing', '--Plaintext', secretText), 'Forbidden.AliasNotFound');
    const log = readFileSync(join(home, 'audit.log'), 'utf8');
    const records = log.trim().split('\n').map((line) => JSON.parse(line)).filter((r) => !['CreateKey'].includes(r.operation));
    expect(records.map((r) => [r.operation, r.keyId, r.outcome, r.errorCode])).toEqual([
      ['Encrypt', aes.id, 'success', null],
      ['Decrypt', aes.id, 'success', null],
      ['GenerateDataKey', aes.id, 'success', null],
      ['AsymmetricSign', ec.id, 'success', null],
      ['Decrypt', undefined, 'error', 'InvalidParameter'],
      ['Encrypt', 'alias/missing', 'error', 'Forbidden.AliasNotFound'],
    ]);
    for (const value of [secretText, dk.Plaintext, Buffer.from(dk.Plaintext, 'base64').toString('hex'), enc.CiphertextBlob, dk.CiphertextBlob, digest, sig]) {
      expect({ value, inLog: log.includes(value) }).toEqual({ value, inLog: false });
    }
  });
});
