/**
 * A public key a caller hands in (PublicKeyBlob of ExportDataKey / GenerateAndExportDataKey): the
 * base64 of a DER SubjectPublicKeyInfo, as the service takes it, or the PEM text of one.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

/** The key, or undefined when the text is neither form of an SPKI public key. */
export function parsePublicKeyBlob(text: string): KeyObject | undefined {
  try {
    if (text.includes('-----BEGIN')) return createPublicKey({ key: text, format: 'pem' });
    if (!/^[A-Za-z0-9+/\s]+={0,2}\s*$/.test(text)) return undefined;
    return createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** The KeySpec name of an RSA public key (RSA_2048, RSA_3072, ...), or undefined for other keys. */
export function rsaSpecOf(key: KeyObject): string | undefined {
  const bits = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength : undefined;
  return bits === undefined ? undefined : `RSA_${bits}`;
}
