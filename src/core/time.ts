/** Time values as the service prints them: `YYYY-MM-DDTHH:MM:SSZ`, UTC. Pure. */

/**
 * Built from the UTC fields rather than `toISOString()`, which in this V8 also works out the local
 * time-zone offset it does not print: that reads /etc/localtime and sets up ICU's zone (about
 * 0.35 ms of a PutSecretValue). Years beyond 0-9999 keep toISOString's extended form.
 */
export function formatTime(ms: number): string {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
  return `${String(year).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}Z`;
}

export function parseTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export const DAY_MS = 86_400_000;
