/**
 * The conformance corpus: every request of test/fixtures/sdk-wire/*.json, as the SDK family named
 * in it serialises and signs it, replayed against a real `kms-local serve`, with the answer the
 * fixture expects. Every operation of the table must have a fixture (see the README there).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { operations } from '../../src/api/operations.js';
import { makeHome, removeHome } from '../support/cli.js';
import { startServe, type Served } from '../support/serve.js';
import { fill, loadFixtures, pathValue, sendWire, type WireFixture } from '../support/sdk-wire.js';

const fixtures = loadFixtures();
let home: string;
let served: Served;

beforeAll(async () => {
  home = makeHome();
  served = await startServe(home);
});
afterAll(async () => {
  await served?.stop();
  removeHome(home);
});

describe('the corpus covers the operation table', () => {
  test('every operation kms-local implements has a fixture: add test/fixtures/sdk-wire/<Operation>.json for each one listed (format and sources: README.md there)', () => {
    expect(operations.map((op) => op.name).filter((name) => !fixtures.has(name))).toEqual([]);
  });

  test('every fixture names an operation of the table, and every request cites its source', () => {
    const names = new Set(operations.map((op) => op.name));
    for (const fixture of fixtures.values()) {
      expect(names.has(fixture.operation)).toBe(true);
      expect(fixture.requests.length).toBeGreaterThan(0);
      for (const r of fixture.requests) expect(r.source).toMatch(/^[\w.-]+\/[\w.-]+ \S/);
    }
  });
});

async function replay(fixture: WireFixture): Promise<void> {
  const saved = new Map<string, string>();
  for (const step of fixture.setup ?? []) {
    const { status, body } = await sendWire(served.endpoint, step.action, { signature: 'V1', method: 'POST', query: fill(step.params, saved) });
    if (status !== 200) throw new Error(`${fixture.operation} setup ${step.action} answered ${status}: ${JSON.stringify(body)}`);
    for (const [name, path] of Object.entries(step.save ?? {})) saved.set(name, String(pathValue(body, path)));
  }
  for (const request of fixture.requests) {
    const { query, body: form, expect: wanted } = fill(request, saved);
    const { status, body } = await sendWire(served.endpoint, fixture.operation, { signature: request.signature, method: request.method, query, ...(form ? { body: form } : {}) });
    const label = `${fixture.operation} as ${request.family} (${request.signature})`;
    expect({ label, status }).toEqual({ label, status: wanted.status });
    expect(body.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    if (wanted.body) expect({ label, body }).toMatchObject({ label, body: wanted.body });
    for (const field of wanted.fields ?? []) expect({ label, has: pathValue(body, field) !== undefined }).toEqual({ label, has: true });
  }
}

describe('each fixture replayed against serve', () => {
  test.each([...fixtures.keys()])('%s', async (name) => {
    await replay(fixtures.get(name)!);
  });
});
