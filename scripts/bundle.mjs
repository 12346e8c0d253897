// Bundles the compiled CLI into a few files, because start-up time is a feature: resolving and
// loading ~30 small ES modules costs ~20 ms per invocation, a bundle a fraction of that. Code
// splitting keeps lazily imported handlers and commands in their own chunks, so an operation only
// loads what it runs. npm packages stay external and load from node_modules as usual.
// esbuild-wasm is used rather than esbuild: it is pure WebAssembly, no native binary to install.
import { build } from 'esbuild-wasm';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { 'kms-local': join(root, 'dist', 'cli', 'entry.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
