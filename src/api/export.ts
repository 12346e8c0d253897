/**
 * The wrapping of a data key under a caller's public key (ExportDataKey, GenerateAndExportDataKey):
 * PublicKeyBlob must be an RSA key of the WrappingKeySpec, and the data key must fit RSAES-OAEP.
 */
import { invalidParameter } from '../errors/errors.js';
import { oaepMaxPlaintext, wrappingAlgorithm, type EncryptAlgorithm } from '../core/crypto-rules.js';
import { oaepEncrypt } from '../crypto/asymmetric.js';
import { parsePublicKeyBlob, rsaSpecOf } from '../crypto/public-key.js';
import type { KeyObject } from 'node:crypto';
import type { ParamValues } from './params.js';

export interface Wrapping {
  publicKey: KeyObject;
  algorithm: EncryptAlgorithm;
  /** The most bytes a data key may have to be wrapped. */
  maxBytes: number;
}

export function wrappingOf(p: ParamValues): Wrapping {
  const keySpec = p.WrappingKeySpec as string;
  const algorithm = wrappingAlgorithm(keySpec, p.WrappingAlgorithm as string);
  const publicKey = parsePublicKeyBlob(p.PublicKeyBlob as string);
  if (!publicKey) throw invalidParameter('PublicKeyBlob must be the base64 of a DER public key (SubjectPublicKeyInfo), such as the body of a PEM PUBLIC KEY.');
  const spec = rsaSpecOf(publicKey);
  if (spec !== keySpec) throw invalidParameter(`PublicKeyBlob is ${spec ?? `a ${publicKey.asymmetricKeyType} key`}, not ${keySpec} (WrappingKeySpec).`);
  return { publicKey, algorithm, maxBytes: oaepMaxPlaintext(Math.ceil(Number(spec.slice(4)) / 8), algorithm) };
}

export function checkWrappable(wrapping: Wrapping, length: number): void {
  if (length > wrapping.maxBytes) {
    throw invalidParameter(`A data key of ${length} bytes does not fit ${wrapping.algorithm} under the public key; at most ${wrapping.maxBytes} bytes.`);
  }
}

/** ExportedDataKey: the base64 of the RSAES-OAEP encryption of the key bytes. */
export function exportDataKey(wrapping: Wrapping, dataKey: Buffer): string {
  checkWrappable(wrapping, dataKey.length);
  return oaepEncrypt(wrapping.publicKey, wrapping.algorithm, dataKey).toString('base64');
}
