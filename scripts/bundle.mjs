// Bundles the compiled CLI into one CommonJS file, because start-up time is a feature: node loads
// one CommonJS file markedly faster than a tree of ES modules (no asynchronous resolve and link of
// each module: measured ~46 ms for the split ES-module bundle against ~41 ms for this, with
// `node -e 0` at ~23 ms). Modules imported lazily (src/lazy.ts) stay uninitialised until used, so
// their node built-ins (node:http, node:child_process) and npm packages load only when needed.
// npm packages stay external and load from node_modules as usual.
// esbuild-wasm is used rather than esbuild: it is pure WebAssembly, no native binary to install.
import { build } from 'esbuild-wasm';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist', 'cli', 'entry.js')],
  outfile: join(outdir, 'kms-local.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // The sources are ES modules; the few uses of import.meta.url get the bundle's own URL.
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__bundleUrl' },
  // Whitespace and syntax only: names stay, so a stack (KMS_LOCAL_DEBUG=1) still reads; a smaller
  // bundle is less to read, decode and deserialise from the code cache at every start.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  logLevel: 'warning',
});

// bin/load-bundle.js decodes the bundle as latin1, which is only right for ASCII.
const bundled = readFileSync(join(outdir, 'kms-local.cjs'));
const wide = bundled.findIndex((byte) => byte > 0x7f);
if (wide !== -1) throw new Error(`bundle: a non-ASCII byte at offset ${wide} (load-bundle.js reads the bundle as latin1)`);
