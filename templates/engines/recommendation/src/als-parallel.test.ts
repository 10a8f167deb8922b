import { cpuQuota, type EngineContext } from 'pio-deploy/engine';
import { describe, expect, it } from 'vitest';
import { AlsAlgorithm, alsParams } from './als-algorithm.js';
import { trainAls, type Rating } from './als.js';
import { splitByRatings, trainAlsParallel } from './als-parallel.js';

const ratings: Rating[] = [];
for (let u = 0; u < 300; u++) for (let i = 0; i < 80; i++) if ((u * 7 + i * 3) % 5 < 2) ratings.push({ user: `u${u}`, item: `i${(i * 13) % 80}`, rating: ((u * i) % 5) + 1 });

describe('trainAlsParallel', () => {
  it('trains the same model, bit for bit, as one thread', async () => {
    const params = { rank: 4, numIterations: 3, lambda: 0.05, seed: 7 };
    const single = trainAls(ratings, params);
    for (const workers of [1, 2, 3]) {
      const parallel = await trainAlsParallel(ratings, params, workers);
      expect(parallel.userIds).toEqual(single.userIds);
      expect(parallel.itemIds).toEqual(single.itemIds);
      expect(Array.from(parallel.userFactors)).toEqual(Array.from(single.userFactors));
      expect(Array.from(parallel.itemFactors)).toEqual(Array.from(single.itemFactors));
    }
  });

  it('solves singular systems (lambda 0, fewer ratings than the rank) as one thread does', async () => {
    const few: Rating[] = [...ratings, { user: 'lonely', item: 'i1', rating: 5 }];
    const params = { rank: 5, numIterations: 2, lambda: 0, seed: 1 };
    const parallel = await trainAlsParallel(few, params, 2);
    expect(Array.from(parallel.userFactors)).toEqual(Array.from(trainAls(few, params).userFactors));
  });

  it('splits entries into consecutive ranges, each ending once its share of the ratings is reached', () => {
    const offsets = Int32Array.from([0, 10, 11, 12, 30, 31, 40]);
    expect(splitByRatings(offsets, 2)).toEqual([
      [0, 4],
      [4, 6],
    ]);
    expect(splitByRatings(offsets, 1)).toEqual([[0, 6]]);
  });
});

describe('AlsAlgorithm on large data', () => {
  it('trains on worker threads when the quota has several CPUs, to the same model', async () => {
    const many: Rating[] = [];
    for (let i = 0; i < 200_000; i++) many.push({ user: `u${(i * 7919) % 2_000}`, item: `i${(i * 104_729) % 400}`, rating: ((i * 31) % 9) / 2 + 0.5 });
    const lines: string[] = [];
    const ctx = { log: { info: (m: string) => lines.push(m), warn: () => {} } } as unknown as EngineContext;
    const params = alsParams.parse({ rank: 4, numIterations: 2, seed: 5 });
    const model = await new AlsAlgorithm(params).train(ctx, { ratings: many });
    expect(Array.from(model.itemFactors)).toEqual(Array.from(trainAls(many, { ...params, seed: 5 }).itemFactors));
    const threads = cpuQuota();
    expect(lines.at(-1)).toContain(`(${threads} thread${threads === 1 ? '' : 's'})`);
  });
});

