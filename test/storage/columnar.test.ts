import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryCopyTuples, type CopyTuple } from '../../src/native/storage/copy-out.js';
import { MissingEventTableError, type ColumnQuery, type EventColumns, type EventInput, type StoredEvent } from '../../src/native/storage/index.js';
import { openTestStorage, type StorageFixture } from './helpers.js';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await openTestStorage();
});
afterAll(async () => {
  await fixture?.close();
});

let nextApp = 700;
async function freshScope() {
  const scope = { appId: nextApp++ };
  await fixture.storage.events.init(scope);
  return scope;
}

/** Rows of the columns as plain values, to compare with `find`. */
function rowsOf(columns: EventColumns) {
  return Array.from({ length: columns.size }, (_, i) => ({
    entityId: columns.entityIds[columns.entity[i] as number],
    targetEntityId: columns.target[i] === -1 ? undefined : columns.targetIds[columns.target[i] as number],
    event: columns.eventNames[columns.event[i] as number],
    value: columns.value[i],
    time: columns.time[i],
  }));
}

function expectedRows(events: StoredEvent[], property: string | undefined) {
  return events.map((event) => {
    const value = property === undefined ? undefined : event.properties[property];
    return {
      entityId: event.entityId,
      targetEntityId: event.targetEntityId,
      event: event.event,
      value: typeof value === 'number' ? value : Number.NaN,
      time: event.eventTime.getTime(),
    };
  });
}

const base = Date.UTC(2024, 0, 1);
function sampleEvents(count: number): EventInput[] {
  return Array.from({ length: count }, (_, i): EventInput => ({
    event: i % 7 === 0 ? 'buy' : i % 11 === 0 ? 'view' : 'rate',
    entityType: i % 13 === 0 ? 'shop' : 'user',
    entityId: `u${i % 37}-é`,
    targetEntityType: i % 17 === 0 ? undefined : 'item',
    targetEntityId: i % 17 === 0 ? undefined : `i${(i * 7) % 101}`,
    properties: i % 19 === 0 ? { rating: 'five' } : i % 23 === 0 ? {} : { rating: (i % 5) + 0.5, rating2: i },
    // Before and after 2000 (negative microseconds), millisecond precision.
    eventTime: new Date(i % 29 === 0 ? Date.UTC(1990, 5, 1, 0, 0, 0, i) : base + i * 1_003),
    eventTimeZone: 'UTC',
  }));
}

describe('events.readColumns (binary COPY TO into typed arrays)', () => {
  it('reads the same rows as find, with the filters in SQL', async () => {
    const scope = await freshScope();
    await fixture.storage.events.importStream(scope, sampleEvents(3_000));
    const queries: ColumnQuery[] = [
      {},
      { entityType: 'user', eventNames: ['rate', 'buy'], targetEntityType: 'item', numericProperty: 'rating' },
      { eventNames: ['view'], targetEntityType: null },
      { entityType: 'user', startTime: new Date(base + 500_000), untilTime: new Date(base + 1_500_000), numericProperty: 'rating2' },
      { entityId: "u3-é", numericProperty: "it's" },
    ];
    for (const query of queries) {
      const found = await fixture.storage.events.find(scope, query);
      const columns = await fixture.storage.events.readColumns(scope, { ...query, ordered: true });
      expect(columns.size).toBe(found.length);
      expect(rowsOf(columns)).toEqual(expectedRows(found, query.numericProperty));
      // Only distinct ids become strings.
      expect(new Set(columns.entityIds).size).toBe(columns.entityIds.length);
      expect(columns.entityIds.length).toBe(new Set(found.map((event) => event.entityId)).size);
    }
    // Unordered: the same rows in the table's order.
    const unordered = await fixture.storage.events.readColumns(scope, { numericProperty: 'rating' });
    const sortKey = (row: ReturnType<typeof rowsOf>[number]) => JSON.stringify(row);
    expect(rowsOf(unordered).map(sortKey).sort()).toEqual(expectedRows(await fixture.storage.events.find(scope), 'rating').map(sortKey).sort());
  });

  it('reads an empty table and switches event codes to Int32Array past 255 names', async () => {
    const scope = await freshScope();
    const empty = await fixture.storage.events.readColumns(scope);
    expect(empty.size).toBe(0);
    expect(empty.entityIds).toEqual([]);
    await fixture.storage.events.importStream(
      scope,
      Array.from({ length: 300 }, (_, i) => ({ event: `e${i}`, entityType: 'user', entityId: 'u', eventTime: new Date(base + i), eventTimeZone: 'UTC' })),
    );
    const columns = await fixture.storage.events.readColumns(scope, { ordered: true });
    expect(columns.event).toBeInstanceOf(Int32Array);
    expect(Array.from(columns.event)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(columns.eventNames[299]).toBe('e299');
  });

  it('reads numbers beyond a double as JSON.parse does, without failing the COPY', async () => {
    const scope = await freshScope();
    const texts = ['1e400', '-1e400', '1e-400', '-0', '0.1', '12345678901234567890', '-3.5', '0.30000000000000004', '123456789012.345', '4', '2.5E1'];
    for (const [i, text] of texts.entries()) {
      await fixture.sql(
        `INSERT INTO pio_event_${scope.appId} (id, event, entitytype, entityid, properties, eventtime, eventtimezone, creationtimezone)
         VALUES ($1, 'rate', 'user', 'u', $2, $3, 'UTC', 'UTC')`,
        [`id${i}`, `{"rating": ${text}}`, `2024-01-01 00:00:${String(i).padStart(2, '0')}`],
      );
    }
    const columns = await fixture.storage.events.readColumns(scope, { numericProperty: 'rating', ordered: true });
    expect(Array.from(columns.value)).toEqual(texts.map((text) => JSON.parse(text) as number));
  });

  it('fails with the database error when PostgreSQL fails the COPY, as find does, and the pool keeps working', async () => {
    const scope = await freshScope();
    await fixture.sql(
      `INSERT INTO pio_event_${scope.appId} (id, event, entitytype, entityid, properties, eventtime, eventtimezone, creationtimezone)
       VALUES ('bad', 'rate', 'user', 'u', 'not json', now(), 'UTC', 'UTC')`,
    );
    for (let round = 0; round < 3; round++) {
      await expect(fixture.storage.events.readColumns(scope, { numericProperty: 'rating' })).rejects.toThrow(/invalid input syntax for type json/);
    }
    expect((await fixture.storage.events.readColumns(scope)).size).toBe(1);
  });

  it('explains a missing table as find does', async () => {
    await expect(fixture.storage.events.readColumns({ appId: 999_999 })).rejects.toBeInstanceOf(MissingEventTableError);
  });
});

describe('BinaryCopyTuples', () => {
  it('decodes tuples split at every byte boundary', () => {
    const header = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    const tuple = (a: string, b: string | null) => {
      const parts = [Buffer.from([0, 2])];
      for (const value of [a, b]) {
        const length = Buffer.alloc(4);
        length.writeInt32BE(value === null ? -1 : Buffer.byteLength(value));
        parts.push(length, Buffer.from(value ?? ''));
      }
      return Buffer.concat(parts);
    };
    const data = Buffer.concat([header, tuple('ab', 'c'), tuple('', null), tuple('xyz', 'w'), Buffer.from([0xff, 0xff])]);
    for (let split = 1; split < data.length; split++) {
      const reader = new BinaryCopyTuples(2);
      const seen: Array<[string, string | null]> = [];
      const onTuple = ({ buffer, start, length }: CopyTuple) => {
        const field = (i: number) => ((length[i] as number) < 0 ? null : buffer.toString('utf8', start[i], (start[i] as number) + (length[i] as number)));
        seen.push([field(0) as string, field(1)]);
      };
      reader.push(data.subarray(0, split), onTuple);
      reader.push(data.subarray(split), onTuple);
      reader.finish();
      expect(seen).toEqual([['ab', 'c'], ['', null], ['xyz', 'w']]);
    }
  });

  it('refuses data without its trailer', () => {
    const reader = new BinaryCopyTuples(1);
    reader.push(Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]), () => {});
    expect(() => reader.finish()).toThrow(/trailer/);
  });
});
