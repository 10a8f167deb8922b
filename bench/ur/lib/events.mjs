// Synthetic e-commerce events for the Universal Recommender: three indicators (purchase, cart, view)
// over Zipf-distributed items, users with a Zipf-distributed activity, and `$set` of every item's
// categories and availability dates. Deterministic (seeded), so every run trains on the same data.

import { seededRandom } from '../../../dist/native/engine/index.js';
import { zipf } from '../../lib/zipf.mjs';


/**
 * Share of each indicator among the user events (views dominate, as in shop logs).
 * @type {Array<[string, number]>}
 */
export const INDICATOR_MIX = [
  ['view', 0.75],
  ['cart', 0.15],
  ['purchase', 0.1],
];

/** Users and items grow with the event count: ~20 events per user, ~40 per item on average. */
export function shapeOf(events) {
  return { users: Math.max(50, Math.round(events / 20)), items: Math.max(50, Math.round(events / 40)), categories: 40 };
}

const DAY_MS = 86_400_000;

/**
 * `events` user→item events over the 30 days before `now` (then one `$set` per item) as event JSON lines.
 * Items became available during those days (5 % only in 10 days) and expire a year later, so queries at
 * `now` see nearly all of them.
 */
export function* syntheticShopEvents(events, { seed = 7, now = Math.floor(Date.now() / DAY_MS) * DAY_MS } = {}) {
  const random = seededRandom(seed);
  const { users, items, categories } = shapeOf(events);
  const item = zipf(items, 1.0, random);
  const user = zipf(users, 0.6, random);
  const start = now - 30 * DAY_MS;
  for (let n = 0; n < events; n++) {
    const x = random();
    const name = x < INDICATOR_MIX[0][1] ? 'view' : x < INDICATOR_MIX[0][1] + INDICATOR_MIX[1][1] ? 'cart' : 'purchase';
    yield JSON.stringify({
      event: name,
      entityType: 'user',
      entityId: `u${user()}`,
      targetEntityType: 'item',
      targetEntityId: `i${item()}`,
      eventTime: new Date(start + Math.floor((n / events) * 30 * DAY_MS)).toISOString(),
    });
  }
  for (let i = 0; i < items; i++) {
    const category = `c${Math.floor(random() * categories)}`;
    const available = random() < 0.05 ? now + 10 * DAY_MS : start + Math.floor(random() * 30) * DAY_MS;
    yield JSON.stringify({
      event: '$set',
      entityType: 'item',
      entityId: `i${i}`,
      properties: {
        categories: random() < 0.3 ? [category, `c${Math.floor(random() * categories)}`] : [category],
        available: new Date(available).toISOString(),
        expires: new Date(available + 365 * DAY_MS).toISOString(),
      },
      eventTime: new Date(start).toISOString(),
    });
  }
}
