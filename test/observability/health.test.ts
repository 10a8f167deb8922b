import Fastify from 'fastify';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { registerObservability } from '../../src/native/observability/http.js';
import { createEngineObservability } from '../../src/native/observability/engine-server.js';
import { observabilitySettings } from '../../src/native/observability/settings.js';
import type { ServingState } from '../../src/native/workflow/serving-state.js';
import type { Dyno } from '../../src/platform/dyno.js';
import { waitUntilUp } from '../../src/platform/pipeline.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

const runningDyno = { isRunning: () => true } as unknown as Dyno;

describe('health and readiness', () => {
  it('answers /healthz while /readyz says why it is not ready', async () => {
    const app = Fastify();
    let reason: string | undefined = 'the event store is unreachable: connect ECONNREFUSED';
    registerObservability(app, { settings: observabilitySettings({ PIO_METRICS: 'false' }, 'test'), registry: undefined, readiness: async () => reason });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'alive' });
    const notReady = await app.inject('/readyz');
    expect([notReady.statusCode, notReady.json()]).toEqual([503, { status: 'not ready', reason }]);
    reason = undefined;
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready' });
    expect((await app.inject('/metrics')).statusCode).toBe(404); // PIO_METRICS=false
    await app.close();
  });

  it('the web boot waits for /readyz to answer 200, and checks / where there is no /readyz', async () => {
    let readyAfter = 3;
    const native = await listen((req, res) => {
      res.statusCode = req.url === '/readyz' ? (--readyAfter > 0 ? 503 : 200) : 200;
      res.end();
    });
    expect(await waitUntilUp(runningDyno, { port: native, timeoutMs: 10_000 })).toEqual({ status: 200 });
    expect(readyAfter).toBe(0);

    const other = await listen((req, res) => {
      res.statusCode = req.url === '/readyz' ? 404 : 302;
      res.end();
    });
    expect(await waitUntilUp(runningDyno, { port: other, timeoutMs: 10_000 })).toEqual({ status: 302 });
  });

  it('adds no wrapper and no hook when metrics and tracing are off', () => {
    const observability = createEngineObservability({ env: { PIO_METRICS: 'false' } });
    const state = { instance: { id: 'i' } } as unknown as ServingState;
    expect(observability.instrument(state)).toBe(state);
    expect(observability.feedbackCall).toBeUndefined();
    const options = { level: 'info' };
    expect(observability.logger(options)).toBe(options);
  });
});
