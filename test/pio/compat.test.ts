import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createPioTestContext, runPio, tableExists, type PioTestContext } from './helpers.js';

/**
 * Where the native `pio` knowingly differs from Apache PredictionIO, and that it reads what upstream
 * wrote (COMPATIBILITY.md cites these tests by name). Every case runs the real bin/pio.
 */

let ctx: PioTestContext;
let dir: string;
beforeAll(async () => {
  ctx = await createPioTestContext();
  dir = await mkdtemp(join(tmpdir(), 'pio-compat-test-'));
});
afterAll(async () => {
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

const exportLines = async (appId: number, name: string): Promise<string[]> => {
  const out = join(dir, name);
  const result = await ctx.pio(['export', '--appid', String(appId), '--output', out]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  return (await readFile(join(out, 'part-00000'), 'utf8')).trimEnd().split('\n');
};

describe('pio export / import compatibility', () => {
  it("exports every event, also outside upstream's [1970, now + 1 year) window", async () => {
    const app = await createApp(ctx, 'Window');
    const input = join(dir, 'window.json');
    await writeFile(
      input,
      [
        '{"eventId":"before1970","event":"view","entityType":"user","entityId":"u1","eventTime":"1960-01-01T00:00:00.000Z"}',
        '{"eventId":"ordinary","event":"view","entityType":"user","entityId":"u1","eventTime":"2020-06-01T12:00:00.000Z"}',
        '{"eventId":"farfuture","event":"view","entityType":"user","entityId":"u1","eventTime":"2200-01-01T00:00:00.000+01:00"}',
      ].join('\n'),
    );
    expect((await ctx.pio(['import', '--appid', String(app.id), '--input', input])).exitCode).toBe(0);
    const lines = await exportLines(app.id, 'window-out');
    const times = Object.fromEntries(lines.map((line) => {
      const parsed = JSON.parse(line) as { eventId: string; eventTime: string };
      return [parsed.eventId, parsed.eventTime];
    }));
    expect(times).toEqual({
      before1970: '1960-01-01T00:00:00.000Z',
      ordinary: '2020-06-01T12:00:00.000Z',
      farfuture: '2200-01-01T00:00:00.000+01:00',
    });
  });

  it('exports rows written by Apache PredictionIO (named zone, NULL properties, tags) in the upstream representation', async () => {
    const app = await createApp(ctx, 'UpstreamRows');
    await ctx.query(
      `INSERT INTO pio_event_${app.id} (id, event, entitytype, entityid, targetentitytype, targetentityid, properties, eventtime,
         eventtimezone, tags, prid, creationtime, creationtimezone)
       VALUES ('upstream-1', 'rate', 'user', 'u9', 'item', 'i9', NULL, '2014-07-01 16:00:00', 'America/Los_Angeles', 'a,b', NULL,
         '2019-03-01 10:00:00.123', 'UTC')`,
    );
    const [line] = await exportLines(app.id, 'upstream-out');
    expect(line).toBe(
      '{"eventId":"upstream-1","event":"rate","entityType":"user","entityId":"u9","targetEntityType":"item","targetEntityId":"i9",' +
        '"properties":{},"eventTime":"2014-07-01T09:00:00.000-07:00","creationTime":"2019-03-01T10:00:00.123Z"}',
    );
  });

  it("reads lines in json4s-native's dialect (missing or trailing commas), and rejects what json4s rejects", async () => {
    const app = await createApp(ctx, 'Lenient');
    const input = join(dir, 'lenient.json');
    await writeFile(
      input,
      [
        '{"event":"view","entityType":"user","entityId":"u1"}',
        '{"event":"view","entityType":"user","entityId":"u2",}',
        '{"event":"view" "entityType":"user" "entityId":"u3" "properties":{"rating":4.0,}}',
      ].join('\n'),
    );
    const result = await ctx.pio(['import', '--appid', String(app.id), '--input', input]);
    expect(result.exitCode, result.stderr).toBe(0);
    const rows = await ctx.query(`SELECT entityid FROM pio_event_${app.id} ORDER BY entityid`);
    expect(rows.map((row) => row.entityid as string)).toEqual(['u1', 'u2', 'u3']);

    await writeFile(input, ['{"event":"view","entityType":"user","entityId":"u4"}', '{event:"view"}'].join('\n'));
    const refused = await ctx.pio(['import', '--appid', String(app.id), '--input', input]);
    expect(refused.exitCode).toBe(1);
    expect(refused.lines[0]).toMatch(/^\[ERROR\] \[FileToEvents\$\] line 2: malformed JSON \(/);
    expect(refused.lines).toContain('[ERROR] [FileToEvents$] Nothing was imported.');
    expect(await ctx.query(`SELECT id FROM pio_event_${app.id}`)).toHaveLength(3);
  });
});

describe('pio app / accesskey compatibility', () => {
  it('rejects a negative --id before touching storage; --id 0 means the next free id, as upstream', async () => {
    const negative = await ctx.pio(['app', 'new', '--id', '-3', 'Negative']);
    expect(negative.exitCode).toBe(1);
    expect(negative.stdout).toBe('');
    expect(negative.stderr).toContain('App ID must be a positive integer');
    expect(await ctx.query("SELECT id FROM pio_meta_apps WHERE name = 'Negative'")).toEqual([]);
    const zero = await createApp(ctx, 'ZeroId', ['--id', '0']);
    expect(zero.id).toBeGreaterThan(0);
  });

  it('rejects custom access keys longer than the 64-character column for app new and accesskey new', async () => {
    await createApp(ctx, 'LongKey');
    const tooLong = 'k'.repeat(65);
    const appNew = await ctx.pio(['app', 'new', '--access-key', tooLong, 'LongKey2']);
    expect(appNew.lines).toEqual(['[ERROR] [App$] The access key is longer than 64 characters. Aborting.']);
    const keyNew = await ctx.pio(['accesskey', 'new', '--key', tooLong, 'LongKey']);
    expect([keyNew.exitCode, keyNew.lines]).toEqual([1, ['[ERROR] [AccessKey$] The access key is longer than 64 characters. Aborting.']]);
    const exact = await ctx.pio(['accesskey', 'new', '--key', 'k'.repeat(64), 'LongKey']);
    expect(exact.exitCode).toBe(0);
  });

  it('treats a missing event table as already removed: delete and data-delete still succeed', async () => {
    const app = await createApp(ctx, 'NoTables');
    expect((await ctx.pio(['app', 'channel-new', 'NoTables', 'gone'])).exitCode).toBe(0);
    const [channel] = await ctx.query<{ id: number }>('SELECT id FROM pio_meta_channels WHERE appid = $1', [app.id]);
    await ctx.query(`DROP TABLE pio_event_${app.id}`);

    const dataDelete = await ctx.pio(['app', 'data-delete', 'NoTables', '--force']);
    expect(dataDelete.exitCode, dataDelete.stdout).toBe(0);
    expect(dataDelete.lines.slice(-2)).toEqual([
      `[INFO] [App$] Removed Event Store for the app ID: ${app.id}`,
      `[INFO] [App$] Initialized Event Store for the app ID: ${app.id}`,
    ]);
    expect(await tableExists(ctx, `pio_event_${app.id}`)).toBe(true);

    await ctx.query(`DROP TABLE pio_event_${app.id}_${channel!.id}`);
    await ctx.query(`DROP TABLE pio_event_${app.id}`);
    const deleted = await ctx.pio(['app', 'delete', 'NoTables', '--force']);
    expect(deleted.exitCode, deleted.stdout).toBe(0);
    expect(deleted.lines).toContain(`[INFO] [App$] Removed Event Store of the channel ID: ${channel!.id}`);
    expect(deleted.lines.slice(-2)).toEqual(['[INFO] [App$] Deleted app NoTables.', '[INFO] [App$] Done.']);
    expect(await ctx.query("SELECT id FROM pio_meta_apps WHERE name = 'NoTables'")).toEqual([]);
  });
});

describe('commands the native runtime does not have', () => {
  it.each([['run', 'org.example.Main'], ['dashboard'], ['adminserver'], ['unregister']])(
    'pio %s: usage error on stderr, exit 1, nothing on stdout',
    async (...args: string[]) => {
      const result = await runPio(args);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`unknown command '${args[0]}'`);
    },
  );
});
