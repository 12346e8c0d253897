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
