import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEventJson } from '../../src/native/events/index.js';
import { decodeImportFiles } from '../../src/native/pio/import-lines.js';
import { openStorage, resolveStorageSettings, type Storage } from '../../src/native/storage/index.js';
import { toUtcWallClock } from '../../src/native/storage/timestamps.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

/**
 * What `pio import`'s rows (binary COPY from the fast path or the complete decoder) store in PostgreSQL:
 * column for column the values of the event model, byte-exact properties, UTC wall-clock timestamps.
 */

let db: TestDatabase;
let storage: Storage;
let sql: pg.Client;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase('pio_import_copy');
  storage = await openStorage(resolveStorageSettings({ DATABASE_URL: db.url, PIO_POSTGRES_OPTIONAL_SSL: 'true', PIO_HOME: tmpdir() }));
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  dir = await mkdtemp(join(tmpdir(), 'pio-import-copy-'));
});
afterAll(async () => {
  await storage?.close();
  await sql?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const LINES = [
  '{"eventId":"plain","event":"rate","entityType":"user","entityId":"u1","targetEntityType":"item","targetEntityId":"i1","properties":{"rating":4},"eventTime":"2020-01-01T00:01:02.003Z","prId":"p"}',
  '{"eventId":"double","event":"rate","entityType":"user","entityId":"u2","properties":{"rating":4.0,"big":123456789012345678901,"e":1e2}}',
  '{"eventId":"unicode","event":"view","entityType":"user","entityId":"Zoë 😀 漢","properties":{"note":"tab\\there\\nnew\\\\back\\"quote","k\\u00e9y":"\\u2028"}}',
  '{"eventId":"zoned","event":"view","entityType":"user","entityId":"u3","eventTime":"2014-11-02T09:39:45.618-08:00"}',
  '{"eventId":"micros","event":"view","entityType":"user","entityId":"u4","eventTime":"2014-11-02T09:39:45.123456+05:30"}',
  '{"eventId":"early","event":"view","entityType":"user","entityId":"u5","eventTime":"0099-12-31T23:59:59.999Z"}',
  '{"eventId":"late","event":"view","entityType":"user","entityId":"u6","eventTime":"9999-12-31T23:59:59.999Z"}',
  '{"eventId":"set","event":"$set","entityType":"user","entityId":"u7","properties":{}}',
  '{"eventId":"unset","event":"$unset","entityType":"user","entityId":"u7","properties":{"a":null}}',
  '{"eventId":"coerced","event":"rate","entityType":"user","entityId":1.50,"targetEntityType":"item","targetEntityId":12345678901234567890}',
];

describe('pio import rows in PostgreSQL', () => {
  it('stores every column as the event model decodes it', async () => {
    const file = join(dir, 'events.json');
    await writeFile(file, `${LINES.join('\r\n')}\r\n\r\n`);
    const scope = { appId: 1 };
    await storage.events.init(scope);
    const before = Date.now();
    async function* rows() {
      for await (const chunk of decodeImportFiles([file], 256)) yield* chunk.rows;
    }
    await storage.events.importRows(scope, rows());
    // The planner has statistics for the new rows at once (a history read is an index look-up, not a scan).
    const analyzed = await sql.query<{ analyzed: boolean }>(
      `SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'pio_event_1'`,
    );
    expect(analyzed.rows[0]?.analyzed).toBe(true);
    const stored = await sql.query<Record<string, unknown>>(
      `SELECT id, event, entitytype, entityid, targetentitytype, targetentityid, properties, eventtime::text AS eventtime,
              eventtimezone, tags, prid, creationtime::text AS creationtime, creationtimezone FROM pio_event_1`,
    );
    const byId = new Map(stored.rows.map((row) => [row.id as string, row]));
    expect(byId.size).toBe(LINES.length);
    for (const line of LINES) {
      const event = decodeEventJson(line);
      const row = byId.get(event.eventId!);
      const { creationtime, ...columns } = row!;
      expect(columns, line).toEqual({
        id: event.eventId,
        event: event.event,
        entitytype: event.entityType,
        entityid: event.entityId,
        targetentitytype: event.targetEntityType ?? null,
        targetentityid: event.targetEntityId ?? null,
        properties: event.propertiesText === '{}' ? null : event.propertiesText,
        // Without an eventTime it is the time of receipt; PostgreSQL prints no trailing zeros in the fraction.
        eventtime: line.includes('eventTime') ? toUtcWallClock(event.eventTime).replace(/\.?0+$/, '') : creationtime,
        eventtimezone: event.eventTimeZone,
        tags: null,
        prid: event.prId ?? null,
        creationtimezone: 'UTC',
      });
      expect(Date.parse(`${(creationtime as string).replace(' ', 'T')}Z`)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    }
    expect(byId.get('double')!.properties).toBe('{"rating":4.0,"big":123456789012345678901,"e":100.0}');
    expect(byId.get('coerced')).toMatchObject({ entityid: '1.5', targetentityid: '12345678901234567890' });
    // Read back through storage: the same events, also for the early and late years.
    const read = await storage.events.find(scope, {});
    expect(read.map((event) => [event.eventId, event.eventTime.toISOString()])).toContainEqual(['early', '0099-12-31T23:59:59.999Z']);
    expect(read.map((event) => [event.eventId, event.eventTime.toISOString()])).toContainEqual(['late', '9999-12-31T23:59:59.999Z']);
  });

  it('rolls back everything when a line fails after rows were already sent', async () => {
    const file = join(dir, 'bad.json');
    const good = Array.from({ length: 3000 }, (_, i) => `{"event":"view","entityType":"user","entityId":"u${i}"}`);
    await writeFile(file, `${good.join('\n')}\n{"event":"view"}\n`);
    const scope = { appId: 2 };
    await storage.events.init(scope);
    async function* rows() {
      for await (const chunk of decodeImportFiles([file], 4096)) yield* chunk.rows;
    }
    await expect(storage.events.importRows(scope, rows())).rejects.toThrow(
      'line 3001: org.apache.predictionio.data.storage.DataMapException: The field entityType is required.',
    );
    expect(await storage.events.count(scope)).toBe(0);
  });
});
