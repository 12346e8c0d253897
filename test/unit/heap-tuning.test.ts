/**
 * serve's garbage-collector settings (src/server/heap-tuning.ts) are V8 flags set while the process
 * runs (the young generation's growth is turned on and off as it reaches its size). That only helps
 * if V8 reads them after start-up: checked here in fresh node processes, so a
 * node upgrade that stops honouring them fails a test instead of quietly bringing back 250 MB servers
 * (or young collections spread over helper threads).
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cli.js';
import { YOUNG_SEMI_SPACE_MB } from '../../src/server/heap-tuning.js';

/** Allocates short-lived objects in a fresh process and reports the young generation's largest size (MB). */
function youngGenerationPeakMb(tuned: boolean): number {
  const script = `
    import { steerYoungGeneration, tuneHeapForServing, youngSemiSpaceMb } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'server', 'heap-tuning.js'))};
    if (${tuned}) tuneHeapForServing();
    const young = youngSemiSpaceMb;
    let peak = young();
    const inFlight = new Array(5000);
    for (let i = 0; i < 2000000; i++) {
      inFlight[i % inFlight.length] = { i, text: 'request ' + i };
      if (i % 1000 === 0) {
        peak = Math.max(peak, young());
        // What serve's timer does between requests (this loop never lets a timer run).
        if (${tuned}) steerYoungGeneration();
      }
    }
    process.stdout.write(String(peak));`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }));
}

describe('serve heap tuning', () => {
  test('set at run time, the young generation grows to YOUNG_SEMI_SPACE_MB under request-like garbage and no further', () => {
    // Without the flags V8 grows it to 16 MB semi-spaces: the comparison shows the test can fail.
    expect(youngGenerationPeakMb(false)).toBeGreaterThan(8);
    expect(youngGenerationPeakMb(true)).toBe(YOUNG_SEMI_SPACE_MB);
  });

  test('set at run time, young collections run on the main thread alone (no background scavenging)', () => {
    /** The background threads' scavenging times (ms) V8 reports for each young collection. */
    const backgroundScavengeMs = (tuned: boolean): number[] => {
      const script = `
        import { setFlagsFromString } from 'node:v8';
        import { tuneHeapForServing } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'server', 'heap-tuning.js'))};
        if (${tuned}) tuneHeapForServing();
        setFlagsFromString('--trace-gc-nvp');
        const inFlight = new Array(20000);
        for (let i = 0; i < 3000000; i++) inFlight[i % inFlight.length] = { i, text: 'request ' + i };
        process.exit(0);`;
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      const trace = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      return [...trace.matchAll(/background\.scavenge\.parallel=([0-9.]+)/g)].map((m) => Number(m[1]));
    };
    // Without the flag V8 scavenges on helper threads: the comparison shows the test can fail.
    expect(backgroundScavengeMs(false).some((ms) => ms > 0)).toBe(true);
    const tuned = backgroundScavengeMs(true);
    expect(tuned.length).toBeGreaterThan(0);
    expect(tuned.every((ms) => ms === 0)).toBe(true);
  });
});
