// Compiles the JSON schemas of the store into standalone validator modules at build time, so the
// CLI never loads or compiles ajv at run time (ajv costs ~33 ms to import and ~25 ms per schema).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemas = [
  { schema: 'src/store/secret-file.schema.json', out: 'src/store/generated/validate-secret-file.ts' },
];

for (const { schema, out } of schemas) {
  const ajv = new Ajv({ code: { source: true, esm: true }, allErrors: false, unicodeRegExp: false, unicode: false, logger: false });
  const validate = ajv.compile(JSON.parse(readFileSync(join(root, schema), 'utf8')));
  const code = standaloneCode(ajv, validate);
  // The generated module must stand alone: a runtime require() would drag ajv back in.
  if (code.includes('require(')) throw new Error(`${schema}: the generated validator needs ajv at run time`);
  const target = join(root, out);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `// @ts-nocheck\n// Generated from ${schema} by scripts/build-validators.mjs. Do not edit.\n${code}\n`);
}
