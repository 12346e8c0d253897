/**
 * Fields of the server's request log, escaped so that no client can forge a line: an authenticated
 * client chooses the Action (and the texts of some error messages), and a newline in it would
 * otherwise start a line of its own. One line per request stays one line.
 */

/** Control characters (C0, DEL, C1), line and paragraph separators, and bidi overrides. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/** Free text (an error message): control characters become visible escapes. */
export function logText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(UNSAFE, escapeChar);
}

/**
 * One space-separated field (the action, an AccessKeyId): as is when it is plain printable ASCII
 * without spaces or quotes, else in double quotes with escapes, so it can never pass for two fields.
 */
export function logField(value: string): string {
  if (/^[\x21-\x7e]+$/.test(value) && !/["\\]/.test(value)) return value;
  return `"${logText(value).replace(/"/g, '\\"')}"`;
}
