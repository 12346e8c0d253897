/**
 * The process boundary: the only place that reads process globals and sets the exit code. The
 * bundle's loader (bin/load-bundle.js) calls `run`; the build's code-cache training calls it for
 * several commands in one process.
 */
import { importPackage } from '../import-package.js';
import { main } from './main.js';
import type { CliIo } from './io.js';
import { isTerminal, readAllSync, writeAllSync } from './stdio.js';

/** More than any parameter takes (SecretData 30720 bytes, Policy 32768), as for a --X-FILE path. */
const STDIN_MAX_BYTES = 1024 * 1024;

function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => writeAllSync(1, text),
    stderr: (text) => writeAllSync(2, text),
    // Blocking reads to the end, also on a terminal left non-blocking (EAGAIN), 1 MiB at most.
    readStdin: () => readAllSync(0, STDIN_MAX_BYTES),
    execPath: process.execPath,
    // Getters: asking costs a tty module load, and most commands never ask.
    get stderrIsTty() {
      return isTerminal(2);
    },
    get stdinIsTty() {
      return isTerminal(0);
    },
    ask: async (question) => {
      const { createInterface } = await importPackage<typeof import('node:readline/promises')>('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** Runs one command line and leaves its exit code as the process's. */
export async function run(argv: readonly string[]): Promise<number> {
  const code = await main(argv, processIo());
  process.exitCode = code;
  return code;
}
