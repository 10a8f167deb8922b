import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyIn } from '../../src/native/storage/copy-in.js';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, CopyRowWriter, writeEventRow } from '../../src/native/storage/copy-rows.js';
import { createEventTable } from '../../src/native/storage/ddl.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

// copyIn sends the COPY command and its data in one write, before PostgreSQL said it is in COPY mode.
// These cases check the protocol stays in step when the COPY fails before or during the data.
let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase('pio_copy_in');
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  for (const statement of createEventTable('t', false)) await client.query(statement);
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

const eventTime = new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678));

function rows(...ids: string[]): Buffer[] {
  const writer = new CopyRowWriter(256);
  for (const id of ids) {
    writeEventRow(writer, { event: 'e', entityType: 'user', entityId: id, eventTime }, id, { emptyPropertiesAsNull: false });
  }
  return [COPY_BINARY_HEADER, ...writer.take(), COPY_BINARY_TRAILER];
}

const count = async () => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]?.n;

describe('pipelined COPY FROM STDIN', () => {
  it('stores every row and resolves with the row count after the commit', async () => {
    expect(await copyIn(client, 'COPY t FROM STDIN (FORMAT binary)', rows('a', 'b', 'c'))).toBe(3);
    const stored = await client.query<{ id: string; at: string }>(
      "SELECT id, to_char(eventtime, 'YYYY-MM-DD HH24:MI:SS.MS') AS at FROM t ORDER BY id",
    );
    expect(stored.rows).toEqual(['a', 'b', 'c'].map((id) => ({ id, at: '2020-01-02 03:04:05.678' })));
  });

  it('fails on a missing table and leaves the connection usable (the early data is dropped)', async () => {
    const error = await copyIn(client, 'COPY missing FROM STDIN (FORMAT binary)', rows('x')).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('42P01');
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('stores nothing of a batch with a bad row, and the connection goes on', async () => {
    const before = await count();
    const duplicate = await copyIn(client, 'COPY t FROM STDIN (FORMAT binary)', rows('d', 'a')).catch((e: unknown) => e);
    expect((duplicate as { code?: string }).code).toBe('23505');
    const tooLong = await copyIn(client, 'COPY t FROM STDIN (FORMAT binary)', rows('e', 'x'.repeat(33))).catch((e: unknown) => e);
    expect((tooLong as { code?: string }).code).toBe('22001');
    expect(await count()).toBe(before);
    expect(await copyIn(client, 'COPY t FROM STDIN (FORMAT binary)', rows('d', 'e'))).toBe(2);
    expect(await count()).toBe((before ?? 0) + 2);
  });

  it('rejects on a closed connection instead of waiting forever', async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    await other.end();
    await expect(copyIn(other, 'COPY t FROM STDIN (FORMAT binary)', rows('z'))).rejects.toThrow(/not queryable|ended|terminated/i);
  });
});
