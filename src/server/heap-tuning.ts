/**
 * The garbage collector's settings for `serve`, a process that lives long and makes a little
 * garbage on every request.
 *
 * With V8's defaults, a server answering thousands of requests a second over 10,000 secrets grew
 * to 250 MB of RSS while what it kept alive was under 30 MB: V8 lets the old generation grow to up
 * to four times what survived the last full collection when the program is busy, and grows the
 * young generation to 16 MB of semi-spaces. Two flags that V8 reads at every collection (not only
 * at start-up, so they can be set from here, with no flag on the node command line and no second
 * process or thread):
 *   - `--heap-growing-percent`: the next full collection comes when the old generation has grown
 *     by this much over what survived the last one (a pace, not a limit: the heap still grows to
 *     whatever the server keeps alive);
 *   - `--semi-space-growth-factor=1`: the young generation stays at its starting size (1 MB
 *     semi-spaces); request garbage dies young either way.
 * Measured in `npm run bench` (docs/benchmarks.md): the RSS after 200,000 requests over 10,000
 * secrets, and the CPU per request, which these settings did not measurably change.
 */
import { setFlagsFromString } from 'node:v8';

export const SERVE_V8_FLAGS = ['--heap-growing-percent=50', '--semi-space-growth-factor=1'] as const;

/** Applies SERVE_V8_FLAGS to this process; call once, before serving. */
export function tuneHeapForServing(): void {
  for (const flag of SERVE_V8_FLAGS) setFlagsFromString(flag);
}
