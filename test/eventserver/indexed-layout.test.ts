import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPio } from '../pio/helpers.js';
import { http, startTestEventServer, storageEnv, type TestEventServer } from './helpers.js';

// The INDEX=enabled layout (the platform's default) stores event, entityType and entityId in
// varchar(255) columns: a longer one is the client's mistake (400 naming the field and the limit), not
// a 500 from PostgreSQL's "value too long"; the text layout has no such limit.
const INDEXED = { PIO_STORAGE_SOURCES_PGSQL_INDEX: 'enabled' };
let server: TestEventServer;
let url: (path: string) => string;

beforeAll(async () => {
  server = await startTestEventServer({}, INDEXED);
  url = (path) => `${server.baseUrl}${path}?accessKey=${server.main.key}`;
});
afterAll(async () => {
  await server?.close();
});

const base = { event: 'view', entityType: 'user', entityId: 'u1', targetEntityType: 'item', targetEntityId: 'i1' };
const stored = async () => (await server.storage.events.find({ appId: server.main.appId })).length;

describe('event keys longer than the indexed layout stores', () => {
  it.each([['event'], ['entityType'], ['entityId']])('answers a 256-character %s 400 and stores nothing', async (field) => {
    const before = await stored();
    const response = await http('POST', url('/events.json'), { raw: JSON.stringify({ ...base, [field]: 'k'.repeat(256) }) });
    expect(response.status).toBe(400);
    expect((response.json as { message: string }).message).toBe(
      `The field ${field} is 256 characters long; the event table stores at most 255 (varchar(255) with PIO_STORAGE_SOURCES_PGSQL_INDEX=enabled)`,
    );
    expect(await stored()).toBe(before);
  });

  it('stores 255 characters, and answers the long one of a batch 400 alone', async () => {
    const fits = await http('POST', url('/events.json'), { raw: JSON.stringify({ ...base, entityId: 'k'.repeat(255) }) });
    expect(fits.status).toBe(201);
    const batch = await http('POST', url('/batch/events.json'), { raw: JSON.stringify([base, { ...base, entityId: 'k'.repeat(300) }, base]) });
    expect(batch.status).toBe(200);
    expect((batch.json as Array<{ status: number }>).map((result) => result.status)).toEqual([201, 400, 201]);
  });

  it('is refused by pio import before anything is imported, naming the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pio-indexed-import-'));
    try {
      const file = join(dir, 'events.json');
      await writeFile(file, [base, { ...base, entityType: 't'.repeat(256) }].map((e) => JSON.stringify(e)).join('\n'));
      const before = await stored();
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...storageEnv(server.database.url, dir), ...INDEXED };
      const result = await runPio(['import', '--appid', String(server.main.appId), '--input', file], { env });
      expect(result.exitCode).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/line 2.*The field entityType is 256 characters long; the event table stores at most 255/s);
      expect(result.stdout + result.stderr).toContain('Nothing was imported.');
      expect(await stored()).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
