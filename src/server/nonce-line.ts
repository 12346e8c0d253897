/**
 * The lines of a nonce log (nonce-log.ts), read and written as bytes: `<hash> <writer>\n`, where
 * the hash is the first 22 base64url characters (132 bits) of a SHA-256 digest and the writer is
 * `<1-16 hex digits>.<12 hex digits>`. Every request of `serve` writes one line and reads the lines
 * appended since its last read; doing that without strings, regular expressions or Buffers made
 * for each line keeps it to the two system calls.
 */

export const HASH_CHARS = 22;
/** Bytes of a hash in memory (NonceSet): 22 characters hold 16 whole bytes and 4 bits more. */
export const HASH_BYTES = 16;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const CHAR_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
/** Byte -> its 6-bit value, or -1 for a byte that is no base64url character. */
const VALUES = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

const SPACE = 0x20;
const DOT = 0x2e;

/** Writes the digest's first HASH_CHARS base64url characters (what `toString('base64url').slice(0, 22)` gives) at `at`. */
export function writeHashChars(digest: Uint8Array, out: Uint8Array, at = 0): void {
  // Five groups of three bytes make 20 characters; byte 15 and the top half of byte 16 the last two.
  for (let g = 0; g < 5; g++) {
    const b0 = digest[g * 3]!;
    const b1 = digest[g * 3 + 1]!;
    const b2 = digest[g * 3 + 2]!;
    out[at + g * 4] = CHAR_CODES[b0 >> 2]!;
    out[at + g * 4 + 1] = CHAR_CODES[((b0 & 3) << 4) | (b1 >> 4)]!;
    out[at + g * 4 + 2] = CHAR_CODES[((b1 & 15) << 2) | (b2 >> 6)]!;
    out[at + g * 4 + 3] = CHAR_CODES[b2 & 63]!;
  }
  out[at + 20] = CHAR_CODES[digest[15]! >> 2]!;
  out[at + 21] = CHAR_CODES[((digest[15]! & 3) << 4) | (digest[16]! >> 4)]!;
}

/**
 * Decodes HASH_CHARS characters at `from` into HASH_BYTES bytes of `out` (the digest's first 128
 * bits; the last 4 bits are dropped). False when one of them is not a base64url character.
 */
export function readHash(bytes: Uint8Array, from: number, out: Uint8Array): boolean {
  let bits = 0;
  let count = 0;
  let o = 0;
  for (let i = from; i < from + HASH_CHARS; i++) {
    const v = VALUES[bytes[i]!]!;
    if (v < 0) return false;
    bits = ((bits << 6) | v) & 0xffffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      if (o < HASH_BYTES) out[o++] = (bits >> count) & 0xff;
    }
  }
  return true;
}

const isHex = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);

/** Whether bytes [from, to) are a writer id: 1-16 lowercase hex digits, a dot, 12 lowercase hex digits. */
export function isWriterId(bytes: Uint8Array, from: number, to: number): boolean {
  const dot = to - 13;
  if (dot - from < 1 || dot - from > 16 || bytes[dot] !== DOT) return false;
  for (let i = from; i < to; i++) if (i !== dot && !isHex(bytes[i]!)) return false;
  return true;
}

/** Whether bytes [from, to) hold the same bytes as `id`. */
export function sameBytes(bytes: Uint8Array, from: number, to: number, id: Uint8Array): boolean {
  if (to - from !== id.length) return false;
  for (let i = 0; i < id.length; i++) if (bytes[from + i] !== id[i]) return false;
  return true;
}

/**
 * A line [start, end) (without its newline) as a hash and a writer: the writer's position, or -1
 * when the line is not `<22 base64url characters> <writer id>`. The hash goes to `hashOut`.
 */
export function parseLine(bytes: Uint8Array, start: number, end: number, hashOut: Uint8Array): number {
  if (end - start < HASH_CHARS + 1 + 14 || bytes[start + HASH_CHARS] !== SPACE) return -1;
  if (!isWriterId(bytes, start + HASH_CHARS + 1, end)) return -1;
  return readHash(bytes, start, hashOut) ? start + HASH_CHARS + 1 : -1;
}
