/** src/output/progress.ts: a bar on a terminal, nothing at all otherwise (JSON summaries stay clean). */
import { describe, expect, test } from '@jest/globals';
import { progressBar } from '../../src/output/progress.js';

describe('progressBar', () => {
  test('on a terminal it redraws one line and ends it', () => {
    const out: string[] = [];
    const bar = progressBar('rekey', (t) => out.push(t), true);
    bar.report(1, 4);
    bar.report(4, 4);
    bar.finish();
    expect(out).toEqual([`\rrekey [${'#'.repeat(8)}${'.'.repeat(22)}] 1/4`, `\rrekey [${'#'.repeat(30)}] 4/4`, '\n']);
  });

  test('without a terminal it writes nothing', () => {
    const out: string[] = [];
    const bar = progressBar('rekey', (t) => out.push(t), false);
    bar.report(1, 2);
    bar.finish();
    expect(out).toEqual([]);
  });

  test('an empty run draws a full bar', () => {
    const out: string[] = [];
    const bar = progressBar('rotate-due', (t) => out.push(t), true);
    bar.report(0, 0);
    expect(out[0]).toContain(`[${'#'.repeat(30)}] 0/0`);
  });
});
