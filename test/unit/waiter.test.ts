/** src/output/waiter.ts: `--waiter` as the aliyun CLI has it (openapi/waiter.go), with a fake clock. */
import { describe, expect, test } from '@jest/globals';
import { CliError } from '../../src/errors/errors.js';
import { parseWaiter, waitFor, type WaitClock } from '../../src/output/waiter.js';

function fakeClock(): WaitClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => { slept.push(ms); now += ms; } };
}

describe('parseWaiter', () => {
  test('expr and to are required; timeout 180 s and interval 5 s by default', () => {
    expect(parseWaiter(['expr=a.b', 'to=x'])).toEqual({ expr: 'a.b', to: 'x', timeoutMs: 180_000, intervalMs: 5_000 });
    expect(() => parseWaiter(['to=x'])).toThrow('bad flag format --waiter with field expr= required');
    expect(() => parseWaiter(['expr=a'])).toThrow('bad flag format --waiter with field to= required');
  });

  test.each([
    [['expr=a', 'to=x', 'timeout=soon'], '--waiter timeout=soon must be integer'],
    [['expr=a', 'to=x', 'interval=0'], '--waiter interval=0 must be a positive number of seconds'],
    [['expr=a', 'to=x', 'when=now'], "--waiter can't assign with when="],
  ])('%j is refused: %s', (words, message) => {
    expect(() => parseWaiter(words)).toThrow(message);
  });
});

describe('waitFor', () => {
  test('calls until the expression gives the wanted string, sleeping the interval between calls', async () => {
    const states = ['Creating', 'Creating', 'Ready'];
    let calls = 0;
    const clock = fakeClock();
    const response = await waitFor(async () => ({ Status: states[calls++] }), parseWaiter(['expr=Status', 'to=Ready', 'interval=2']), clock);
    expect(response).toEqual({ Status: 'Ready' });
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([2000, 2000]);
  });

  test('gives up after the timeout with the last value', async () => {
    const clock = fakeClock();
    const spec = parseWaiter(['expr=Status', 'to=Ready', 'timeout=10', 'interval=4']);
    await expect(waitFor(async () => ({ Status: 'Creating' }), spec, clock)).rejects.toThrow("wait 'Status' to 'Ready' timeout(10seconds), last='Creating'");
    expect(clock.slept).toEqual([4000, 4000, 4000]);
  });

  test('an expression that does not give a string is an error, as in the CLI', async () => {
    const spec = parseWaiter(['expr=Count', 'to=1']);
    await expect(waitFor(async () => ({ Count: 1 }), spec, fakeClock())).rejects.toThrow(new CliError("object 1 isn't string"));
  });
});
