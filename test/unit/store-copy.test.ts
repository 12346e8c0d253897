/**
 * The rules of `store copy` and `store verify` (src/core/store-copy.ts), one `describe` per rule.
 * Digests stand for records: equal digests, the same sealed record.
 */
import { describe, expect, test } from '@jest/globals';
import { compareDigests, countDecision, decideCopy, noCounts, stillAsPlanned, verified, type CopyDecision, type RecordRef, type VerifyResult } from '../../src/core/store-copy.js';

describe('a record the destination lacks is copied; one it holds identically is skipped', () => {
  test.each([
    ['missing at the destination', 'a', undefined, false, 'copy'],
    ['missing at the destination, --overwrite', 'a', undefined, true, 'copy'],
    ['identical at the destination', 'a', 'a', false, 'skip'],
    ['identical at the destination, --overwrite', 'a', 'a', true, 'skip'],
  ] as [string, string, string | undefined, boolean, CopyDecision][])('%s: %s', (_case, source, destination, overwrite, decision) => {
    expect(decideCopy(source, destination, overwrite)).toBe(decision);
  });
});

describe('a record the destination holds differently is a conflict, replaced only with --overwrite', () => {
  test.each([
    [false, 'conflict'],
    [true, 'overwrite'],
  ] as [boolean, CopyDecision][])('--overwrite %s: %s', (overwrite, decision) => {
    expect(decideCopy('source', 'destination', overwrite)).toBe(decision);
  });
});

describe('a planned write goes ahead only if the destination did not change since the plan', () => {
  test.each([
    ['planned none, still none', undefined, undefined, true],
    ['planned none, another writer made one', undefined, 'theirs', false],
    ['planned to overwrite d, still d', 'd', 'd', true],
    ['planned to overwrite d, changed to e meanwhile', 'd', 'e', false],
    ['planned to overwrite d, gone meanwhile', 'd', undefined, true],
  ] as [string, string | undefined, string | undefined, boolean][])('%s', (_case, planned, current, goes) => {
    expect(stillAsPlanned(planned, current)).toBe(goes);
  });
});

describe('counts: each decision carried out is counted once, under its own name', () => {
  test('copy, skip and overwrite', () => {
    const counts = noCounts();
    for (const d of ['copy', 'copy', 'skip', 'overwrite'] as const) countDecision(counts, d);
    expect(counts).toEqual({ Copied: 2, Skipped: 1, Overwritten: 1 });
  });
});

describe('verification: every source record must be at the destination, identical; extra ones are only counted', () => {
  const ref = (id: string): RecordRef => ({ Region: 'cn-hangzhou', Kind: 'Secret', Id: id });
  const source = new Map([
    ['s1', { ref: ref('s1'), digest: '1' }],
    ['s2', { ref: ref('s2'), digest: '2' }],
    ['s3', { ref: ref('s3'), digest: '3' }],
  ]);
  test.each([
    ['identical', [['s1', '1'], ['s2', '2'], ['s3', '3']], { Compared: 3, Missing: [], Different: [], OnlyAtDestination: 0 }, true],
    ['one missing', [['s1', '1'], ['s3', '3']], { Compared: 3, Missing: [ref('s2')], Different: [], OnlyAtDestination: 0 }, false],
    ['one different', [['s1', '1'], ['s2', 'x'], ['s3', '3']], { Compared: 3, Missing: [], Different: [ref('s2')], OnlyAtDestination: 0 }, false],
    ['one extra', [['s1', '1'], ['s2', '2'], ['s3', '3'], ['s4', '4']], { Compared: 3, Missing: [], Different: [], OnlyAtDestination: 1 }, true],
  ] as [string, [string, string][], VerifyResult, boolean][])('%s', (_case, destination, result, ok) => {
    const compared = compareDigests(source, new Map(destination.map(([id, digest]) => [id, { digest }])));
    expect(compared).toEqual(result);
    expect(verified(compared)).toBe(ok);
  });
});
