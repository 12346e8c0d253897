/**
 * Writing to stdout and stderr without process.stdout / process.stderr, and asking whether a
 * descriptor is a terminal without process.stdin or an eager node:tty. Touching those getters builds
 * a stream (for a pipe a net.Socket, for a file a SyncWriteStream, for stdin a ReadStream that pulls
 * in fs/promises and readline), and node:tty loads node:net: milliseconds of every start, for
 * output that is one synchronous write.
 */
import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `text` to `fd`, however many calls it takes; a closed reader (EPIPE) ends it quietly. */
export function writeAllSync(fd: number, text: string): void {
  let data = Buffer.from(text, 'utf8');
  while (data.length > 0) {
    try {
      data = data.subarray(writeSync(fd, data));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A descriptor the parent left non-blocking: wait a moment for the reader, as a blocking write would.
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') return;
      else throw err;
    }
  }
}

/** Whether `fd` is a terminal. Only a character device can be one, and fstat is cheap. */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  const { isatty } = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return isatty(fd);
}
