/**
 * The operation reference pages (docs/operations/<Operation>.md), rendered from the operation
 * table. `npm run docs` writes them (scripts/gen-docs.mjs); a test fails when they are stale.
 */
import { ServiceErrors } from '../errors/errors.js';
import { operations, type OperationSpec } from './operations.js';
import { flagNames, type ParamSpec } from './params.js';

export const DOCS_DIR = 'docs/operations';
const GENERATED = '<!-- Generated from src/api/operations.ts by `npm run docs`. Do not edit by hand. -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Required first, then by name (code units, so the pages are the same under every locale). */
function ordered(params: readonly ParamSpec[]): ParamSpec[] {
  return [...params].sort((a, b) => Number(!!b.required) - Number(!!a.required) || byCodeUnits(a.name, b.name));
}

function usage(op: OperationSpec): string {
  const required = ordered(op.params).filter((p) => p.required && !p.fromRegion);
  const words = ['kms-local kms', op.name, ...required.map((p) => `--${flagNames(p, '1')[0]} <${p.name}>`)];
  if (op.params.some((p) => !p.required || p.fromRegion)) words.push('[--Param value]...');
  return words.join(' ');
}

export function renderOperationDoc(op: OperationSpec): string {
  const lines = [GENERATED, '', `# ${op.name}`, '', op.summary, '', '```', usage(op), '```', ''];
  lines.push(`Changes the store: ${op.mutates ? 'yes (under the secret\'s lock)' : op.audited ? 'no (each call is audited: the key used and the outcome, never a value)' : 'no'}.`, '');
  lines.push('## Parameters', '');
  if (op.params.length === 0) lines.push('None.', '');
  else {
    lines.push('| Parameter | Type | Required | Description |', '| --- | --- | --- | --- |');
    for (const p of ordered(op.params)) {
      for (const flag of flagNames(p)) {
        lines.push(`| \`--${flag}\` | ${p.type} | ${p.required ? 'Required' : 'Optional'} | ${cell(p.help)} |`);
      }
    }
    lines.push('');
  }
  if (op.response) {
    lines.push('## Response', '', '| Field | Description |', '| --- | --- |');
    const fields: [string, string][] = [...Object.entries(op.response), ['RequestId', 'The id of the request, a UUID.']];
    fields.sort(([a], [b]) => byCodeUnits(a, b));
    for (const [field, help] of fields) lines.push(`| \`${field}\` | ${cell(help)} |`);
    lines.push('');
  }
  if (op.notes && op.notes.length > 0) {
    lines.push('## Rules', '');
    for (const note of op.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  if (op.errors && op.errors.length > 0) {
    lines.push('## Errors', '', '| Code | HTTP | Message |', '| --- | --- | --- |');
    for (const code of op.errors) lines.push(`| \`${code}\` | ${ServiceErrors[code].status} | ${cell(ServiceErrors[code].message)} |`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function renderIndex(ops: readonly OperationSpec[]): string {
  const lines = [GENERATED, '', '# Operations', '', 'Every `kms-local kms <Operation>`, as in `aliyun kms`.', ''];
  lines.push('| Operation | Summary |', '| --- | --- |');
  for (const op of ops) lines.push(`| [${op.name}](${op.name}.md) | ${cell(op.summary)} |`);
  return `${lines.join('\n')}\n`;
}

/** Every page: file name (relative to docs/operations) -> content. */
export function operationDocs(ops: readonly OperationSpec[] = operations): Map<string, string> {
  const pages = new Map<string, string>([['README.md', renderIndex(ops)]]);
  for (const op of ops) pages.set(`${op.name}.md`, renderOperationDoc(op));
  return pages;
}
