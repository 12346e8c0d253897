import { describe, expect, test } from '@jest/globals';
import { formatTime, parseTime } from '../../src/core/time.js';

const isoWithoutMs = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('formatTime', () => {
  test.each([
    ['the epoch', 0],
    ['a leap day', Date.UTC(2024, 1, 29, 23, 59, 59)],
    ['the last millisecond of a year (milliseconds are dropped, not rounded)', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ['single-digit fields', Date.UTC(2026, 0, 2, 3, 4, 5)],
    ['a year below 1000', Date.UTC(999, 5, 6, 7, 8, 9)],
    ['before the epoch', -1],
    ['year 9999', Date.UTC(9999, 11, 31, 23, 59, 59)],
    ['beyond year 9999 (extended form)', Date.UTC(10000, 0, 1)],
  ])('prints %s as toISOString does, without milliseconds', (_name, ms) => {
    expect(formatTime(ms)).toBe(isoWithoutMs(ms));
  });

  test('reads back through parseTime to the same second', () => {
    const ms = Date.UTC(2026, 10, 29, 12, 46, 11);
    expect(parseTime(formatTime(ms))).toBe(ms);
  });
});
