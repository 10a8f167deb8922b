import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePeakRss } from '../../bench/reliability/send.mjs';
import { createEngineTestContext, type EngineTestContext } from '../engine/helpers.js';
import { startEventServerProcess, type EventServerProcess } from '../observability/helpers.js';
import { createAppWithKey, type TestApp } from './helpers.js';
import { buildEventServer } from '../../src/native/eventserver/app.js';

// The cost of `GET /events.json?limit=-1` on a large app: before streaming, 1M events took 2.5 GB of RSS
// and stalled every other request for up to 14.7 s. Streamed from a cursor, the real `pio eventserver`
// stays within the RSS a 512 MB dyno's Event Server is held to, and no turn of its event loop is long.
const EVENTS = 200_000;
const EVENT_SERVER_RSS_MB = 150;
let ctx: EngineTestContext;
let app: TestApp;
let eventServer: EventServerProcess;

beforeAll(async () => {
  ctx = await createEngineTestContext();
  app = await createAppWithKey(ctx.storage, 'streamed');
  const scope = { appId: app.appId };
  await ctx.storage.events.init(scope);
  const base = Date.UTC(2020, 0, 1);
  for (let start = 0; start < EVENTS; start += 20_000) {
    const batch = Array.from({ length: 20_000 }, (_, i) => ({
      event: 'view',
      entityType: 'user',
      entityId: `u${(start + i) % 5000}`,
      targetEntityType: 'item',
      targetEntityId: `i${(start + i) % 997}`,
      properties: { n: start + i, note: 'x'.repeat(40) },
      eventTime: new Date(base + (start + i) * 1000),
    }));
    await ctx.storage.events.insertBatch(scope, batch);
  }
  eventServer = await startEventServerProcess(ctx);
}, 120_000);

afterAll(async () => {
  await eventServer?.stop();
  await ctx?.close();
});

/** Reads a whole HTTP answer over a raw socket and throws the bytes away; resolves with its size. */
function drain(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('end', () => resolve(bytes));
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

describe(`a streamed find of all ${EVENTS} events of an app`, () => {
  it(`keeps the real pio eventserver under ${EVENT_SERVER_RSS_MB} MB RSS while it sends them`, async () => {
    const rss = samplePeakRss(() => ({ server: eventServer.pid }), 20);
    const bytes = await drain(eventServer.port, `/events.json?accessKey=${app.key}&limit=-1`);
    const peak = (await rss.stop()).server ?? Number.NaN;
    console.log(`streamed ${(bytes / 2 ** 20).toFixed(1)} MB; pio eventserver peak RSS ${peak.toFixed(0)} MB`);
    // Every event went out (about 290 bytes each as JSON), more than the server could have held at once.
    expect(bytes).toBeGreaterThan(EVENTS * 250);
    expect(peak).toBeLessThan(EVENT_SERVER_RSS_MB);
  }, 120_000);

  it('never blocks the event loop for 50 ms while it sends them', async () => {
    const server = await buildEventServer({ storage: ctx.storage, accessKeyCacheMillis: 0 });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = server.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const bytes = await drain(port, `/events.json?accessKey=${app.key}&limit=-1`);
      delay.disable();
      expect(bytes).toBeGreaterThan(EVENTS * 250);
      const maxDelayMs = delay.max / 1e6;
      console.log(`longest event-loop delay while streaming: ${maxDelayMs.toFixed(1)} ms`);
      expect(maxDelayMs).toBeLessThan(50);
    } finally {
      await server.close();
    }
  }, 120_000);
});
