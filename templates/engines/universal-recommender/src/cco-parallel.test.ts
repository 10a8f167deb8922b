import { describe, expect, it } from 'vitest';
import { ccoInput, crossOccurrence, downsample, idOrderRank, seededRandom } from './cco.js';
import { chunksByWork, crossOccurrenceParallel } from './cco-parallel.js';
import type { BinaryMatrix } from './preparator.js';

/** Users with a skewed number of interactions on skewed items (a few popular ones), sorted per row. */
function randomMatrix(users: number, items: number, seed: number): BinaryMatrix {
  const random = seededRandom(seed);
  const rowPtr = new Int32Array(users + 1);
  const cols: number[] = [];
  for (let user = 0; user < users; user++) {
    const row = new Set<number>();
    const count = 1 + Math.floor(random() ** 3 * 40);
    while (row.size < Math.min(count, items)) row.add(Math.floor(random() ** 2 * items));
    cols.push(...[...row].sort((a, b) => a - b));
    rowPtr[user + 1] = cols.length;
  }
  return { rowPtr, cols: Int32Array.from(cols) };
}

describe('crossOccurrence on worker threads', () => {
  const users = 3000;
  const items = 400;
  const ids = Array.from({ length: items }, (_, i) => `item-${(i * 7919) % items}`);
  const orderRank = idOrderRank(ids);
  const a = downsample(randomMatrix(users, items, 1), 500, items, seededRandom(11));
  const b = downsample(randomMatrix(users, items, 2), 500, items, seededRandom(12));

  it.each([
    ['A\'A, default settings', a, false, { maxInteractions: 500, maxCorrelatorsPerItem: 50, minLLR: undefined }],
    ["A'B with a minimum LLR and few correlators", b, true, { maxInteractions: 500, maxCorrelatorsPerItem: 5, minLLR: 2 }],
  ])('gives the same correlators as one thread: %s', async (_name, other, selfPairs, settings) => {
    const problem = { a, b: other, numItems: items, numUsers: users, settings, selfPairs, orderRank };
    const single = crossOccurrence(problem);
    expect(single.size).toBeGreaterThan(items / 2);
    for (const workers of [2, 3]) {
      const parallel = await crossOccurrenceParallel(problem, workers);
      expect([...parallel.entries()]).toEqual([...single.entries()]);
    }
  });

  it('cuts the items into consecutive chunks of about equal work', () => {
    const settings = { maxInteractions: 500, maxCorrelatorsPerItem: 50, minLLR: undefined };
    const input = ccoInput({ a, b, numItems: items, numUsers: users, settings, selfPairs: true, orderRank });
    const chunks = chunksByWork(input, 8);
    expect(chunks[0]![0]).toBe(0);
    expect(chunks.at(-1)![1]).toBe(items);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]![0]).toBe(chunks[i - 1]![1]);
    // Popular (low-numbered) items cost more, so the first chunks hold fewer of them.
    expect(chunks[0]![1] - chunks[0]![0]).toBeLessThan(chunks.at(-1)![1] - chunks.at(-1)![0]);
  });
});
