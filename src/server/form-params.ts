/**
 * `a=1&b=2` (a query string, a form body) into name/value pairs, exactly as WHATWG URLSearchParams
 * (node's) decodes them: pairs split at '&' (empty ones skipped), name and value at the first '=',
 * '+' is a space, percent escapes are decoded as UTF-8 (an invalid sequence becomes U+FFFD, a '%'
 * not followed by two hex digits stays as it is), and one leading '?' is dropped.
 *
 * Why not URLSearchParams itself: `serve` decodes every request's query with it, and building the
 * URLSearchParams object, its list of pairs and the iterator over them cost about three times what
 * this does. test/unit/form-params.test.ts holds the two to the same answers.
 */
import { unescape as decodePercent } from 'node:querystring';
import { toUSVString } from 'node:util';

const PLUS = 0x2b;
const PERCENT = 0x25;

const isHexDigit = (code: number): boolean => (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);

/** One name or value, from `text` [from, to). */
function decodePart(text: string, from: number, to: number): string {
  let hasPlus = false;
  let hasEscape = false;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code === PLUS) hasPlus = true;
    else if (code === PERCENT && i + 2 < to && isHexDigit(text.charCodeAt(i + 1)) && isHexDigit(text.charCodeAt(i + 2))) hasEscape = true;
  }
  let part = text.slice(from, to);
  if (hasPlus) part = part.replace(/\+/g, ' ');
  // Only with a real escape, as URLSearchParams: decoding goes through UTF-8 bytes.
  return hasEscape ? decodePercent(part) : part;
}

/** Calls `add(name, value)` for each pair of `text`, in order. */
export function forEachFormPair(text: string, add: (name: string, value: string) => void): void {
  // URLSearchParams takes a USVString: a lone surrogate is U+FFFD before anything else happens.
  text = toUSVString(text);
  let start = text.charCodeAt(0) === 0x3f ? 1 : 0; // '?'
  while (start < text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      let cut = text.indexOf('=', start);
      if (cut === -1 || cut > end) cut = end;
      add(decodePart(text, start, cut), cut < end ? decodePart(text, cut + 1, end) : '');
    }
    start = end + 1;
  }
}
