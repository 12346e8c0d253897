/** A progress bar for long built-in commands, drawn on stderr only when it is a terminal. */

export type ProgressReporter = (done: number, total: number) => void;

export function progressBar(label: string, write: (text: string) => void, isTty: boolean): { report: ProgressReporter; finish: () => void } {
  if (!isTty) return { report: () => {}, finish: () => {} };
  const width = 30;
  let drawn = false;
  return {
    report(done, total) {
      const filled = total === 0 ? width : Math.round((done / total) * width);
      write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      drawn = true;
    },
    finish() {
      if (drawn) write('\n');
    },
  };
}
