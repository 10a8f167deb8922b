import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupCommitWriter } from '../../src/native/storage/group-commit.js';
import { isStorageUnavailable, type EventInput, type EventScope, type GroupCommitOptions } from '../../src/native/storage/index.js';
import { openTestStorage, type StorageFixture } from './helpers.js';

// The writer's batching, observed on its real storage calls: each batch is recorded, then stored by
// the repository (a COPY in the test database) exactly as the Event Server's writer does.
let fixture: StorageFixture;
const scope: EventScope = { appId: 700 };
const otherScope: EventScope = { appId: 701 };

beforeAll(async () => {
  fixture = await openTestStorage();
  await fixture.storage.events.init(scope);
  await fixture.storage.events.init(otherScope);
});
afterAll(async () => {
  await fixture?.close();
});

/** `hold(table)` makes that table's next batch wait (before its COPY) until the returned release is called. */
function recordingWriter(options: GroupCommitOptions = {}) {
  const batches: number[] = [];
  const held = new Map<string, Promise<void>>();
  const scopes = new Map([scope, otherScope].map((s) => [fixture.storage.events.tableName(s), s]));
  const writer = createGroupCommitWriter({
    poolSize: 8,
    tableName: (s) => fixture.storage.events.tableName(s),
    insertEvents: async (table, events, ids) => {
      batches.push(events.length);
      const gate = held.get(table);
      held.delete(table);
      await gate;
      await fixture.storage.events.insertBatch(scopes.get(table)!, events.map((event, i) => ({ ...event, eventId: ids[i] })));
    },
    explain: (error) => error,
    ...options,
  });
  const hold = (s: EventScope) => {
    let release!: () => void;
    held.set(fixture.storage.events.tableName(s), new Promise((resolve) => (release = resolve)));
    return release;
  };
  return { writer, batches, hold };
}

const event = (entityId: string): EventInput => ({ event: 'e', entityType: 'user', entityId });
const stored = async (ids: readonly string[]) =>
  (await fixture.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pio_event_700 WHERE id = ANY($1)`, [ids]))[0]?.n;

describe('group commit batching', () => {
  it('commits the inserts of one event-loop turn together, and the ones that arrive meanwhile in the next batch', async () => {
    const { writer, batches, hold } = recordingWriter();
    // The first batch is held before its COPY so that the later turns surely arrive while it commits,
    // however fast PostgreSQL answers on this machine.
    const release = hold(scope);
    const first = Array.from({ length: 20 }, (_, i) => writer.insert(scope, event(`a${i}`)));
    // Arrive while the first batch commits (after this turn), in two separate turns.
    await new Promise((resolve) => setImmediate(resolve));
    const second = Array.from({ length: 5 }, (_, i) => writer.insert(scope, event(`b${i}`)));
    await new Promise((resolve) => setImmediate(resolve));
    const third = Array.from({ length: 7 }, (_, i) => writer.insert(scope, event(`c${i}`)));
    expect(batches).toEqual([20]);
    release();
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

  it('commits one batch per table at a time, while another table commits side by side', async () => {
    const { writer, batches, hold } = recordingWriter();
    const release = hold(scope);
    const blocked = writer.insert(scope, event('slow'));
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [writer.insert(scope, event('behind-1')), writer.insert(scope, event('behind-2'))];
    // The other table's event is stored while the first table's batch still waits.
    const other = await writer.insert(otherScope, event('other'));
    expect(await fixture.sql<{ n: number }>('SELECT count(*)::int AS n FROM pio_event_701 WHERE id = $1', [other])).toEqual([{ n: 1 }]);
    expect(batches).toEqual([1, 1]);
    release();
    const ids = await Promise.all([blocked, ...queued]);
    // The two that queued behind the held batch went out together once it committed.
    expect(batches).toEqual([1, 1, 2]);
    expect(await stored(ids)).toBe(3);
    await writer.close();
  });

  it('sheds load with StorageUnavailableError once too many events wait for PostgreSQL, and commits the waiting ones', async () => {
    const { writer, batches, hold } = recordingWriter({ maxQueuedEvents: 3 });
    const release = hold(scope);
    const committing = writer.insert(scope, event('held'));
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [1, 2, 3].map((i) => writer.insert(scope, event(`w${i}`)));
    const refused = await writer.insert(scope, event('one-too-many')).catch((error: unknown) => error);
    expect(isStorageUnavailable(refused), String(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/busy: 3 events are waiting/);
    release();
    const ids = await Promise.all([committing, ...waiting]);
    expect(batches).toEqual([1, 3]);
    expect(await stored(ids)).toBe(4);
    // Room again once the queue drained.
    expect(await stored([await writer.insert(scope, event('after'))])).toBe(1);
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
