/**
 * EncryptionContext: a JSON object of string keys and string values ("String to string map" in the
 * service's reference) that is bound to a ciphertext as authenticated data. Decrypt must be given
 * the same context, compared after canonicalisation: keys sorted, no whitespace, so that
 * {"b":"2","a":"1"} and {"a":"1","b":"2"} are the same context. Absent and {} are the same too.
 */
import { invalidParameter } from '../errors/errors.js';

export type EncryptionContext = Readonly<Record<string, string>>;

/** AAD of an AES-GCM call is at most 8192 bytes at the service; the context is held to that. */
export const ENCRYPTION_CONTEXT_MAX_BYTES = 8192;

/** The parser of the operation table's EncryptionContext-like parameters (JSON already parsed). */
export function parseEncryptionContext(value: unknown, name: string): EncryptionContext {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParameter(`${name} must be a JSON object of string keys and string values, such as {"purpose":"backup"}.`);
  }
  const context: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw invalidParameter(`${name}: the value of '${key}' must be a string.`);
    }
    context[key] = entry;
  }
  if (Buffer.byteLength(canonicalContext(context), 'utf8') > ENCRYPTION_CONTEXT_MAX_BYTES) {
    throw invalidParameter(`${name} must be at most ${ENCRYPTION_CONTEXT_MAX_BYTES} bytes.`);
  }
  return context;
}

/**
 * The canonical text of a context: JSON with keys sorted by code unit, no whitespace. The empty
 * context (absent or {}) is the empty string, so that it adds nothing to the authenticated data.
 */
export function canonicalContext(context: EncryptionContext | undefined): string {
  if (context === undefined) return '';
  const keys = Object.keys(context).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(context[k])}`).join(',')}}`;
}
