/**
 * serve's garbage-collector settings (src/server/heap-tuning.ts) are V8 flags set while the process
 * runs. That only helps if V8 reads them after start-up: checked here in fresh node processes, so a
 * node upgrade that stops honouring them fails a test instead of quietly bringing back 250 MB servers.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cli.js';

/** Allocates short-lived objects in a fresh process and reports the young generation's largest size (MB). */
function youngGenerationPeakMb(tuned: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { tuneHeapForServing } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'server', 'heap-tuning.js'))};
    if (${tuned}) tuneHeapForServing();
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    let peak = young();
    const inFlight = new Array(5000);
    for (let i = 0; i < 2000000; i++) {
      inFlight[i % inFlight.length] = { i, text: 'request ' + i };
      if (i % 1000 === 0) peak = Math.max(peak, young());
    }
    process.stdout.write(String(peak));`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }));
}

describe('serve heap tuning', () => {
  test('set at run time, the young generation stays at its starting size under request-like garbage', () => {
    // Without the flags V8 grows it to 16 MB semi-spaces: the comparison shows the test can fail.
    expect(youngGenerationPeakMb(false)).toBeGreaterThan(8);
    expect(youngGenerationPeakMb(true)).toBeLessThanOrEqual(2);
  });
});
