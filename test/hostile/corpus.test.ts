import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineTestContext, deploy, descendantPids, query, type DeployedEngine, type EngineTestContext } from '../engine/helpers.js';
import { createAppWithKey, http, type TestApp } from '../eventserver/helpers.js';
import { startEventServerProcess, type EventServerProcess } from '../observability/helpers.js';
import { hostileCases, importCases, resolveCase, type HostileCase } from '../../bench/reliability/corpus.mjs';
import { runCases, samplePeakRss, statusClass } from '../../bench/reliability/send.mjs';

/**
 * The hostile corpus against the real servers as the platform runs them (`pio eventserver`, and
 * `pio deploy` under the heap cap `pio-deploy web` gives a 512 MB dyno), over real sockets and real
 * PostgreSQL: every case answers its expected class (never a 5xx), no process dies, memory stays bounded,
 * and both servers still answer correctly afterwards.
 */
const HEAP_CAP_MB = 192;
const EVENT_SERVER_RSS_MB = 150;
const SERVER_KEY = 'hostile-server-key';

let ctx: EngineTestContext;
let app: TestApp;
let engine: DeployedEngine;
let eventServer: EventServerProcess;


beforeAll(async () => {
  ctx = await createEngineTestContext();
  await ctx.observe([1, 2, 3]);
  const train = await ctx.run(['train']);
  expect(train.exitCode, train.stdout + train.stderr).toBe(0);
  app = await createAppWithKey(ctx.storage, 'hostile');
  engine = await deploy(ctx, ['--', '--driver-memory', `${HEAP_CAP_MB}m`], { env: { PIO_SERVER_ACCESS_KEY: SERVER_KEY } });
  eventServer = await startEventServerProcess(ctx, {}, ['--stats']);
}, 120_000);

afterAll(async () => {
  await engine?.kill();
  if (eventServer?.process.exitCode === null) eventServer.process.kill('SIGKILL');
  await eventServer?.process.catch(() => undefined);
  await ctx?.close();
});

const known = { event: 'known', entityType: 'user', entityId: 'after-the-corpus' };

describe('the hostile corpus', () => {
  it('answers every request with its expected class, never a 5xx, within bounded memory, and still serves', async () => {
    const cases = hostileCases();
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const answerBefore = await query(engine.url, '{"offset": 1}');
    expect(answerBefore.status).toBe(200);
    const servingPid = (await descendantPids(engine.process.pid!)).at(-1) ?? engine.process.pid!;
    const rss = samplePeakRss(() => ({ event: eventServer.process.pid!, engine: servingPid }));
    const results = await runCases(
      cases.map((c) => resolveCase(c, { key: app.key, serverKey: SERVER_KEY })),
      (c: HostileCase) => (c.server === 'event' ? eventServer.url : engine.url),
      4,
    );
    const peaks = await rss.stop();

    const unexpected = results
      .filter((r) => statusClass(r.status) !== r.case.expect)
      .map((r) => `${r.case.server} ${r.case.method} ${r.case.family}: expected ${r.case.expect}, got ${r.status} ${r.error ?? r.text.slice(0, 160)}`);
    expect(unexpected).toEqual([]);
    const undocumented5xx = results.filter((r) => r.status >= 500 && r.case.documented === undefined);
    expect(undocumented5xx.map((r) => r.case.family)).toEqual([]);
    expect(eventServer.process.exitCode, eventServer.output()).toBeNull();
    expect(engine.process.exitCode, engine.output()).toBeNull();
    expect(peaks.event, `Event Server peak RSS ${peaks.event?.toFixed(0)} MB`).toBeLessThan(EVENT_SERVER_RSS_MB);
    expect(peaks.engine, `engine server peak RSS ${peaks.engine?.toFixed(0)} MB`).toBeLessThan(HEAP_CAP_MB);

    // Correct answers afterwards: a known event posted and read back as stored, a known query answered.
    const posted = await http('POST', `${eventServer.url}/events.json?accessKey=${app.key}`, { raw: '{"event":"known","entityType":"user","entityId":"after-the-corpus","properties":{"rating":4.0}}' });
    expect(posted.status).toBe(201);
    const { eventId } = posted.json as { eventId: string };
    const read = await http('GET', `${eventServer.url}/events/${eventId}.json?accessKey=${app.key}`);
    expect(read.status).toBe(200);
    expect(read.text).toContain('"properties":{"rating":4.0}');
    expect(read.json).toMatchObject({ ...known, eventId, properties: { rating: 4 } });
    const answerAfter = await query(engine.url, '{"offset": 1}');
    expect(answerAfter.status).toBe(200);
    expect(answerAfter.text).toBe(answerBefore.text);
  }, 120_000);
});

describe('pio import of hostile lines', () => {
  it('rejects each with its line number and imports nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pio-hostile-import-'));
    const target = await createAppWithKey(ctx.storage, 'hostile-import');
    try {
      const failures: string[] = [];
      const cases = importCases();
      let next = 0;
      const worker = async () => {
        while (next < cases.length) {
          const index = next++;
          const c = cases[index]!;
          const input = join(dir, `case-${index}.json`);
          await writeFile(input, `{"event":"ok","entityType":"user","entityId":"first"}\n${c.line}\n{"event":"ok","entityType":"user","entityId":"last"}\n`);
          const result = await ctx.run(['import', '--appid', String(target.appId), '--input', input], { cwd: dir });
          const first = result.lines[0] ?? '';
          if (result.exitCode !== 1 || !first.startsWith('[ERROR] [FileToEvents$] line 2: ') || !result.stdout.includes('Nothing was imported.')) {
            failures.push(`${c.family}: exit ${result.exitCode}, ${first.slice(0, 200)} ${result.stderr.slice(0, 200)}`);
          }
        }
      };
      await Promise.all([worker(), worker()]);
      expect(failures).toEqual([]);
      const table = ctx.storage.events.tableName({ appId: target.appId });
      expect(await ctx.query(`SELECT 1 FROM ${table}`)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
