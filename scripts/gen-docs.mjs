#!/usr/bin/env node
/**
 * Writes docs/operations/<Operation>.md (and README.md, the index) from the operation table,
 * through the compiled src/api/docs.ts (run `npm run build` first; `npm run docs` does both).
 * `--check` writes nothing and exits 1 when a page is missing, stale or left over.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { DOCS_DIR, operationDocs } = await import(join(root, 'dist', 'api', 'docs.js'));
const dir = join(root, DOCS_DIR);
const check = process.argv.includes('--check');
const pages = operationDocs();

mkdirSync(dir, { recursive: true });
const stale = [];
for (const [file, text] of pages) {
  let current;
  try {
    current = readFileSync(join(dir, file), 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  stale.push(file);
  if (!check) writeFileSync(join(dir, file), text);
}
for (const file of readdirSync(dir)) {
  if (!file.endsWith('.md') || pages.has(file)) continue;
  stale.push(`${file} (no such operation)`);
  if (!check) rmSync(join(dir, file));
}
if (check && stale.length > 0) {
  console.error(`docs/operations is out of date (run npm run docs): ${stale.join(', ')}`);
  process.exit(1);
}
console.log(check ? 'docs/operations is up to date.' : `docs/operations: ${pages.size} pages, ${stale.length} written or removed.`);
