/** docs/operations/*.md must be what `npm run docs` renders from the operation table now. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCS_DIR, operationDocs } from '../../src/api/docs.js';
import { operations } from '../../src/api/operations.js';

const dir = join(fileURLToPath(new URL('../..', import.meta.url)), DOCS_DIR);
const pages = operationDocs();

describe('docs/operations is generated from the operation table', () => {
  test.each([...pages.keys()])('%s is up to date (run `npm run docs` after changing the table)', (file) => {
    let current: string | undefined;
    try {
      current = readFileSync(join(dir, file), 'utf8');
    } catch {
      current = undefined;
    }
    expect(current).toBe(pages.get(file));
  });

  test('no page is left over for an operation that is not in the table', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(files.filter((f) => !pages.has(f))).toEqual([]);
  });

  test('every operation has a page that names each of its parameters', () => {
    for (const op of operations) {
      const page = pages.get(`${op.name}.md`)!;
      for (const p of op.params) expect(page).toContain(`\`--${p.name}`);
    }
  });
});
