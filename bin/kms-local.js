#!/usr/bin/env node
// CommonJS (bin/package.json), so that node starts the bundled CLI without its ES module loader;
// load-bundle.js compiles it through a V8 code cache.
void require('./load-bundle.js').loadBundle().run(process.argv.slice(2));
