import { gaussian, seededRandom } from 'pio-deploy/engine';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { choleskySolveInPlace, predictRating, recommendItems, topK, trainAls, type AlsModel, type Rating } from './als.js';

// data/initial-events.json holds the shared MovieLens sample as `rate` events.
const movielens: Rating[] = readFileSync(new URL('../data/initial-events.json', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const event = JSON.parse(line) as { entityId: string; targetEntityId: string; properties: { rating: number } };
    return { user: event.entityId, item: event.targetEntityId, rating: event.properties.rating };
  });

function indexes(model: AlsModel) {
  return {
    users: new Map(model.userIds.map((id, i) => [id, i])),
    items: new Map(model.itemIds.map((id, i) => [id, i])),
  };
}

describe('trainAls on the MovieLens sample', () => {
  const train = movielens.filter((_, i) => i % 5 !== 0);
  const heldOut = movielens.filter((_, i) => i % 5 === 0);
  const model = trainAls(train, { rank: 10, numIterations: 10, lambda: 0.1, seed: 3 });
  const { users, items } = indexes(model);
  const globalMean = train.reduce((sum, r) => sum + r.rating, 0) / train.length;

  it('predicts held-out ratings clearly better than the global mean', () => {
    const rmse = (predict: (r: Rating) => number) =>
      Math.sqrt(heldOut.reduce((sum, r) => sum + (predict(r) - r.rating) ** 2, 0) / heldOut.length);
    const baseline = rmse(() => globalMean);
    const als = rmse((r) => {
      const u = users.get(r.user);
      const i = items.get(r.item);
      return u === undefined || i === undefined ? globalMean : predictRating(model, u, i);
    });
    expect(heldOut.length).toBeGreaterThan(250);
    expect(als).toBeLessThan(0.9 * baseline);
  });

  it('ranks held-out high ratings above the average item (AUC well above 0.5)', () => {
    let wins = 0;
    let comparisons = 0;
    for (const r of heldOut) {
      const u = users.get(r.user);
      const i = items.get(r.item);
      if (r.rating < 4 || u === undefined || i === undefined) continue;
      const score = predictRating(model, u, i);
      for (let other = 0; other < model.itemIds.length; other++) {
        const otherScore = predictRating(model, u, other);
        wins += score > otherScore ? 1 : score === otherScore ? 0.5 : 0;
        comparisons++;
      }
    }
    expect(comparisons).toBeGreaterThan(1000);
    expect(wins / comparisons).toBeGreaterThan(0.7);
  });

  it('recommends num items, best first, with the scores the factors give', () => {
    const user = users.get('1')!;
    const recommended = recommendItems(model, user, 4);
    expect(recommended).toHaveLength(4);
    for (let k = 1; k < recommended.length; k++) {
      expect(recommended[k - 1]!.score).toBeGreaterThanOrEqual(recommended[k]!.score);
    }
    const allScores = model.itemIds.map((_, i) => predictRating(model, user, i)).sort((a, b) => b - a);
    expect(recommended.map((r) => r.score)).toEqual(allScores.slice(0, 4));
    expect(recommended[0]!.score).toBeCloseTo(predictRating(model, user, items.get(recommended[0]!.item)!), 12);
  });
});

describe('trainAls', () => {
  it('recovers a fully observed rank-2 matrix', () => {
    const random = seededRandom(11);
    const userFactors = Array.from({ length: 20 }, () => [gaussian(random), gaussian(random)]);
    const itemFactors = Array.from({ length: 15 }, () => [gaussian(random), gaussian(random)]);
    const ratings: Rating[] = [];
    userFactors.forEach((u, ui) =>
      itemFactors.forEach((v, vi) => ratings.push({ user: `u${ui}`, item: `i${vi}`, rating: u[0]! * v[0]! + u[1]! * v[1]! })),
    );
    const model = trainAls(ratings, { rank: 2, numIterations: 30, lambda: 1e-6, seed: 1 });
    const { users, items } = indexes(model);
    const error = Math.sqrt(
      ratings.reduce((sum, r) => sum + (predictRating(model, users.get(r.user)!, items.get(r.item)!) - r.rating) ** 2, 0) / ratings.length,
    );
    expect(error).toBeLessThan(0.01);
    // 15 items: four-at-a-time scoring plus a tail of three, each equal to the single-item prediction.
    const all = recommendItems(model, users.get('u3')!, 15);
    expect(all).toHaveLength(15);
    for (const { item, score } of all) expect(score).toBe(predictRating(model, users.get('u3')!, items.get(item)!));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const params = { rank: 5, numIterations: 3, lambda: 0.1 };
    const a = trainAls(movielens, { ...params, seed: 42 });
    const b = trainAls(movielens, { ...params, seed: 42 });
    const c = trainAls(movielens, { ...params, seed: 43 });
    expect(Array.from(a.userFactors)).toEqual(Array.from(b.userFactors));
    expect(Array.from(a.itemFactors)).not.toEqual(Array.from(c.itemFactors));
  });

  it('stays finite with lambda 0 and users having fewer ratings than the rank', () => {
    const model = trainAls(
      [
        { user: 'a', item: 'x', rating: 5 },
        { user: 'b', item: 'y', rating: 1 },
        { user: 'b', item: 'x', rating: 3 },
      ],
      { rank: 4, numIterations: 5, lambda: 0, seed: 1 },
    );
    expect(Array.from(model.userFactors).every(Number.isFinite)).toBe(true);
    expect(Array.from(model.itemFactors).every(Number.isFinite)).toBe(true);
    // Without regularisation, the single rating of user a is reproduced exactly.
    const { users, items } = indexes(model);
    expect(predictRating(model, users.get('a')!, items.get('x')!)).toBeCloseTo(5, 6);
  });

  it('rejects empty data and invalid params with messages naming them', () => {
    expect(() => trainAls([], { rank: 2, numIterations: 1, lambda: 0.1, seed: 1 })).toThrow(/training data is empty/);
    const one = [{ user: 'a', item: 'b', rating: 1 }];
    expect(() => trainAls(one, { rank: 0, numIterations: 1, lambda: 0.1, seed: 1 })).toThrow(/rank/);
    expect(() => trainAls(one, { rank: 2, numIterations: 0, lambda: 0.1, seed: 1 })).toThrow(/numIterations/);
    expect(() => trainAls(one, { rank: 2, numIterations: 1, lambda: -1, seed: 1 })).toThrow(/lambda/);
  });
});

describe('topK', () => {
  it('equals a full sort (score descending, earlier index first on ties)', () => {
    const random = seededRandom(5);
    const scores = Float64Array.from({ length: 500 }, () => Math.round(random() * 50));
    const sorted = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (const k of [0, 1, 7, 100, 500, 600]) expect(topK(scores, k)).toEqual(sorted.slice(0, k));
  });
});

describe('choleskySolveInPlace', () => {
  it('agrees with ml-matrix on random positive definite systems', () => {
    const random = seededRandom(21);
    for (const k of [1, 2, 5, 10, 20]) {
      const m = Matrix.rand(k + 3, k, { random });
      const spd = m.transpose().mmul(m).add(Matrix.eye(k).mul(0.1));
      const b = Float64Array.from({ length: k }, () => gaussian(random));
      const expected = new CholeskyDecomposition(spd).solve(Matrix.columnVector(b)).getColumn(0);
      const a = Float64Array.from(spd.to1DArray());
      const x = Float64Array.from(b);
      expect(choleskySolveInPlace(a, x, k)).toBe(true);
      for (let i = 0; i < k; i++) expect(x[i]).toBeCloseTo(expected[i]!, 9);
    }
  });

  it('reports a matrix that is not positive definite', () => {
    expect(choleskySolveInPlace(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2)).toBe(false);
    expect(choleskySolveInPlace(Float64Array.from([0, 0, 0, 0]), Float64Array.from([1, 1]), 2)).toBe(false);
  });
});
