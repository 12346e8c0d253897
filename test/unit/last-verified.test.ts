/**
 * A write reads its secret twice (src/store/secret-file.ts LastVerified): the second read of the
 * very same text, under the same keyring, skips the checks the first passed; anything else is
 * checked in full.
 */
import { describe, expect, test } from '@jest/globals';
import { ACS_CURRENT, type SecretRecord } from '../../src/core/model.js';
import { Keyring } from '../../src/crypto/envelope.js';
import { LastVerified, decodeStampedSecretFile, encodeStampedSecretFile } from '../../src/store/secret-file.js';

const REGION = 'cn-hangzhou';
const NOW = '2026-03-01T08:00:00Z';

function recordOf(keys: Keyring, name: string): SecretRecord {
  const plaintext = Buffer.from(`value of ${name}`);
  return {
    name,
    type: 'Generic',
    description: '',
    createTime: NOW,
    updateTime: NOW,
    encryptionKeyId: keys.keyId,
    tags: [],
    versions: [{ versionId: 'v1', createTime: NOW, stages: [ACS_CURRENT], dataType: 'text', digest: keys.digest(name, 'text', plaintext), payload: keys.sealValue(name, 'v1', plaintext) }],
  };
}

/** A keyring whose MAC checks are counted. */
function countingKeyring(): { keys: Keyring; checks: () => number } {
  const keys = new Keyring(Buffer.alloc(32, 7));
  let checks = 0;
  const verify = keys.verifyFileMac.bind(keys);
  keys.verifyFileMac = (text: string, mac: string) => {
    checks++;
    return verify(text, mac);
  };
  return { keys, checks: () => checks };
}

describe('LastVerified', () => {
  test('the same text of the same secret under the same keyring is checked once', () => {
    const { keys, checks } = countingKeyring();
    const { text } = encodeStampedSecretFile(recordOf(keys, 'a'), REGION, keys, 1);
    const last = new LastVerified();
    const first = decodeStampedSecretFile(text, 'a', REGION, () => keys, keys.keyId, last);
    const second = decodeStampedSecretFile(text, 'a', REGION, () => keys, keys.keyId, last);
    expect(checks()).toBe(1);
    expect(second).toEqual(first);
    // Each read gets its own record: a change to one is not seen by the other.
    expect(second.secret).not.toBe(first.secret);
  });

  test('a changed text after a good read is checked, and refused', () => {
    const { keys } = countingKeyring();
    const { text } = encodeStampedSecretFile(recordOf(keys, 'a'), REGION, keys, 1);
    const last = new LastVerified();
    decodeStampedSecretFile(text, 'a', REGION, () => keys, keys.keyId, last);
    const tampered = text.replace('"description": ""', '"description": "x"');
    expect(tampered).not.toBe(text);
    expect(() => decodeStampedSecretFile(tampered, 'a', REGION, () => keys, keys.keyId, last)).toThrow(/modified outside kms-local/);
  });

  test('the same text read as another secret is checked, and refused', () => {
    const { keys } = countingKeyring();
    const { text } = encodeStampedSecretFile(recordOf(keys, 'a'), REGION, keys, 1);
    const last = new LastVerified();
    decodeStampedSecretFile(text, 'a', REGION, () => keys, keys.keyId, last);
    expect(() => decodeStampedSecretFile(text, 'b', REGION, () => keys, keys.keyId, last)).toThrow(/holds another secret/);
  });

  test('the same text once its key is no longer the one for it (a rekey) is checked again', () => {
    const { keys, checks } = countingKeyring();
    const { text } = encodeStampedSecretFile(recordOf(keys, 'a'), REGION, keys, 1);
    const last = new LastVerified();
    decodeStampedSecretFile(text, 'a', REGION, () => keys, keys.keyId, last);
    const other = new Keyring(Buffer.alloc(32, 8));
    expect(() => decodeStampedSecretFile(text, 'a', REGION, () => undefined, other.keyId, last)).toThrow(/written under master key/);
    expect(checks()).toBe(1);
  });

  test('without one, every read is checked', () => {
    const { keys, checks } = countingKeyring();
    const { text } = encodeStampedSecretFile(recordOf(keys, 'a'), REGION, keys, 1);
    decodeStampedSecretFile(text, 'a', REGION, () => keys, keys.keyId);
    decodeStampedSecretFile(text, 'a', REGION, () => keys, keys.keyId);
    expect(checks()).toBe(2);
  });
});
