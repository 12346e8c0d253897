/**
 * A shard's live names, as a listing reads them (Shard.addLiveNames scans the lines without parsing
 * each one), must be exactly the names whose parsed entry is not a tombstone.
 */
import { describe, expect, test } from '@jest/globals';
import { Shard, type ManifestEntry } from '../../src/store/manifest.js';

/** A shard's text as decode() hands it over: from the header's newline, one line per entry. */
function shardText(entries: [string, ManifestEntry][]): string {
  return `\n${entries.map(([name, entry]) => `${JSON.stringify([name, entry])}\n`).join('')}`;
}

function liveOf(entries: [string, ManifestEntry][]): Set<string> {
  const live = new Set<string>();
  new Shard(shardText(entries)).addLiveNames(live);
  return live;
}

describe('Shard.addLiveNames', () => {
  const cases: { rule: string; entries: [string, ManifestEntry][]; live: string[] }[] = [
    { rule: 'an empty shard has no live name', entries: [], live: [] },
    { rule: 'a written entry is live', entries: [['app/db', { g: 1, m: 'bWFj' }]], live: ['app/db'] },
    { rule: 'a tombstone is not live', entries: [['gone', { g: 4, deleted: true }]], live: [] },
    {
      rule: 'names with every character a secret name may hold are read whole',
      entries: [['a_b/c+d=e.f@g-h', { g: 2, m: 'x' }], ['z', { g: 1, deleted: true }]],
      live: ['a_b/c+d=e.f@g-h'],
    },
    { rule: 'a name that needs an escape is parsed in full', entries: [['we"ird\\', { g: 1, m: 'x' }]], live: ['we"ird\\'] },
    { rule: 'a name that looks like the end of an entry is parsed in full', entries: [['a",{b', { g: 1, deleted: true }], ['c', { g: 1, m: 'x' }]], live: ['c'] },
    { rule: 'a name with an escape and no quote is parsed in full', entries: [['tab\there', { g: 1, m: 'x' }], ['nl\nx', { g: 2, deleted: true }]], live: ['tab\there'] },
    { rule: 'a name that spells a tombstone is read as a name', entries: [['deleted', { g: 3, m: 'x' }], ['m', { g: 1, deleted: true }]], live: ['deleted'] },
    { rule: 'an entry whose generation has many digits', entries: [['big', { g: 9007199254740991, m: 'x' }], ['big2', { g: 1234567890, deleted: true }]], live: ['big'] },
  ];
  test.each(cases)('$rule', ({ entries, live }) => {
    expect([...liveOf(entries)].sort()).toEqual([...live].sort());
  });

  test('agrees with the parsed entries on a shard of many names', () => {
    const entries: [string, ManifestEntry][] = Array.from({ length: 500 }, (_, i) => [
      `app/secret-${String(i).padStart(4, '0')}`,
      i % 7 === 0 ? { g: i + 1, deleted: true } : { g: i + 1, m: `mac${i}` },
    ]);
    const parsed = new Shard(shardText(entries)).entries();
    const expected = [...parsed].filter(([, entry]) => !('deleted' in entry)).map(([name]) => name);
    expect([...liveOf(entries)].sort()).toEqual(expected.sort());
  });
});

describe('Shard.withEntry: one line changed, the text as the whole shard encoded again', () => {
  /** What Manifest.encode writes for these entries: lines in name order. */
  const encoded = (entries: Map<string, ManifestEntry>) => shardText([...entries.keys()].sort().map((name) => [name, entries.get(name)!]));
  const live = (g: number): ManifestEntry => ({ g, m: `mac${g}` });
  const start: [string, ManifestEntry][] = [
    ['app/b', live(1)],
    ['app/d', live(2)],
    ['gone', { g: 3, deleted: true }],
  ];
  test.each([
    ['a new name before all others', 'a', live(1)],
    ['a new name between two', 'app/c', live(1)],
    ['a new name after all others', 'zz', live(1)],
    ['a new name that another begins with', 'app/', live(1)],
    ['a new name that begins with another', 'app/bb', live(1)],
    ['an existing name, newer', 'app/d', live(5)],
    ['an existing name, removed', 'app/b', { g: 2, deleted: true } as ManifestEntry],
    ['a tombstone written again', 'gone', live(4)],
  ])('%s', (_rule, name, entry) => {
    const shard = new Shard(encoded(new Map(start)));
    const expected = encoded(new Map([...start, [name, entry]]));
    expect(shard.withEntry(name, entry)?.toString('utf8')).toBe(expected);
  });

  test('an empty shard gets its first line', () => {
    expect(new Shard(encoded(new Map())).withEntry('x', live(1))?.toString('utf8')).toBe(encoded(new Map([['x', live(1)]])));
  });

  test('a shard or a name that needs an escape in JSON is left to a whole encoding', () => {
    expect(new Shard(encoded(new Map([['we"ird', live(1)]]))).withEntry('x', live(1))).toBeUndefined();
    expect(new Shard(encoded(new Map(start))).withEntry('tab\there', live(1))).toBeUndefined();
  });

  test('agrees with a whole encoding over 500 names written in random order', () => {
    const entries = new Map<string, ManifestEntry>();
    let shard = new Shard(encoded(entries));
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const name = `app/service-${String(seed % 300).padStart(3, '0')}/db`;
      const entry = live(i + 1);
      const text = shard.withEntry(name, entry)!;
      entries.set(name, entry);
      expect(text.toString('utf8')).toBe(encoded(entries));
      shard = new Shard(text);
    }
  });
});
