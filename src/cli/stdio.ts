/**
 * Writing to stdout and stderr without process.stdout / process.stderr, and asking whether a
 * descriptor is a terminal without process.stdin or an eager node:tty. Touching those getters builds
 * a stream (for a pipe a net.Socket, for a file a SyncWriteStream, for stdin a ReadStream that pulls
 * in fs/promises and readline), and node:tty loads node:net: milliseconds of every start, for
 * output that is one synchronous write.
 */
import { fstatSync, readSync, writeSync } from 'node:fs';
import { builtinModule } from '../builtin-module.js';

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
  const { isatty } = builtinModule<typeof import('node:tty')>('node:tty');
  return isatty(fd);
}

/**
 * Reads `fd` to its end (Ctrl-D on a terminal) with blocking reads. A terminal or pipe that another
 * process left non-blocking answers EAGAIN while nothing has been typed: that means "not yet", so
 * wait a moment and read again, as a blocking read would (readFileSync gives up with the error).
 * More than `maxBytes` is refused instead of read until memory runs out.
 */
export function readAllSync(fd: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 10);
      continue;
    }
    if (n === 0) return Buffer.concat(chunks, total);
    total += n;
    if (total > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    chunks.push(chunk.subarray(0, n));
  }
}
