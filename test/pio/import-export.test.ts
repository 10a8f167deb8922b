import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createPioTestContext, type PioTestContext } from './helpers.js';

let ctx: PioTestContext;
let dir: string;
beforeAll(async () => {
  ctx = await createPioTestContext();
  dir = await mkdtemp(join(tmpdir(), 'pio-import-test-'));
});
afterAll(async () => {
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

const EVENTS = [
  '{"event":"$set","entityType":"user","entityId":"u1","properties":{"age":30,"score":4.0,"tags":["a","b"]},"eventTime":"2014-11-01T09:39:45.618-08:00"}',
  '{"eventId":"fixedid1","event":"rate","entityType":"user","entityId":3,"targetEntityType":"item","targetEntityId":"i1","properties":{"rating":4.5},"eventTime":"2014-11-02T09:39:45.618123+0530","prId":"pr-1"}',
  '',
  '   ',
  '{"event":"view","entityType":"user","entityId":"u2","targetEntityType":"item","targetEntityId":"i2","eventTime":"2004-12-13T21:39:45Z","tags":["x"],"creationTime":"2000-01-01T00:00:00Z"}\r',
  '{"event":"$unset","entityType":"user","entityId":"u1","properties":{"age":null},"eventTime":"2015-01-01T00:00:00.000+00:00"}',
];

async function writeLines(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const rowCount = async (table: string) => (await ctx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

describe('pio import', () => {
  it('imports every line in one go and prints upstream lines', async () => {
    const app = await createApp(ctx, 'Import1');
    const input = await writeLines('events.json', EVENTS);
    const before = Date.now();
    const result = await ctx.pio(['import', '--appid', String(app.id), '--input', input, '--', '--conf', 'spark.x=y']);
    expect(result.exitCode).toBe(0);
    expect(result.lines.slice(-2)).toEqual(['[INFO] [FileToEvents$] Events are imported.', '[INFO] [FileToEvents$] Done.']);
    expect(result.lines[0]).toMatch(/^\[INFO\] \[FileToEvents\$\] Imported 4 event\(s\) in /);
    expect(result.stderr).toBe('');
    const rows = await ctx.query<Record<string, unknown>>(
      `SELECT id, event, entitytype, entityid, targetentitytype, targetentityid, properties, to_char(eventtime, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS eventtime,
              eventtimezone, tags, prid, to_char(creationtime, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS creationtime, creationtimezone FROM pio_event_${app.id} ORDER BY eventtime`,
    );
    expect(rows).toHaveLength(4);
    const [view, set, rate, unset] = rows;
    expect(view).toMatchObject({ event: 'view', targetentityid: 'i2', properties: null, tags: null, eventtime: '2004-12-13T21:39:45.000', eventtimezone: 'UTC' });
    expect(set).toMatchObject({ properties: '{"age":30,"score":4.0,"tags":["a","b"]}', eventtime: '2014-11-01T17:39:45.618', eventtimezone: '-08:00' });
    expect(rate).toMatchObject({ id: 'fixedid1', entityid: '3', prid: 'pr-1', eventtimezone: '+05:30', properties: '{"rating":4.5}' });
    expect(unset).toMatchObject({ properties: '{"age":null}', eventtimezone: 'UTC' });
    expect(set!.id).toMatch(/^[0-9a-f]{32}$/);
    for (const row of rows) {
      expect(row.creationtimezone).toBe('UTC');
      // creationTime is the import time, not the line's creationTime (stored as UTC wall clock).
      const created = new Date(`${row.creationtime as string}Z`).getTime();
      expect(Math.abs(created - before)).toBeLessThan(5 * 60_000);
    }
  });

  it('a malformed line fails the whole import with its line number; nothing is stored', async () => {
    const app = await createApp(ctx, 'Import2');
    const lines = Array.from({ length: 120 }, (_, i) => `{"event":"view","entityType":"user","entityId":"u${i}"}`);
    lines.splice(99, 0, '{"event":"view","entityType":"user",');
    const input = await writeLines('bad-json.json', lines);
    const result = await ctx.pio(['import', '--appid', String(app.id), '--input', input]);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toMatch(/^\[ERROR\] \[FileToEvents\$\] line 100: malformed JSON \(.+\)$/);
    expect(result.lines[1]).toBe('[ERROR] [FileToEvents$] Nothing was imported.');
    expect(await rowCount(`pio_event_${app.id}`)).toBe(0);
  });

  it('an invalid event reports upstream’s message for its line; nothing is stored', async () => {
    const app = await createApp(ctx, 'Import3');
    const cases: Array<[string, string]> = [
      ['{"event":"$bad","entityType":"user","entityId":"1"}', 'java.lang.IllegalArgumentException: requirement failed: $bad is not a supported reserved event name.'],
      ['{"event":"view","entityType":"user"}', 'org.apache.predictionio.data.storage.DataMapException: The field entityId is required.'],
      ['{"event":"view","entityType":"user","entityId":"1","eventTime":"2014-11-01T09:39:45"}', 'org.json4s.package$MappingException: Fail to extract eventTime 2014-11-01T09:39:45'],
      [`{"eventId":"${'x'.repeat(33)}","event":"view","entityType":"user","entityId":"1"}`, `eventId "${'x'.repeat(33)}" is longer than 32 characters`],
      ['{"eventId":"first","event":"view","entityType":"user","entityId":"1"}', 'eventId "first" appears twice (first on line 1)'],
    ];
    for (const [line, message] of cases) {
      const input = await writeLines('invalid.json', ['{"eventId":"first","event":"ok","entityType":"user","entityId":"1"}', line]);
      const result = await ctx.pio(['import', '--appid', String(app.id), '--input', input]);
      expect(result.exitCode).toBe(1);
      expect(result.lines[0]).toBe(`[ERROR] [FileToEvents$] line 2: ${message}`);
    }
    expect(await rowCount(`pio_event_${app.id}`)).toBe(0);
  });

  it('unknown app, unknown channel and missing input are errors', async () => {
    const app = await createApp(ctx, 'Import4');
    const input = await writeLines('one.json', [EVENTS[0]!]);
    const channel = await ctx.pio(['import', '--appid', String(app.id), '--channel', 'nope', '--input', input]);
    expect(channel.exitCode).toBe(1);
    expect(channel.lines).toEqual(["[ERROR] [FileToEvents$] Channel nope doesn't exist in this app."]);
    const unknownApp = await ctx.pio(['import', '--appid', '9999', '--input', input]);
    expect(unknownApp.exitCode).toBe(1);
    expect(unknownApp.lines).toEqual(['[ERROR] [FileToEvents$] App ID 9999 does not exist.']);
    const missing = await ctx.pio(['import', '--appid', String(app.id), '--input', join(dir, 'missing.json')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.lines).toEqual([`[ERROR] [FileToEvents$] Input path ${join(dir, 'missing.json')} does not exist.`]);
    const badAppId = await ctx.pio(['import', '--appid', 'one', '--input', input]);
    expect(badAppId.exitCode).toBe(1);
    expect(badAppId.stderr).toContain('--appid must be a non-negative integer.');
  });

  it('imports into a channel, and reads a directory of part files', async () => {
    const app = await createApp(ctx, 'Import5');
    await ctx.pio(['app', 'channel-new', 'Import5', 'side']);
    const [channel] = await ctx.query<{ id: number }>('SELECT id FROM pio_meta_channels WHERE appid = $1', [app.id]);
    const parts = join(dir, 'parts');
    await mkdir(parts);
    await writeFile(join(parts, 'part-00000'), `${EVENTS[0]}\n`);
    await writeFile(join(parts, 'part-00001'), `${EVENTS[1]}\n`);
    await writeFile(join(parts, '_SUCCESS'), 'not json');
    await writeFile(join(parts, '.part-00000.crc'), 'not json');
    const result = await ctx.pio(['import', '--appid', String(app.id), '--channel', 'side', '--input', parts]);
    expect(result.exitCode).toBe(0);
    expect(await rowCount(`pio_event_${app.id}_${channel!.id}`)).toBe(2);
    expect(await rowCount(`pio_event_${app.id}`)).toBe(0);
  });
});

describe('pio export', () => {
  it('writes part-00000 and _SUCCESS; import → export → import → export is identical but for creationTime', async () => {
    const source = await createApp(ctx, 'Export1');
    const input = await writeLines('roundtrip.json', [
      ...EVENTS,
      '{"event":"buy","entityType":"user","entityId":"u9","targetEntityType":"item","targetEntityId":"i9","properties":{"big":12345678901234567890,"e":1e-7,"s":"\\u00e9\\"\\n","nested":{"a":[1,2.50,null,true]}},"eventTime":"2019-07-15T12:00:00.5-07:00"}',
    ]);
    expect((await ctx.pio(['import', '--appid', String(source.id), '--input', input])).exitCode).toBe(0);

    const firstOut = join(dir, 'export-1');
    const exported = await ctx.pio(['export', '--appid', String(source.id), '--output', firstOut]);
    expect(exported.exitCode).toBe(0);
    expect(exported.lines).toEqual([
      `[INFO] [EventsToFile$] Events are exported to ${firstOut}/.`,
      '[INFO] [EventsToFile$] Done.',
    ]);
    expect((await readdir(firstOut)).sort()).toEqual(['_SUCCESS', 'part-00000']);
    const first = (await readFile(join(firstOut, 'part-00000'), 'utf8')).trimEnd().split('\n');
    expect(first).toHaveLength(5);
    const buy = first.find((line) => line.includes('"buy"'));
    expect(buy).toMatch(
      /^\{"eventId":"[0-9a-f]{32}","event":"buy","entityType":"user","entityId":"u9","targetEntityType":"item","targetEntityId":"i9","properties":\{"big":12345678901234567890,"e":1\.0E-7,"s":"é\\"\\n","nested":\{"a":\[1,2\.5,null,true\]\}\},"eventTime":"2019-07-15T12:00:00\.500-07:00","creationTime":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$/,
    );
    expect(first.find((line) => line.includes('fixedid1'))).toMatch(
      /^\{"eventId":"fixedid1","event":"rate","entityType":"user","entityId":"3","targetEntityType":"item","targetEntityId":"i1","properties":\{"rating":4\.5\},"eventTime":"2014-11-02T09:39:45\.618\+05:30","prId":"pr-1","creationTime":/,
    );

    const copy = await createApp(ctx, 'Export2');
    expect((await ctx.pio(['import', '--appid', String(copy.id), '--input', firstOut])).exitCode).toBe(0);
    const secondOut = join(dir, 'export-2');
    expect((await ctx.pio(['export', '--appid', String(copy.id), '--output', secondOut])).exitCode).toBe(0);
    const second = (await readFile(join(secondOut, 'part-00000'), 'utf8')).trimEnd().split('\n');
    const withoutCreationTime = (lines: string[]) => lines.map((line) => line.replace(/,"creationTime":"[^"]+"\}$/, '}')).sort();
    expect(withoutCreationTime(second)).toEqual(withoutCreationTime(first));
  });

  it('exports a channel; refuses an existing output path and an unknown channel', async () => {
    const app = await createApp(ctx, 'Export3');
    await ctx.pio(['app', 'channel-new', 'Export3', 'ch']);
    const input = await writeLines('channel.json', [EVENTS[0]!]);
    await ctx.pio(['import', '--appid', String(app.id), '--channel', 'ch', '--input', input]);
    const out = join(dir, 'export-3');
    const result = await ctx.pio(['export', '--appid', String(app.id), '--channel', 'ch', '--output', out]);
    expect(result.exitCode).toBe(0);
    expect((await readFile(join(out, 'part-00000'), 'utf8')).split('\n')).toHaveLength(2);
    const again = await ctx.pio(['export', '--appid', String(app.id), '--output', out]);
    expect(again.exitCode).toBe(1);
    expect(again.lines).toEqual([
      `[ERROR] [EventsToFile$] Output path ${out} already exists. Choose a new --output directory.`,
    ]);
    const unknown = await ctx.pio(['export', '--appid', String(app.id), '--channel', 'zz', '--output', join(dir, 'x')]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.lines).toEqual(["[ERROR] [EventsToFile$] Channel zz doesn't exist in this app."]);
    expect((await readdir(dir)).filter((name) => name.startsWith('x'))).toEqual([]);
  });
});
