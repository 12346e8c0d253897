/**
 * No file of the repository points at a file that is not in it: Markdown links, repository paths
 * written in code or text (`docs/...`, `src/...`, `test/...`, `scripts/...`), file names in
 * backticks in the docs, and the design notes the project started from outside the repository
 * (DESIGN.md, reference/...) must all resolve inside the checkout.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../support/cli.js';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'generated']);
const TEXT_FILE = /\.(md|ts|js|mjs|cjs|json|sh|txt|yml|yaml)$/;

function repoFiles(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : repoFiles(full);
    return TEXT_FILE.test(entry.name) && entry.name !== 'package-lock.json' ? [relative(REPO_ROOT, full)] : [];
  });
}

interface Reference {
  file: string;
  target: string;
}

/** `[text](target)` links of a Markdown file, resolved against the file's folder. */
function markdownLinks(file: string, text: string): Reference[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split('#')[0]!)
    .filter((target) => target !== '' && !/^[a-z]+:/i.test(target))
    .map((target) => ({ file, target: relative(REPO_ROOT, join(REPO_ROOT, dirname(file), target)) }));
}

/** Paths under the repository's top folders written anywhere (`docs/semantics.md`, `src/store/home.ts`). */
function repoPaths(file: string, text: string): Reference[] {
  return [...text.matchAll(/(?<![\w./-])((?:docs|src|test|scripts|bin)\/[\w./-]*\.(?:md|ts|js|mjs|json))\b/g)].map((m) => ({
    file,
    target: m[1]!,
  }));
}

/** `name.md` or `dir/name.md` in backticks in a Markdown file: relative to the file or the root. */
function backtickedDocs(file: string, text: string): Reference[] {
  return [...text.matchAll(/`([\w./-]+\.md)`/g)].map((m) => {
    const nearby = relative(REPO_ROOT, join(REPO_ROOT, dirname(file), m[1]!));
    return { file, target: existsSync(join(REPO_ROOT, nearby)) ? nearby : m[1]! };
  });
}

const files = repoFiles();

describe('every file the repository refers to is in the repository', () => {
  test('the scan sees the docs and the sources', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/design.md', 'src/cli/main.ts']));
  });

  test('Markdown links, repository paths and backticked doc names resolve', () => {
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      const refs = [...repoPaths(file, text), ...(file.endsWith('.md') ? [...markdownLinks(file, text), ...backtickedDocs(file, text)] : [])];
      for (const ref of refs) {
        // A generated page is named by its pattern (docs/operations/<Operation>.md): the folder must exist.
        const target = ref.target.replace(/\/[^/]*<[^/]*$/, '');
        if (!existsSync(join(REPO_ROOT, target))) missing.push(`${ref.file} -> ${ref.target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('nothing points at the design notes outside the repository (DESIGN.md, reference/ beside it, /work/)', () => {
    const outside = files.flatMap((file) => {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      return [...text.matchAll(/\bDESIGN(?:\.md| §)|(?<![\w/.-])\.\.\/reference\/|\/work\/(?:shared|main|wt)\b|\bseeds\/\d/g)].map((m) => `${file}: ${m[0]}`);
    });
    // This test's own source names the patterns it looks for.
    expect(outside.filter((hit) => !hit.startsWith('test/unit/repo-links.test.ts'))).toEqual([]);
  });
});
