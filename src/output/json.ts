/**
 * Renders a response as the aliyun CLI prints it (Go encoding/json after sortJSON): keys sorted at
 * every level, TAB indentation, no HTML escaping, and Go's escapes for the few characters where Go
 * and JSON.stringify differ.
 */

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

const GO_ESCAPES: Record<string, string> = { '\\b': '\\u0008', '\\f': '\\u000c', '\u2028': '\\u2028', '\u2029': '\\u2029' };

export function renderJson(value: unknown): string {
  const text = JSON.stringify(sortKeys(value), null, '\t') ?? 'null';
  // `\\\\` is matched first so an escaped backslash followed by `b` is left alone.
  return `${text.replace(/\\\\|\\b|\\f|\u2028|\u2029/g, (m) => GO_ESCAPES[m] ?? m)}\n`;
}
