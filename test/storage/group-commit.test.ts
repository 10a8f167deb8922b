import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupCommitWriter } from '../../src/native/storage/group-commit.js';
import type { EventInput, EventScope } from '../../src/native/storage/index.js';
import { openTestStorage, type StorageFixture } from './helpers.js';

// The writer's batching, observed on its real storage calls: each batch is recorded, then stored by
// the repository (a COPY in the test database) exactly as the Event Server's writer does.
let fixture: StorageFixture;
const scope: EventScope = { appId: 700 };

beforeAll(async () => {
  fixture = await openTestStorage();
  await fixture.storage.events.init(scope);
});
afterAll(async () => {
  await fixture?.close();
});

function recordingWriter() {
  const batches: number[] = [];
  const writer = createGroupCommitWriter({
    poolSize: 8,
    maxConcurrentBatches: 1,
    tableName: (s) => fixture.storage.events.tableName(s),
    insertEvents: async (_table, events, ids) => {
      batches.push(events.length);
      await fixture.storage.events.insertBatch(scope, events.map((event, i) => ({ ...event, eventId: ids[i] })));
    },
    explain: (error) => error,
  });
  return { writer, batches };
}

const event = (entityId: string): EventInput => ({ event: 'e', entityType: 'user', entityId });
const stored = async (ids: readonly string[]) =>
  (await fixture.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pio_event_700 WHERE id = ANY($1)`, [ids]))[0]?.n;

describe('group commit batching', () => {
  it('commits the inserts of one event-loop turn together, and the ones that arrive meanwhile in the next batch', async () => {
    const { writer, batches } = recordingWriter();
    const first = Array.from({ length: 20 }, (_, i) => writer.insert(scope, event(`a${i}`)));
    // Arrive while the first batch commits (after this turn), in two separate turns.
    await new Promise((resolve) => setImmediate(resolve));
    const second = Array.from({ length: 5 }, (_, i) => writer.insert(scope, event(`b${i}`)));
    await new Promise((resolve) => setImmediate(resolve));
    const third = Array.from({ length: 7 }, (_, i) => writer.insert(scope, event(`c${i}`)));
    const ids = await Promise.all([...first, ...second, ...third]);
    expect(batches).toEqual([20, 12]);
    expect(new Set(ids).size).toBe(32);
    expect(await stored(ids)).toBe(32);
    await writer.close();
  });

  it('acknowledges an insert only once its batch is stored, and a lone insert goes out at once', async () => {
    const { writer, batches } = recordingWriter();
    const started = performance.now();
    const id = await writer.insert(scope, event('lone'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(batches).toEqual([1]);
    expect(await stored([id])).toBe(1);
    await writer.close();
  });

  it('close() waits for queued and committing batches', async () => {
    const { writer, batches } = recordingWriter();
    const pending = Array.from({ length: 3 }, (_, i) => writer.insert(scope, event(`d${i}`)));
    await writer.close();
    expect(batches).toEqual([3]);
    expect(await stored(await Promise.all(pending))).toBe(3);
  });
});
