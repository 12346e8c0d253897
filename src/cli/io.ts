/** What the CLI touches of the process, passed in so the entry point is the only global user. */
import type { Env } from '../store/home.js';

export interface CliIo {
  env: Env;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Buffer;
  stderrIsTty: boolean;
  stdinIsTty?: boolean;
  /** The node binary running kms-local (process.execPath), for the `aliyun` shim. */
  execPath?: string;
  /** Asks a question at the terminal and resolves to the line typed (interactive `configure`). */
  ask?: (question: string) => Promise<string>;
}
