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
 *   - `--semi-space-growth-factor`: how much the young generation grows when V8 decides it should;
 *   - `--no-parallel-scavenge`: a young collection runs on the main thread alone. What survives one
 *     is small (a request's garbage dies young), and handing it to helper threads cost more CPU in
 *     waking and joining them than it saved: serve's CPU per GetSecretValue 35.3 -> 34.1 us with the
 *     flag on the command line (median of 6 interleaved rounds), the same set from here.
 *
 * The young generation is held at YOUNG_SEMI_SPACE_MB. Its largest size is fixed when V8 starts
 * (16 MB semi-spaces), so it is steered instead: growth stays on (factor 2) while it is smaller and
 * is turned off (factor 1) once it is there. Almost all of a request's garbage dies young, so a
 * young collection costs about the same whatever the size: at the starting 1 MB serve made one
 * every ~30 GetSecretValue requests, GC pauses of about 5.5 us per request, against 2.6 us at 4 MB
 * (`--trace-gc-nvp`; 8 MB measured no better); growing freely to 16 MB put ~40 MB more in RSS.
 * Measured in `npm run bench` (docs/benchmarks.md): the CPU per request and the RSS after 200,000
 * requests over 10,000 secrets.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

export const YOUNG_SEMI_SPACE_MB = 4;
/** How often serve looks at the young generation's size (growth takes many collections: seconds of load). */
const STEER_EVERY_MS = 250;

/**
 * The young generation's semi-space size, MB: what it can hold before a collection. V8's
 * `space_size` of `new_space` counts both semi-spaces; used plus available is one (a few KB short).
 */
export function youngSemiSpaceMb(): number {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return young ? Math.round((young.space_used_size + young.space_available_size) / (1024 * 1024)) : 0;
}

let growthFactor: number | undefined;

/** Turns the young generation's growth on below YOUNG_SEMI_SPACE_MB, off at it. */
export function steerYoungGeneration(): void {
  const factor = youngSemiSpaceMb() < YOUNG_SEMI_SPACE_MB ? 2 : 1;
  if (factor === growthFactor) return;
  setFlagsFromString(`--semi-space-growth-factor=${factor}`);
  growthFactor = factor;
}

/** Applies the settings to this process and keeps steering the young generation; call once, before serving. */
export function tuneHeapForServing(): void {
  setFlagsFromString('--heap-growing-percent=50');
  setFlagsFromString('--no-parallel-scavenge');
  steerYoungGeneration();
  // unref: the timer never keeps a stopping server alive.
  setInterval(steerYoungGeneration, STEER_EVERY_MS).unref();
}
