import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntityReadBatcher, type EventQuery, type EventScope, type StoredEvent } from '../../src/native/storage/index.js';
import { openTestStorage, type StorageFixture } from './helpers.js';

// The batcher on the real repository: each statement it sends is recorded, and every entity's answer
// is compared with the one-entity read it replaces.
let fixture: StorageFixture;
const scope: EventScope = { appId: 720 };
const USERS = 40;

beforeAll(async () => {
  fixture = await openTestStorage();
  await fixture.storage.events.init(scope);
  const events = [];
  for (let user = 0; user < USERS; user++) {
    // User u has u events (user 0 none), alternating two names, a few with the same time.
    for (let i = 0; i < user; i++) {
      events.push({
        event: i % 2 === 0 ? 'view' : 'buy',
        entityType: 'user',
        entityId: `u${user}`,
        targetEntityType: 'item',
        targetEntityId: `i${(user * 7 + i) % 13}`,
        eventTime: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))),
      });
    }
  }
  await fixture.storage.events.insertBatch(scope, events);
});
afterAll(async () => {
  await fixture?.close();
});

function recordingBatcher(options: { maxBatchSize?: number; maxInFlight?: number } = {}) {
  const statements: EventQuery[] = [];
  let gate: Promise<void> | undefined;
  const batched = createEntityReadBatcher<EventQuery, StoredEvent>({
    kindOf: (s, query) => JSON.stringify([fixture.storage.events.tableName(s), query]),
    readMany: async (s, query, entityIds) => {
      statements.push({ ...query, entityIds });
      const held = gate;
      gate = undefined;
      await held;
      return fixture.storage.events.find(s, { ...query, entityIds });
    },
    entityOf: (event) => event.entityId,
    ...options,
  });
  const read = (s: EventScope, { entityId, ...query }: EventQuery & { entityId: string }) => batched(s, query, entityId);
  /** The next statement waits (before PostgreSQL) until the returned release is called. */
  const hold = () => {
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    return release;
  };
  return { read, statements, hold };
}

const history = (entityId: string): EventQuery & { entityId: string } => ({
  entityType: 'user',
  entityId,
  eventNames: ['view', 'buy'],
  reversed: true,
});

describe('entity read batching', () => {
  it('answers concurrent reads of one kind with one statement, each entity exactly as its own read', async () => {
    const { read, statements } = recordingBatcher();
    const users = Array.from({ length: USERS }, (_, u) => `u${u}`).concat(['u5', 'nobody']);
    const answers = await Promise.all(users.map((user) => read(scope, history(user))));
    expect(statements).toHaveLength(1);
    expect(new Set(statements[0]!.entityIds)).toEqual(new Set(users));
    for (const [i, user] of users.entries()) {
      const alone = await fixture.storage.events.find(scope, history(user));
      expect(answers[i]!.map((e) => e.eventId)).toEqual(alone.map((e) => e.eventId));
    }
    expect(answers[5]).toHaveLength(5);
    expect(answers.at(-1)).toEqual([]);
  });

  it('keeps at most maxInFlight statements per kind and sends the reads that waited together', async () => {
    const { read, statements, hold } = recordingBatcher({ maxInFlight: 1 });
    const release = hold();
    const first = read(scope, history('u3'));
    await new Promise((resolve) => setImmediate(resolve));
    // The first statement is in flight: these wait for it, then go out as one.
    const later = [read(scope, history('u4')), read(scope, history('u6'))];
    await new Promise((resolve) => setImmediate(resolve));
    const more = read(scope, history('u7'));
    expect(statements).toHaveLength(1);
    release();
    const all = await Promise.all([first, ...later, more]);
    expect(statements.map((s) => s.entityIds)).toEqual([['u3'], ['u4', 'u6', 'u7']]);
    expect(all.map((events) => events.length)).toEqual([3, 4, 6, 7]);
  });

  it('splits a long queue into statements of maxBatchSize entities', async () => {
    const { read, statements } = recordingBatcher({ maxBatchSize: 16 });
    const answers = await Promise.all(Array.from({ length: USERS }, (_, u) => read(scope, history(`u${u}`))));
    expect(statements.map((s) => s.entityIds!.length)).toEqual([16, 16, 8]);
    expect(answers.map((events) => events.length)).toEqual(Array.from({ length: USERS }, (_, u) => u));
  });

  it('does not mix kinds', async () => {
    const { read, statements } = recordingBatcher();
    const [views, buys] = await Promise.all([
      read(scope, { ...history('u9'), eventNames: ['view'] }),
      read(scope, { ...history('u9'), eventNames: ['buy'] }),
    ]);
    expect(statements).toHaveLength(2);
    expect(views.every((e) => e.event === 'view') && views.length).toBe(5);
    expect(buys.every((e) => e.event === 'buy') && buys.length).toBe(4);
  });

  it('rejects every read of a failed statement, and reads again afterwards', async () => {
    const { read } = recordingBatcher();
    const missing: EventScope = { appId: 721 };
    const failed = await Promise.allSettled([read(missing, history('u1')), read(missing, history('u2'))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((failed[0] as PromiseRejectedResult).reason)).toMatch(/pio_event_721/);
    expect(await read(scope, history('u2'))).toHaveLength(2);
  });
});
