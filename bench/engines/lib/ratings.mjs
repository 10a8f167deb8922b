// Synthetic explicit ratings with real structure: a planted rank-5 taste model plus noise, rounded to
// 1–5 stars, so ALS has something to learn and the benchmark's quality check means something.
// Deterministic (seeded), so every run trains on the same data.

import { seededRandom } from '../../../dist/native/engine/index.js';

function gaussian(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `users` users each rating `perUser` distinct items out of `items`; yields `rate` event lines. */
export function* syntheticRatingEvents({ users, items, perUser, seed = 1 }) {
  const random = seededRandom(seed);
  const rank = 5;
  const userTaste = Array.from({ length: users }, () => Array.from({ length: rank }, () => gaussian(random) * 0.6));
  const itemTaste = Array.from({ length: items }, () => Array.from({ length: rank }, () => gaussian(random) * 0.6));
  const base = Date.parse('2024-01-01T00:00:00.000Z');
  let n = 0;
  for (let u = 0; u < users; u++) {
    const chosen = new Set();
    while (chosen.size < perUser) chosen.add(Math.floor(random() * items));
    for (const i of chosen) {
      let affinity = 0;
      for (let k = 0; k < rank; k++) affinity += userTaste[u][k] * itemTaste[i][k];
      const rating = Math.min(5, Math.max(1, Math.round(3 + 1.5 * affinity + gaussian(random) * 0.5)));
      yield JSON.stringify({
        event: 'rate',
        entityType: 'user',
        entityId: `u${u}`,
        targetEntityType: 'item',
        targetEntityId: `i${i}`,
        properties: { rating },
        eventTime: new Date(base + n++ * 1000).toISOString(),
      });
    }
  }
}
