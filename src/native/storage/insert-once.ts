import { isDeepStrictEqual } from 'node:util';
import { copyRestEvents } from './event-copy.js';
import { EVENT_COLUMN_LIST, fromEventRow, type StoredRow } from './event-rows.js';
import type { Database } from './pool.js';
import type { EventInput, InsertOutcome, StoredEvent } from './types.js';

const UNIQUE_VIOLATION = '23505';
/** Rounds of "look up the taken ids, store the rest" before giving up on a table other writers keep filling. */
const MAX_ROUNDS = 3;

export function isUniqueViolation(error: unknown): boolean {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  return code === UNIQUE_VIOLATION || cause?.code === UNIQUE_VIOLATION;
}

/**
 * Stores events under the given ids exactly once, so that a client retrying with its own `eventId` (after a
 * 503, or a timeout that hid a COMMIT) is told 201 again instead of failing. The common case costs nothing
 * extra: one COPY, as before. Only when that COPY fails on a duplicate key (which fails all of it) are the
 * batch's ids looked up: an id already stored is a `duplicate` when the content is the same and a
 * `conflict` when it is not (as is a repeated id inside the batch), and the rest goes out as one more COPY.
 * With `abort`, a conflict stores nothing (the caller's batch is all or nothing).
 */
export async function insertEventsOnce(
  db: Database,
  table: string,
  events: readonly EventInput[],
  ids: readonly string[],
  mode: 'skip' | 'abort',
): Promise<InsertOutcome[]> {
  try {
    await copyRestEvents(db, table, events, ids);
    return events.map(() => 'created');
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  let lastError: unknown;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const taken = await storedEvents(db, table, ids);
    const outcomes: InsertOutcome[] = [];
    const firstInBatch = new Map<string, EventInput>();
    const toStore: number[] = [];
    events.forEach((event, i) => {
      const id = ids[i] as string;
      const stored = taken.get(id);
      const earlier = firstInBatch.get(id);
      if (stored !== undefined) outcomes.push(sameContent(stored, event) ? 'duplicate' : 'conflict');
      else if (earlier !== undefined) outcomes.push(sameContent(asStored(earlier), event) ? 'duplicate' : 'conflict');
      else {
        firstInBatch.set(id, event);
        toStore.push(i);
        outcomes.push('created');
      }
    });
    if (toStore.length === 0 || (mode === 'abort' && outcomes.includes('conflict'))) return outcomes;
    try {
      await copyRestEvents(
        db,
        table,
        toStore.map((i) => events[i] as EventInput),
        toStore.map((i) => ids[i] as string),
      );
      return outcomes;
    } catch (error) {
      // Another writer stored one of these ids since the look-up: look again.
      if (!isUniqueViolation(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function storedEvents(db: Database, table: string, ids: readonly string[]): Promise<Map<string, StoredEvent>> {
  const result = await db.query<StoredRow>(`SELECT ${EVENT_COLUMN_LIST} FROM ${table} WHERE id = ANY($1)`, [[...new Set(ids)]]);
  return new Map(result.rows.map((row) => [row.id, fromEventRow(row)]));
}

/** An input event as its stored row would read (for comparing two inputs of one batch). */
function asStored(event: EventInput): StoredEvent {
  const creationTime = event.creationTime ?? new Date(0);
  const propertiesText = event.propertiesText ?? JSON.stringify(event.properties ?? {});
  return {
    eventId: event.eventId ?? '',
    event: event.event,
    entityType: event.entityType,
    entityId: event.entityId,
    targetEntityType: event.targetEntityType,
    targetEntityId: event.targetEntityId,
    properties: event.properties ?? {},
    propertiesText,
    eventTime: event.eventTime ?? creationTime,
    eventTimeZone: event.eventTimeZone ?? 'UTC',
    tags: [...(event.tags ?? [])],
    prId: event.prId,
    creationTime,
    creationTimeZone: 'UTC',
  };
}

/**
 * Whether a retry carries the event already stored: every field a client sends, properties compared as
 * JSON values (a client may re-serialise them in another key order). The creation time is the time of
 * receipt and differs on every try; so does an event time the client left out (it defaults to the time
 * of receipt), which the stored row shows as an event time equal to its creation time.
 */
export function sameContent(stored: StoredEvent, input: EventInput): boolean {
  const creationTime = input.creationTime?.getTime();
  const inputTime = input.eventTime?.getTime();
  const inputDefaulted = inputTime === undefined || inputTime === creationTime;
  const storedDefaulted = stored.eventTime.getTime() === stored.creationTime.getTime();
  const sameTime = inputDefaulted && storedDefaulted ? true : inputTime === stored.eventTime.getTime();
  const inputProperties = input.propertiesText ?? JSON.stringify(input.properties ?? {});
  return (
    stored.event === input.event &&
    stored.entityType === input.entityType &&
    stored.entityId === input.entityId &&
    stored.targetEntityType === (input.targetEntityType ?? undefined) &&
    stored.targetEntityId === (input.targetEntityId ?? undefined) &&
    stored.prId === (input.prId ?? undefined) &&
    sameTime &&
    stored.eventTimeZone === (input.eventTimeZone ?? 'UTC') &&
    isDeepStrictEqual(stored.tags, input.tags ?? []) &&
    (stored.propertiesText === inputProperties || isDeepStrictEqual(JSON.parse(stored.propertiesText), JSON.parse(inputProperties)))
  );
}
