/** The process boundary: the only place that reads process globals and sets the exit code. */
import { readFileSync } from 'node:fs';
import { main } from './main.js';

// No top-level await: the bundle is CommonJS, which node loads faster than an ES module.
void main(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readFileSync(0),
  stderrIsTty: Boolean(process.stderr.isTTY),
  stdinIsTty: Boolean(process.stdin.isTTY),
  ask: async (question) => {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
}).then((code) => {
  process.exitCode = code;
});
