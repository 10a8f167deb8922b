import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput, EventScope, StoredEvent } from '../../src/native/storage/index.js';
import { createEventStore } from '../../src/native/workflow/event-store.js';
import { openTestStorage, type StorageFixture } from './helpers.js';

// latestTargets against the reference it stands for: find's newest-first order, filtered and cut per
// event name in JavaScript, on an indexed table (INDEX=enabled, as UR apps run) with equal event times.
let fixture: StorageFixture;
const scope: EventScope = { appId: 730 };
const NAMES = ['buy', 'cart', 'view'];

beforeAll(async () => {
  fixture = await openTestStorage({ PIO_STORAGE_SOURCES_PGSQL_INDEX: 'enabled' });
  await fixture.storage.events.init(scope);
  await fixture.storage.apps.insert({ id: 730, name: 'shop' });
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  const events: EventInput[] = [];
  for (let user = 0; user < 30; user++) {
    for (let i = 0; i < user * 3; i++) {
      const name = NAMES[Math.floor(random() * 3)]!;
      events.push({
        event: name,
        entityType: random() < 0.05 ? 'visitor' : 'user',
        entityId: `u${user}`,
        // A few events without a target, which a history leaves out.
        ...(random() < 0.1 ? {} : { targetEntityType: 'item', targetEntityId: `i${Math.floor(random() * 20)}` }),
        // Coarse times: many ties, broken by id as find breaks them.
        eventTime: new Date(Date.UTC(2026, 0, 1, 0, Math.floor(random() * 10))),
      });
    }
  }
  await fixture.storage.events.insertBatch(scope, events);
});
afterAll(async () => {
  await fixture?.close();
});

/** The reference: the entity's events newest first, each name cut at its limit, targetless ones left out. */
function expected(all: StoredEvent[], limits: Record<string, number | undefined>) {
  const counts = new Map<string, number>();
  return all
    .filter((e) => e.event in limits && e.targetEntityId !== undefined)
    .filter((e) => {
      const seen = (counts.get(e.event) ?? 0) + 1;
      counts.set(e.event, seen);
      return seen <= (limits[e.event] ?? Infinity);
    })
    .map((e) => ({ entityId: e.entityId, event: e.event, targetEntityId: e.targetEntityId }));
}

describe('events.latestTargets', () => {
  it('returns each entity newest first, each event name cut at its limit, as find would', async () => {
    const limits = { buy: undefined, cart: 3, view: 5 };
    const users = Array.from({ length: 30 }, (_, u) => `u${u}`);
    const rows = await fixture.storage.events.latestTargets(scope, {
      entityType: 'user',
      entityIds: users,
      eventNames: Object.entries(limits).map(([name, limit]) => ({ name, limit })),
    });
    let checked = 0;
    for (const user of users) {
      const all = await fixture.storage.events.find(scope, { entityType: 'user', entityId: user, eventNames: NAMES, reversed: true });
      const mine = rows.filter((row) => row.entityId === user);
      expect(mine, user).toEqual(expected(all, limits));
      checked += mine.length;
    }
    expect(checked).toBe(rows.length);
    expect(rows.some((row) => row.event === 'buy')).toBe(true);
  });

  it('reads nothing for no entities or no names, and a name listed twice once, with its larger limit', async () => {
    const events = fixture.storage.events;
    expect(await events.latestTargets(scope, { entityType: 'user', entityIds: [], eventNames: [{ name: 'buy' }] })).toEqual([]);
    expect(await events.latestTargets(scope, { entityType: 'user', entityIds: ['u20'], eventNames: [] })).toEqual([]);
    const twice = await events.latestTargets(scope, {
      entityType: 'user',
      entityIds: ['u20'],
      eventNames: [
        { name: 'view', limit: 1 },
        { name: 'view', limit: 4 },
      ],
    });
    const all = await events.find(scope, { entityType: 'user', entityId: 'u20', eventNames: ['view'], reversed: true });
    expect(twice).toEqual(expected(all, { view: 4 }));
    expect(twice).toHaveLength(4);
  });

  it("is the engines' latestTargets, concurrent reads answered per user", async () => {
    const store = createEventStore(fixture.storage);
    const eventNames = [{ name: 'buy' }, { name: 'view', limit: 2 }];
    const users = ['u3', 'u17', 'u29', 'nobody', 'u17'];
    const answers = await Promise.all(users.map((entityId) => store.latestTargets({ appName: 'shop', entityType: 'user', entityId, eventNames })));
    for (const [i, user] of users.entries()) {
      const all = await fixture.storage.events.find(scope, { entityType: 'user', entityId: user, eventNames: NAMES, reversed: true });
      expect(answers[i]).toEqual(expected(all, { buy: undefined, view: 2 }).map(({ event, targetEntityId }) => ({ event, targetEntityId })));
    }
    expect(answers[3]).toEqual([]);
    await expect(store.latestTargets({ appName: 'no-such-app', entityType: 'user', entityId: 'u1', eventNames })).rejects.toThrow(
      'Invalid app name no-such-app',
    );
  });
});
