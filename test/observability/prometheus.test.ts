import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/net.js';
import { createEngineTestContext, deploy, query, waitFor, type EngineTestContext } from '../engine/helpers.js';
import { startEventServerProcess } from './helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';
const available = existsSync(PROMETHEUS);
// On CI the package is installed by .ci/run: a missing binary there is a failure, not a skip.
const skip = !available && process.env.CI !== 'true';
if (skip) console.warn(`Skipping the Prometheus test: ${PROMETHEUS} is missing (apt-get install -y prometheus).`);

interface PromVector {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describe.skipIf(skip)('Prometheus scrapes both servers', () => {
  let ctx: EngineTestContext;
  let dir: string;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    ctx = await createEngineTestContext();
    await ctx.observe([1, 1, 1, 2, 5, 4]);
    dir = await mkdtemp(join(tmpdir(), 'pio-prometheus-'));
  });

  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await ctx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the events, requests and queries sent', async () => {
    expect(available, `${PROMETHEUS} is missing: apt-get install -y prometheus`).toBe(true);
    const trained = await ctx.run(['train']);
    expect(trained.exitCode, trained.stdout + trained.stderr).toBe(0);
    const eventServer = await startEventServerProcess(ctx);
    stops.push(() => eventServer.stop());
    const engine = await deploy(ctx);
    stops.push(() => engine.kill());

    const promPort = await freePort();
    const target = (url: string) => url.replace('http://', '');
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        `  - job_name: eventserver`,
        `    static_configs: [{ targets: ['${target(eventServer.url)}'] }]`,
        `  - job_name: engine`,
        `    static_configs: [{ targets: ['${target(engine.url)}'] }]`,
        '',
      ].join('\n'),
    );
    const prometheus: ResultPromise = execa(
      PROMETHEUS,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      { reject: false, stdin: 'ignore', buffer: false },
    );
    stops.push(async () => {
      prometheus.kill('SIGTERM');
      await prometheus.catch(() => undefined);
    });

    const post = (body: unknown) =>
      fetch(`${eventServer.url}/events.json?accessKey=${ctx.accessKey}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    for (let index = 0; index < 7; index++) expect((await post({ event: 'rate', entityType: 'user', entityId: `u${index}` })).status).toBe(201);
    for (let index = 0; index < 3; index++) expect((await post({ event: 'buy', entityType: 'user', entityId: `u${index}` })).status).toBe(201);
    expect((await fetch(`${eventServer.url}/events.json?accessKey=wrong`, { method: 'POST', body: '{}' })).status).toBe(401);
    for (let index = 0; index < 5; index++) expect((await query(engine.url, `{"offset": ${index}}`)).status).toBe(200);
    for (let index = 0; index < 2; index++) expect((await query(engine.url, '{"offset": "one"}')).status).toBe(400);

    const promql = async (expression: string): Promise<PromVector['data']['result']> => {
      const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expression)}`).catch(() => undefined);
      if (!response?.ok) return [];
      return ((await response.json()) as PromVector).data.result;
    };
    const valueOf = async (expression: string) => Number((await promql(expression))[0]?.value[1] ?? Number.NaN);
    const expected: Record<string, number> = {
      'sum(pio_events_stored_total{job="eventserver",event="rate"})': 7,
      'sum(pio_events_stored_total{job="eventserver",event="buy"})': 3,
      'sum(http_requests_total{job="eventserver",route="/events.json",method="POST",status="201"})': 10,
      'sum(http_requests_total{job="eventserver",route="/events.json",method="POST",status="401"})': 1,
      'sum(pio_group_commit_batch_size_sum{job="eventserver"})': 10,
      'sum(pio_queries_total{job="engine",status="200"})': 5,
      'sum(pio_queries_total{job="engine",status="400"})': 2,
      'sum(http_request_duration_seconds_count{job="engine",route="/queries.json"})': 7,
      'sum(pio_predict_duration_seconds_count{job="engine",algorithm="mean"})': 5,
      'sum(pio_serve_duration_seconds_count{job="engine"})': 5,
      'count(pio_serving_engine_instance{job="engine"} == 1)': 1,
      'sum(pio_model_load_duration_seconds_count{job="engine"})': 1,
    };
    const seen = await waitFor(async () => {
      const values: Record<string, number> = {};
      for (const expression of Object.keys(expected)) values[expression] = await valueOf(expression);
      return Object.entries(expected).every(([expression, value]) => values[expression] === value) ? values : undefined;
    }, 30_000, 'Prometheus to scrape the numbers of the traffic sent').catch(async (error: Error) => {
      const values: Record<string, number> = {};
      for (const expression of Object.keys(expected)) values[expression] = await valueOf(expression);
      throw new Error(`${error.message}: ${JSON.stringify(values, null, 1)}`);
    });
    expect(seen).toEqual(expected);

    expect(await valueOf('max(pio_model_age_seconds{job="engine"})')).toBeGreaterThan(0);
    expect(await valueOf('max(process_resident_memory_bytes{job="eventserver"})')).toBeGreaterThan(0);
    expect(await valueOf('count(nodejs_eventloop_lag_seconds{job="engine"})')).toBe(1);
    expect(await valueOf('sum(pio_access_key_lookups_total{job="eventserver"})')).toBeGreaterThanOrEqual(10);
  });
});
