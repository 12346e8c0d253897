/**
 * The rotation marker rule (src/core/rotation-marker.ts): who may take over an in-progress
 * rotation. One rule a test; two hosts on one shared store are two places.
 */
import { describe, expect, test } from '@jest/globals';
import { checkableFrom, markerIsStale, ownerToken, parseOwner, type RunnerPlace } from '../../src/core/rotation-marker.js';

const LEASE = 30 * 60_000;
const STARTED = '2026-03-01T08:00:00Z';
const AT = Date.parse(STARTED);
const hostA: RunnerPlace = { host: 'runner', scope: 'aaaaaaaaaaaa' };
const hostB: RunnerPlace = { host: 'other', scope: 'bbbbbbbbbbbb' };
/** Another machine (or container) that has the same host name as A. */
const twinOfA: RunnerPlace = { host: 'runner', scope: 'cccccccccccc' };
const alive = () => true;
const dead = () => false;

function markerOf(place: RunnerPlace, pid = 4242): { owner: string; startedAt: string } {
  return { owner: ownerToken(place, pid, 'n0nce123'), startedAt: STARTED };
}

describe('rotation markers across hosts', () => {
  test('an owner token names the host, the process and the machine scope, and reads back', () => {
    expect(parseOwner(ownerToken(hostA, 77, 'abcd'))).toEqual({ host: 'runner', pid: 77, scope: 'aaaaaaaaaaaa' });
  });

  test('a marker written before scopes were recorded reads without one', () => {
    expect(parseOwner('runner:77:abcd')).toEqual({ host: 'runner', pid: 77 });
  });

  test("another host's marker is live within its lease, whatever a process of that id does here", () => {
    expect(markerIsStale(markerOf(hostA), hostB, AT + LEASE - 1, LEASE, dead)).toBe(false);
  });

  test("another host's marker is stale once its lease has run out", () => {
    expect(markerIsStale(markerOf(hostA), hostB, AT + LEASE + 1, LEASE, alive)).toBe(true);
  });

  test('a marker of a dead process of this machine is stale at once', () => {
    expect(markerIsStale(markerOf(hostA), hostA, AT + 1, LEASE, dead)).toBe(true);
  });

  test('a marker of a live process of this machine is live within its lease', () => {
    expect(markerIsStale(markerOf(hostA), hostA, AT + 1, LEASE, alive)).toBe(false);
  });

  test('a machine with the same host name but another scope cannot check the process: live within the lease', () => {
    expect(checkableFrom(parseOwner(markerOf(hostA).owner), twinOfA)).toBe(false);
    expect(markerIsStale(markerOf(hostA), twinOfA, AT + 1, LEASE, dead)).toBe(false);
  });

  test('a marker without a scope is checked by host name (as before scopes)', () => {
    expect(markerIsStale({ owner: 'runner:4242:abcd', startedAt: STARTED }, twinOfA, AT + 1, LEASE, dead)).toBe(true);
    expect(markerIsStale({ owner: 'runner:4242:abcd', startedAt: STARTED }, hostB, AT + 1, LEASE, dead)).toBe(false);
  });
});
