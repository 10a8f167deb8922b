import type { EngineContext } from 'pio-deploy/engine';
import { describe, expect, it } from 'vitest';
import { AlsAlgorithm, alsParams, type ServedModel } from './als-algorithm.js';
import type { Rating } from './als.js';

const messages: string[] = [];
const ctx = {
  log: { debug: () => {}, info: (m: string) => messages.push(m), warn: (m: string) => messages.push(m), error: () => {} },
} as unknown as EngineContext;

const ratings: Rating[] = [];
for (let u = 0; u < 12; u++) for (let i = 0; i < 9; i++) if ((u + i) % 3 !== 0) ratings.push({ user: `u${u}`, item: `i${i}`, rating: ((u * i) % 5) + 1 });

describe('AlsAlgorithm', () => {
  const algorithm = new AlsAlgorithm(alsParams.parse({ rank: 3, numIterations: 5, lambda: 0.1, seed: 9 }));
  // Small data trains synchronously (worker threads start only for large data).
  const model = algorithm.train(ctx, { ratings }) as ServedModel;

  it('answers the same after a round trip through its stored form', () => {
    const stored: unknown = JSON.parse(JSON.stringify(algorithm.serializeModel(model)));
    const restored = algorithm.deserializeModel(stored);
    expect(Array.from(restored.userFactors)).toEqual(Array.from(model.userFactors));
    expect(Array.from(restored.itemFactors)).toEqual(Array.from(model.itemFactors));
    for (const user of ['u0', 'u5', 'u11']) {
      expect(algorithm.predict(restored, { user, num: 4 }, ctx)).toEqual(algorithm.predict(model, { user, num: 4 }, ctx));
    }
  });

  it('answers an unknown user with no items and says so in the log', () => {
    expect(algorithm.predict(model, { user: 'stranger', num: 4 }, ctx)).toEqual({ itemScores: [] });
    expect(messages).toContain('No prediction for unknown user stranger.');
  });

  it('caps num at the number of items', () => {
    expect(algorithm.predict(model, { user: 'u1', num: 100 }, ctx).itemScores).toHaveLength(9);
  });

  it('refuses a corrupt stored model and empty training data', () => {
    const stored = algorithm.serializeModel(model) as { userFactors: string };
    expect(() => algorithm.deserializeModel({ ...stored, userFactors: stored.userFactors.slice(0, 16) })).toThrow(/corrupt/);
    expect(() => algorithm.train(ctx, { ratings: [] })).toThrow(/No ratings to train on/);
  });

  it('fills upstream defaults for omitted params', () => {
    expect(alsParams.parse({})).toEqual({ rank: 10, numIterations: 10, lambda: 0.01 });
    expect(alsParams.safeParse({ rank: 0 }).success).toBe(false);
  });
});
