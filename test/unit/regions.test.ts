/** src/core/regions.ts: the one list of region ids, and private regions added by a profile. */
import { describe, expect, test } from '@jest/globals';
import { ALIBABA_CLOUD_REGIONS, isKnownRegion } from '../../src/core/regions.js';

describe('region ids', () => {
  test.each<[string, string, string[], boolean]>([
    ['a public region', 'cn-hangzhou', [], true],
    ['an industry-cloud region', 'cn-shanghai-finance-1', [], true],
    ['a typo', 'cn-hangzou', [], false],
    ['a region of another cloud', 'us-west-2', [], false],
    ['a private region a profile adds', 'private-1', ['private-1'], true],
    ['a private region with an id that could not name a folder', '../x', ['../x'], false],
  ])('a region is accepted only when Alibaba Cloud has it or a profile adds it: %s', (_case, region, extra, expected) => {
    expect(isKnownRegion(region, extra)).toBe(expected);
  });

  test('the list has no duplicates and only region-id syntax', () => {
    expect(new Set(ALIBABA_CLOUD_REGIONS).size).toBe(ALIBABA_CLOUD_REGIONS.length);
    for (const region of ALIBABA_CLOUD_REGIONS) expect(region).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
  });
});
