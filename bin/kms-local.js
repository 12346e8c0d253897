#!/usr/bin/env node
// CommonJS (bin/package.json), so that node starts the bundled CLI without its ES module loader;
// load-bundle.js compiles it through a V8 code cache.
//
// The process ends as soon as the command has: its output is already written (stdout and stderr
// writes are synchronous, src/cli/stdio.ts) and every command awaits its own work, so letting node
// tear the heap down first only costs time (about 1 ms of a 29 ms GetSecretValue). 'exit'
// listeners, such as the code cache's save, still run.
void require('./load-bundle.js')
  .loadBundle()
  .run(process.argv.slice(2))
  .then((code) => process.exit(code));
