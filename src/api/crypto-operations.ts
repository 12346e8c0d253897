/**
 * The cryptography operations of the operation table (issue 12 item 2), one block spread into
 * `operations` (src/api/operations.ts), so that the table stays the one source of truth.
 * Parameters and response fields as the KMS 2016-01-20 model has them (aliyun-openapi-meta
 * metadatas/kms/*.json, alibabacloud-*-sdk kms-20160120 models); every one is read-only.
 */
import type { OperationSpec } from './operations.js';
import type { ParamSpec } from './params.js';
import { parseEncryptionContext } from '../core/encryption-context.js';
import { DATA_KEY_BYTES, ENCRYPT_ALGORITHMS, ENCRYPT_PLAINTEXT_MAX_BYTES, SIGN_ALGORITHMS, WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS } from '../core/crypto-rules.js';
import { handler as encrypt } from './handlers/encrypt.js';
import { handler as decrypt } from './handlers/decrypt.js';
import { handler as reEncrypt } from './handlers/re-encrypt.js';
import { handler as generateDataKey } from './handlers/generate-data-key.js';
import { handler as generateDataKeyWithoutPlaintext } from './handlers/generate-data-key-without-plaintext.js';
import { handler as exportDataKey } from './handlers/export-data-key.js';
import { handler as generateAndExportDataKey } from './handlers/generate-and-export-data-key.js';
import { handler as getPublicKey } from './handlers/get-public-key.js';
import { handler as asymmetricSign } from './handlers/asymmetric-sign.js';
import { handler as asymmetricVerify } from './handlers/asymmetric-verify.js';
import { handler as asymmetricEncrypt } from './handlers/asymmetric-encrypt.js';
import { handler as asymmetricDecrypt } from './handlers/asymmetric-decrypt.js';

const keyId = (name = 'KeyId', what = 'The key'): ParamSpec => ({
  name,
  type: 'String',
  required: true,
  help: `${what}: its id, its ARN (acs:kms:<region>:<account-id>:key/<id>), an alias (alias/<name>) or an alias ARN.`,
  rule: { kind: 'text', max: 512 },
});
const keyVersionId: ParamSpec = {
  name: 'KeyVersionId',
  type: 'String',
  required: true,
  help: 'The key version (ListKeyVersions, or PrimaryKeyVersion of DescribeKey).',
  rule: { kind: 'text', max: 128 },
};
const context = (name = 'EncryptionContext', help = 'JSON object of string keys and values, bound to the ciphertext as authenticated data; Decrypt must be given the same one (key order does not matter).'): ParamSpec => ({
  name,
  type: 'String',
  help,
  rule: { kind: 'json', parse: parseEncryptionContext },
});
const ciphertextBlob = (help: string): ParamSpec => ({ name: 'CiphertextBlob', type: 'String', required: true, help, rule: { kind: 'text', max: 16384 } });
const dryRun: ParamSpec = {
  name: 'DryRun',
  type: 'String',
  help: 'true to check the request (key, state, parameters) without doing it: it then fails with DryRunOperationError.',
  rule: { kind: 'bool' },
};
const dataKeySpec: ParamSpec = {
  name: 'KeySpec',
  type: 'String',
  help: 'AES_256 (32 bytes, the default) or AES_128 (16 bytes); ignored when NumberOfBytes is given.',
  rule: { kind: 'enum', values: ['AES_256', 'AES_128'] },
};
const numberOfBytes: ParamSpec = {
  name: 'NumberOfBytes',
  type: 'Integer',
  help: `The length of the data key in bytes, ${DATA_KEY_BYTES.min} to ${DATA_KEY_BYTES.max}; wins over KeySpec.`,
  rule: { kind: 'int', min: DATA_KEY_BYTES.min, max: DATA_KEY_BYTES.max },
};
const wrapping: ParamSpec[] = [
  { name: 'PublicKeyBlob', type: 'String', required: true, help: 'The public key to export the data key under: the base64 of its DER SubjectPublicKeyInfo (the body of a PEM PUBLIC KEY).', rule: { kind: 'text', max: 8192 } },
  { name: 'WrappingAlgorithm', type: 'String', required: true, help: 'RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1 (SM2PKE: UnsupportedOperation).', rule: { kind: 'enum', values: WRAPPING_ALGORITHMS } },
  { name: 'WrappingKeySpec', type: 'String', required: true, help: 'RSA_2048 (EC_SM2: UnsupportedOperation).', rule: { kind: 'enum', values: WRAPPING_KEY_SPECS } },
];
const signAlgorithm: ParamSpec = {
  name: 'Algorithm',
  type: 'String',
  required: true,
  help: 'RSA_PSS_SHA_256 or RSA_PKCS1_SHA_256 (RSA keys), ECDSA_SHA_256 (EC_P256 and EC_P256K keys).',
  rule: { kind: 'enum', values: SIGN_ALGORITHMS },
};
const encryptAlgorithm: ParamSpec = {
  name: 'Algorithm',
  type: 'String',
  required: true,
  help: 'RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1 (RSA keys of usage ENCRYPT/DECRYPT).',
  rule: { kind: 'enum', values: ENCRYPT_ALGORITHMS },
};
const digest: ParamSpec = {
  name: 'Digest',
  type: 'String',
  required: true,
  help: 'The base64 of the SHA-256 digest of the message (32 bytes), such as `openssl dgst -sha256 -binary msg | base64`.',
  rule: { kind: 'text', max: 128 },
};

/** Errors every operation that uses a key can answer with. */
const keyErrors = ['InvalidParameter', 'DryRunOperationError', 'Forbidden.KeyNotFound', 'Forbidden.AliasNotFound', 'Rejected.Disabled', 'Rejected.PendingDeletion', 'UnsupportedOperation'] as const;
const STATE_NOTE = 'Only an Enabled key of the right KeyUsage may be used: a Disabled key answers Rejected.Disabled (409), a key pending deletion Rejected.PendingDeletion (409), a key past its deletion date Forbidden.KeyNotFound; another KeyUsage or kind of key (symmetric / asymmetric) is UnsupportedOperation.';
const BLOB_NOTE = "The CiphertextBlob names the key and the key version that sealed it (AES-GCM with the key id, version id and the canonical EncryptionContext as authenticated data), so Decrypt needs no KeyId and ciphertexts of older versions still decrypt after rotation. A blob that is not kms-local's, was altered, or is given another EncryptionContext is InvalidParameter.";
const ASYMMETRIC_NOTE = 'KeyVersionId is required, as the service has it; a version the key does not have is Forbidden.KeyVersionNotFound.';

export const cryptoOperations: readonly OperationSpec[] = [
  // --- Cryptography: symmetric keys, data keys, asymmetric keys (one block). ---
  {
    name: 'Encrypt',
    summary: 'Encrypts up to 6 KB of text under the primary version of a symmetric key.',
    mutates: false,
    audited: true,
    params: [
      keyId(),
      { name: 'Plaintext', type: 'String', required: true, sensitive: true, help: `The text to encrypt, 1 to ${ENCRYPT_PLAINTEXT_MAX_BYTES} bytes (UTF-8); Decrypt returns exactly this text (base64 it first for binary data). Use --Plaintext-FILE path (or -) to keep it out of argv.`, rule: { kind: 'bytes', min: 1, max: ENCRYPT_PLAINTEXT_MAX_BYTES } },
      context(),
      dryRun,
    ],
    response: { CiphertextBlob: 'The ciphertext, base64.', KeyId: 'The id of the key (also when an alias or ARN was given).', KeyVersionId: 'The key version that encrypted (the primary one).' },
    errors: keyErrors,
    notes: [BLOB_NOTE, STATE_NOTE],
    load: async () => ({ handler: encrypt }),
  },
  {
    name: 'Decrypt',
    summary: 'Decrypts a CiphertextBlob of Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateAndExportDataKey or ReEncrypt.',
    mutates: false,
    audited: true,
    params: [ciphertextBlob('The ciphertext, base64; it names its key and key version.'), context('EncryptionContext', 'The EncryptionContext the ciphertext was made with (JSON object of strings), if any.'), dryRun],
    response: {
      KeyId: 'The key that decrypted.',
      KeyVersionId: 'The key version that decrypted (the one that encrypted, also after rotation).',
      Plaintext: "The plaintext: Encrypt's text, or a data key's base64.",
    },
    errors: keyErrors,
    notes: [BLOB_NOTE, STATE_NOTE],
    load: async () => ({ handler: decrypt }),
  },
  {
    name: 'ReEncrypt',
    summary: 'Decrypts a ciphertext and encrypts it again under another (or the same) symmetric key, without returning the plaintext.',
    mutates: false,
    audited: true,
    params: [
      ciphertextBlob('The ciphertext, base64: a symmetric CiphertextBlob, or (with SourceEncryptionAlgorithm) an RSAES-OAEP ciphertext of an asymmetric key.'),
      keyId('DestinationKeyId', 'The symmetric key to encrypt under'),
      context('DestinationEncryptionContext', 'The EncryptionContext of the new ciphertext (JSON object of strings).'),
      context('SourceEncryptionContext', 'The EncryptionContext the symmetric ciphertext was made with.'),
      { name: 'SourceEncryptionAlgorithm', type: 'String', help: 'RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1 when CiphertextBlob was encrypted with the public key of an asymmetric key; then SourceKeyId and SourceKeyVersionId are required.', rule: { kind: 'enum', values: ENCRYPT_ALGORITHMS } },
      { ...keyId('SourceKeyId', 'The asymmetric key of a public-key ciphertext'), required: false },
      { ...keyVersionId, name: 'SourceKeyVersionId', required: false, help: 'The version of SourceKeyId of a public-key ciphertext.' },
      dryRun,
    ],
    response: { CiphertextBlob: 'The new ciphertext, base64.', KeyId: 'The destination key.', KeyVersionId: 'The destination key version (its primary one).' },
    errors: [...keyErrors, 'MissingParameter', 'Forbidden.KeyVersionNotFound'],
    notes: [
      'A symmetric CiphertextBlob names its own key and version (SourceKeyId is not needed). The bytes of a public-key ciphertext are carried on as base64 text, like a data key, so Decrypt of the result returns their base64.',
      'KeyId and KeyVersionId of the response name the destination key, which the new CiphertextBlob belongs to.',
      STATE_NOTE,
    ],
    load: async () => ({ handler: reEncrypt }),
  },
  {
    name: 'GenerateDataKey',
    summary: 'Makes a random data key and returns it in plaintext (base64) and encrypted under a symmetric key (envelope encryption).',
    mutates: false,
    audited: true,
    params: [keyId(), dataKeySpec, numberOfBytes, context(), dryRun],
    response: {
      CiphertextBlob: 'The data key encrypted under the primary key version, base64; Decrypt gives Plaintext back.',
      KeyId: 'The id of the key.',
      KeyVersionId: 'The key version that encrypted the data key.',
      Plaintext: 'The data key, base64. Use it, then forget it; keep only CiphertextBlob.',
    },
    errors: keyErrors,
    notes: [BLOB_NOTE, STATE_NOTE],
    load: async () => ({ handler: generateDataKey }),
  },
  {
    name: 'GenerateDataKeyWithoutPlaintext',
    summary: 'Makes a random data key and returns it only encrypted under a symmetric key.',
    mutates: false,
    audited: true,
    params: [keyId(), dataKeySpec, numberOfBytes, context(), dryRun],
    response: { CiphertextBlob: 'The data key encrypted under the primary key version, base64.', KeyId: 'The id of the key.', KeyVersionId: 'The key version that encrypted the data key.' },
    errors: keyErrors,
    notes: [BLOB_NOTE, STATE_NOTE],
    load: async () => ({ handler: generateDataKeyWithoutPlaintext }),
  },
  {
    name: 'ExportDataKey',
    summary: 'Re-encrypts a data key (a CiphertextBlob of GenerateDataKey) under a public key you give, for use outside kms-local.',
    mutates: false,
    audited: true,
    params: [ciphertextBlob('The encrypted data key, base64.'), ...wrapping, context('EncryptionContext', 'The EncryptionContext the data key was encrypted with.'), dryRun],
    response: {
      ExportedDataKey: 'The data key encrypted with RSAES-OAEP under PublicKeyBlob, base64 (the private key opens it, e.g. `openssl pkeyutl -decrypt`).',
      KeyId: 'The key that decrypted the data key.',
      KeyVersionId: 'The key version that decrypted the data key.',
    },
    errors: keyErrors,
    notes: [
      'CiphertextBlob must hold a data key: a blob whose plaintext is not base64 key bytes (an Encrypt of arbitrary text) is InvalidParameter. A key longer than RSAES-OAEP takes (190 bytes with SHA-256, 214 with SHA-1 under RSA_2048) is InvalidParameter.',
      STATE_NOTE,
    ],
    load: async () => ({ handler: exportDataKey }),
  },
  {
    name: 'GenerateAndExportDataKey',
    summary: 'Makes a random data key and returns it encrypted under a symmetric key and under a public key you give.',
    mutates: false,
    audited: true,
    params: [keyId(), dataKeySpec, numberOfBytes, ...wrapping, context(), dryRun],
    response: {
      CiphertextBlob: 'The data key encrypted under the primary key version, base64.',
      ExportedDataKey: 'The data key encrypted with RSAES-OAEP under PublicKeyBlob, base64.',
      KeyId: 'The id of the key.',
      KeyVersionId: 'The key version that encrypted the data key.',
    },
    errors: keyErrors,
    notes: ['A data key longer than RSAES-OAEP takes under the public key is InvalidParameter.', STATE_NOTE],
    load: async () => ({ handler: generateAndExportDataKey }),
  },
  {
    name: 'GetPublicKey',
    summary: 'Returns the public key of a version of an asymmetric key, as PEM.',
    mutates: false,
    audited: true,
    params: [keyId(), keyVersionId, dryRun],
    response: { KeyId: 'The id of the key.', KeyVersionId: 'The key version.', PublicKey: 'The public key, PEM (-----BEGIN PUBLIC KEY-----, SubjectPublicKeyInfo), as openssl reads it.' },
    errors: [...keyErrors, 'Forbidden.KeyVersionNotFound'],
    notes: [ASYMMETRIC_NOTE, 'Either KeyUsage will do; a symmetric key has no public key (UnsupportedOperation).', STATE_NOTE],
    load: async () => ({ handler: getPublicKey }),
  },
  {
    name: 'AsymmetricSign',
    summary: 'Signs the SHA-256 digest of a message with a version of an asymmetric key of usage SIGN/VERIFY.',
    mutates: false,
    audited: true,
    params: [keyId(), keyVersionId, signAlgorithm, digest, dryRun],
    response: {
      KeyId: 'The id of the key.',
      KeyVersionId: 'The key version.',
      Value: 'The signature, base64: RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) or RSASSA-PKCS1-v1_5, or a DER-encoded ECDSA signature; it verifies with `openssl dgst -sha256 -verify` against the GetPublicKey PEM.',
    },
    errors: [...keyErrors, 'Forbidden.KeyVersionNotFound'],
    notes: [ASYMMETRIC_NOTE, 'An Algorithm the key spec does not take, or a Digest that is not the base64 of 32 bytes, is InvalidParameter.', STATE_NOTE],
    load: async () => ({ handler: asymmetricSign }),
  },
  {
    name: 'AsymmetricVerify',
    summary: 'Checks a signature of the SHA-256 digest of a message with a version of an asymmetric key.',
    mutates: false,
    audited: true,
    params: [keyId(), keyVersionId, signAlgorithm, digest, { name: 'Value', type: 'String', required: true, help: 'The signature to check, base64.', rule: { kind: 'text', max: 2048 } }, dryRun],
    response: { KeyId: 'The id of the key.', KeyVersionId: 'The key version.', Value: 'true when the signature is valid, false when it is not.' },
    errors: [...keyErrors, 'Forbidden.KeyVersionNotFound'],
    notes: [ASYMMETRIC_NOTE, 'A wrong signature is not an error: Value is false. PSS signatures of any salt length verify, as with openssl.', STATE_NOTE],
    load: async () => ({ handler: asymmetricVerify }),
  },
  {
    name: 'AsymmetricEncrypt',
    summary: 'Encrypts a few bytes with RSAES-OAEP under a version of an RSA key of usage ENCRYPT/DECRYPT.',
    mutates: false,
    audited: true,
    params: [
      keyId(),
      keyVersionId,
      encryptAlgorithm,
      { name: 'Plaintext', type: 'String', required: true, sensitive: true, help: 'The bytes to encrypt, base64: at most 190 (SHA-256) or 214 (SHA-1) bytes under RSA_2048, 318 or 342 under RSA_3072.', rule: { kind: 'text', max: 1024 } },
      dryRun,
    ],
    response: { CiphertextBlob: 'The RSAES-OAEP ciphertext, base64.', KeyId: 'The id of the key.', KeyVersionId: 'The key version.' },
    errors: [...keyErrors, 'Forbidden.KeyVersionNotFound'],
    notes: [ASYMMETRIC_NOTE, 'The same ciphertext can be made outside kms-local with the GetPublicKey PEM: `openssl pkeyutl -encrypt -pubin -inkey pub.pem -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256`.', STATE_NOTE],
    load: async () => ({ handler: asymmetricEncrypt }),
  },
  {
    name: 'AsymmetricDecrypt',
    summary: 'Decrypts an RSAES-OAEP ciphertext with a version of an RSA key of usage ENCRYPT/DECRYPT.',
    mutates: false,
    audited: true,
    params: [keyId(), keyVersionId, encryptAlgorithm, ciphertextBlob('The RSAES-OAEP ciphertext, base64 (from AsymmetricEncrypt, or openssl with the GetPublicKey PEM).'), dryRun],
    response: { KeyId: 'The id of the key.', KeyVersionId: 'The key version.', Plaintext: 'The decrypted bytes, base64.' },
    errors: [...keyErrors, 'Forbidden.KeyVersionNotFound'],
    notes: [ASYMMETRIC_NOTE, 'A ciphertext that does not decrypt with that key version and algorithm is InvalidParameter.', STATE_NOTE],
    load: async () => ({ handler: asymmetricDecrypt }),
  },
];
