#!/usr/bin/env node
// CommonJS (bin/package.json), so that node starts the bundled CLI without its ES module loader.
require('../dist/bundle/kms-local.cjs');
