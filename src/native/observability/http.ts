import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { createHttpMetrics } from './metrics.js';
import type { ObservabilitySettings } from './settings.js';
import { flushSpans, runInContext, startRequestSpan, startTracing, traceIdOfHeader } from './tracing.js';

/** Why a server is not ready (answered by `/readyz` with 503), or undefined when it is. */
export type Readiness = () => Promise<string | undefined>;

export interface ObservedServer {
  settings: ObservabilitySettings;
  /** The server's registry when metrics are on. */
  registry: Registry | undefined;
  readiness: Readiness;
  /** Extra fields of the request log line (the engine server adds the serving instance). */
  logFields?: (() => Record<string, unknown>) | undefined;
  /** Extra fields of a ready `/readyz` answer (the engine server: the serving instance, pinned or not). */
  readyFields?: (() => Record<string, unknown>) | undefined;
}

const READINESS_TIMEOUT_MS = 2_000;
/** What a request that matched no route is counted under (its URL could be anything). */
const UNMATCHED = '(unmatched)';

/** The route pattern of a request: `/events/:eventId.json`, never the URL (which may carry keys). */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED;
}

async function checkReadiness(readiness: Readiness): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the readiness check took longer than ${READINESS_TIMEOUT_MS} ms`), READINESS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([readiness().catch((error: unknown) => (error instanceof Error ? error.message : String(error))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (alive), `GET /readyz` (ready, else 503 with the reason), `GET /metrics` (when on), and
 * the hooks behind them: request counters, the request log line, the request span. Only what is on
 * adds a hook, so a server with everything off pays for nothing but the three routes.
 */
export function registerObservability(app: FastifyInstance, server: ObservedServer): void {
  const { settings, registry } = server;

  app.get('/healthz', async (_request, reply) => reply.type('application/json').send({ status: 'alive' }));
  app.get('/readyz', async (_request, reply) => {
    const reason = await checkReadiness(server.readiness);
    const body = reason === undefined ? { status: 'ready', ...server.readyFields?.() } : { status: 'not ready', reason };
    return reply.code(reason === undefined ? 200 : 503).type('application/json').send(body);
  });
  if (registry) {
    app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }

  const http = registry ? createHttpMetrics(registry) : undefined;
  const spans = settings.tracing ? new WeakMap<FastifyRequest, ReturnType<typeof startRequestSpan>>() : undefined;

  const tracing = settings.tracing;
  if (tracing) {
    // The SDK loads when the server starts listening and its last spans go out when it closes.
    app.addHook('onReady', () => startTracing(tracing));
    app.addHook('onClose', () => flushSpans());
  }

  if (spans) {
    app.addHook('onRequest', (request, _reply, done) => {
      const path = request.url.split('?', 1)[0] ?? '';
      const started = startRequestSpan(`${request.method} ${routeOf(request)}`, request.headers, {
        'http.request.method': request.method,
        'http.route': routeOf(request),
        'url.path': path,
      });
      spans.set(request, started);
      // The rest of the request (hooks, body, handler) runs in the span's context.
      runInContext(started.context, done);
    });
    app.addHook('preHandler', (request, _reply, done) => {
      const started = spans.get(request);
      if (started) runInContext(started.context, done);
      else done();
    });
  }

  if (http || spans || settings.requestLog) {
    app.addHook('onResponse', (request, reply, done) => {
      const route = routeOf(request);
      const status = reply.statusCode;
      http?.observe(route, request.method, status, reply.elapsedTime / 1000);
      const span: Span | undefined = spans?.get(request)?.span;
      if (span) {
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      if (settings.requestLog) {
        const traceId = span?.spanContext().traceId ?? traceIdOfHeader(request.headers.traceparent);
        request.log.info(
          { route, method: request.method, status, ms: Math.round(reply.elapsedTime * 100) / 100, ...(traceId ? { traceId } : {}), ...server.logFields?.() },
          'request',
        );
      }
      done();
    });
  }
}
