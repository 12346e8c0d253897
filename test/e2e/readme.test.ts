/**
 * The README's examples run as written: every ```console block is taken apart into its `$ `
 * commands and the output printed under each, the commands are run in order by bash (with
 * `kms-local` on PATH) in one fresh home, and what each prints (stdout and stderr as a terminal
 * shows them) must be what the README shows, RequestIds aside. The clock is set to the time the
 * README's outputs show, so dates are compared exactly; the home's path reads `~/.kms-local`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO_ROOT, cliEnvironment } from '../support/cli.js';

interface Step {
  command: string;
  expected: string;
}

/** The ```console blocks of a Markdown text, each as its commands and their expected output. */
export function consoleBlocks(markdown: string): Step[][] {
  const blocks: Step[][] = [];
  const pattern = /^```console\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(pattern)) {
    const steps: Step[] = [];
    for (const line of match[1]!.split('\n').slice(0, -1)) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: '' });
      else if (steps.length === 0) throw new Error(`a console block starts with output: ${line}`);
      else steps[steps.length - 1]!.expected += `${line}\n`;
    }
    blocks.push(steps);
  }
  return blocks;
}

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
/** The time of the README's sample outputs. */
const README_NOW = '2026-11-22T12:00:00Z';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;

let work: string;
let home: string;
let pathDir: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kms-local-readme-'));
  home = join(work, 'home');
  pathDir = join(work, 'bin');
  mkdirSync(pathDir);
  const wrapper = join(pathDir, 'kms-local');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(wrapper, 0o755);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function normalise(text: string): string {
  return text.replace(UUID, '<RequestId>').split(home).join('~/.kms-local');
}

function run(command: string): string {
  const env = cliEnvironment({ home, env: { KMS_LOCAL_NOW: README_NOW, PATH: `${pathDir}:${process.env.PATH}` } });
  // One stream, as a terminal shows it: stderr and stdout in the order they were written.
  const child = spawnSync('bash', ['-c', `exec 2>&1\n${command}`], { cwd: work, env, encoding: 'utf8', timeout: 30_000 });
  if (child.error) throw child.error;
  return child.stdout;
}

describe('the README console examples run as written', () => {
  const blocks = consoleBlocks(README);

  test('the README has console examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  // In order, in one home: each block continues where the one before it left off.
  blocks.forEach((steps, index) => {
    test(`console block ${index + 1}: ${steps[0]?.command}`, () => {
      for (const step of steps) {
        const printed = normalise(run(step.command));
        expect({ command: step.command, output: printed }).toEqual({ command: step.command, output: normalise(step.expected) });
      }
    });
  });
});
