import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngineTestContext, deploy, waitFor, type DeployedEngine, type EngineTestContext } from '../engine/helpers.js';
import { attribute, startEventServerProcess, startOtlpReceiver, type EventServerProcess, type OtlpSpan } from './helpers.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let ctx: EngineTestContext;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    ctx = await createEngineTestContext();
    await ctx.observe([1, 1, 1, 2, 5, 4]);
    receiver = await startOtlpReceiver();
  });

  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await receiver?.close();
    await ctx?.close();
  });

  it('continues the caller trace through the query, its predict and serve steps, the feedback call and the Event Server insert', async () => {
    const trained = await ctx.run(['train']);
    expect(trained.exitCode, trained.stdout + trained.stderr).toBe(0);
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', PIO_REQUEST_LOG: 'true' };
    const eventServer: EventServerProcess = await startEventServerProcess(ctx, otel);
    stops.push(() => eventServer.stop());
    const engine: DeployedEngine = await deploy(
      ctx,
      ['--feedback', '--accesskey', ctx.accessKey, '--event-server-ip', '127.0.0.1', '--event-server-port', String(eventServer.port)],
      { env: { ...otel, OTEL_SERVICE_NAME: 'mean-engine' } },
    );
    stops.push(() => engine.kill());

    const answer = await fetch(`${engine.url}/queries.json`, {
      method: 'POST',
      body: '{"offset": 1}',
      headers: { 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` },
    });
    expect(answer.status).toBe(200);

    const named = (name: string, service?: string) => receiver.spans.find((span) => span.name === name && span.traceId === TRACE_ID && (service === undefined || span.service === service));
    const spans = await waitFor(async () => {
      const found = {
        query: named('POST /queries.json', 'mean-engine'),
        mean: named('predict mean'),
        majority: named('predict majority'),
        serve: named('serve'),
        feedback: named('POST /events.json (feedback)'),
        insert: named('POST /events.json', 'pio-event-server'),
        commit: named('storage events.insert (group commit)'),
      };
      return Object.values(found).every((span) => span !== undefined) ? (found as Record<keyof typeof found, OtlpSpan>) : undefined;
    }, 20_000, 'the spans of the query');

    expect(spans.query.parentSpanId).toBe(CALLER_SPAN_ID);
    expect(attribute(spans.query, 'http.route')).toBe('/queries.json');
    expect(attribute(spans.query, 'http.response.status_code')).toBe(200);
    for (const step of [spans.mean, spans.majority, spans.serve, spans.feedback]) expect(step.parentSpanId).toBe(spans.query.spanId);
    expect(attribute(spans.mean, 'pio.algorithm')).toBe('mean');
    expect(spans.feedback.kind).toBe(3); // CLIENT
    expect(spans.insert.parentSpanId).toBe(spans.feedback.spanId);
    expect(spans.commit.parentSpanId).toBe(spans.insert.spanId);
    expect(attribute(spans.commit, 'db.system')).toBe('postgresql');
    expect(attribute(spans.commit, 'pio.event')).toBe('predict');

    // Every log line of the request carries the trace id; keys never reach the logs or the spans.
    const requestLine = engine.output().split('\n').find((line) => line.includes('"msg":"request"') && line.includes('/queries.json'));
    expect(requestLine).toBeDefined();
    expect(JSON.parse(requestLine!)).toMatchObject({ traceId: TRACE_ID, route: '/queries.json', status: 200, engineInstanceId: expect.any(String) });
    await waitFor(async () => (eventServer.output().includes(`"traceId":"${TRACE_ID}"`) ? true : undefined), 10_000, 'the event server request log');
    expect(engine.output() + eventServer.output()).not.toContain(ctx.accessKey);
    expect(JSON.stringify(receiver.spans)).not.toContain(ctx.accessKey);
  });
});
