import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { renderPredictionJson } from '../engine/java-double.js';
import { parseJsonValue } from '../events/json.js';
import { HTML_CONTENT_TYPE, sendJson, sendMessage, sendText } from '../http/answer.js';
import { NO_SCHEMAS } from '../http/no-schemas.js';
import { createEngineObservability, type EngineObservability } from '../observability/engine-server.js';
import { predictQuery } from '../workflow/dase-pipeline.js';
import { errorMessage } from '../workflow/errors.js';
import type { FeedbackSender } from './feedback.js';
import type { ModelWatcher } from './hot-swap.js';
import type { ServingState } from '../workflow/serving-state.js';
import { statusHtml, statusJson, type ServerStats } from './status-page.js';

export interface EngineServerOptions {
  ip: string;
  port: number;
  initialState: ServingState;
  feedback?: FeedbackSender | undefined;
  feedbackInfo: { enabled: boolean; eventServerIp: string; eventServerPort: number };
  /** When set, `/reload` and `/stop` require `?accessKey=<serverKey>` (upstream `key-auth-enforced`). */
  serverKey?: string | undefined;
  /** Called after `/stop` answered. */
  onStop: () => void;
  /** pino options, or `false` for silence (tests). */
  logger?: boolean | Record<string, unknown>;
  /** Metrics, request logs and tracing (default: from the environment). */
  observability?: EngineObservability | undefined;
}

export interface EngineServer {
  app: FastifyInstance;
  current(): ServingState;
  swap(state: ServingState): void;
  attachWatcher(watcher: ModelWatcher): void;
  stats: ServerStats;
}

/**
 * The engine (prediction) server (spec §6): status page, `/queries.json`, `/reload`, `/stop`. The serving
 * state is one reference: a hot swap replaces it while each query keeps the state it started with.
 */
export function createEngineServer(options: EngineServerOptions): EngineServer {
  const observed = options.observability ?? createEngineObservability();
  let state = observed.instrument(options.initialState);
  let watcher: ModelWatcher | undefined;
  const stats: ServerStats = { startTime: new Date(), requestCount: 0, averageServingTime: 0, lastServingTime: 0 };

  const app = Fastify({
    logger: observed.logger(options.logger ?? { level: 'info' }),
    // Per-request log lines would cost more than answering a query; errors and swaps are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024 * 1024,
    return503OnClosing: false,
    schemaController: NO_SCHEMAS,
  });
  // Upstream reads the body as text whatever the content type (spec §6.3).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  observed.attach(app, () => state);

  const authorized = (query: unknown): boolean =>
    options.serverKey === undefined || (query as { accessKey?: string } | undefined)?.accessKey === options.serverKey;

  const methodNotAllowed = (reply: FastifyReply) =>
    sendText(reply, 405, 'HTTP method not allowed, supported methods: POST');

  app.get('/', async (request, reply) => {
    const info = { ip: options.ip, port: options.port, state, stats, feedback: options.feedbackInfo, policy: watcher?.servingPolicy() };
    if ((request.headers.accept ?? '').includes('application/json')) return sendJson(reply, 200, JSON.stringify(statusJson(info)));
    return reply.type(HTML_CONTENT_TYPE).send(statusHtml(info));
  });

  app.post('/queries.json', async (request, reply) => {
    const started = performance.now();
    const receivedAt = options.feedback ? new Date() : undefined;
    const served = state;
    const raw = typeof request.body === 'string' ? request.body : '';
    let queryJson: unknown;
    try {
      // json4s-native's dialect, as upstream reads query bodies (`{"user": "u5" "from": 0}` is answered).
      queryJson = parseJsonValue(raw);
    } catch (error) {
      return sendMessage(reply, 400, `Invalid JSON in query: ${errorMessage(error)}`);
    }
    let query: unknown;
    try {
      query = served.components.parseQuery(queryJson);
    } catch (error) {
      return sendMessage(reply, 400, `Invalid query: ${errorMessage(error)}`);
    }
    let predictionJson: unknown;
    try {
      const prediction = await predictQuery(served.components, served.models, query, served.ctx);
      predictionJson = served.components.predictionToJson(prediction);
    } catch (error) {
      request.log.error(
        { engineInstanceId: served.instance.id, query: raw.slice(0, 2000), err: error },
        'Query failed',
      );
      return sendMessage(reply, 500, `Query failed: ${errorMessage(error)}`);
    }
    const body = options.feedback
      ? options.feedback.send({ engineInstanceId: served.instance.id, queryJson, predictionJson, receivedAt: receivedAt ?? new Date() })
      : predictionJson;
    const seconds = (performance.now() - started) / 1000;
    stats.requestCount += 1;
    stats.averageServingTime += (seconds - stats.averageServingTime) / stats.requestCount;
    stats.lastServingTime = seconds;
    return sendJson(reply, 200, renderPredictionJson(body));
  });
  app.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH'], url: '/queries.json', handler: (_request, reply) => methodNotAllowed(reply) });

  app.post('/reload', async (request, reply) => {
    if (!authorized(request.query)) return sendText(reply, 401, 'Unauthorized');
    setImmediate(() => void watcher?.reload());
    return sendText(reply, 200, 'Reloading...');
  });
  app.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH'], url: '/reload', handler: (_request, reply) => methodNotAllowed(reply) });

  // Upstream's `pio undeploy` sends GET while the server only accepted POST (spec §5.11): accept both.
  app.route({
    method: ['POST', 'GET'],
    url: '/stop',
    handler: async (request, reply) => {
      if (!authorized(request.query)) return sendText(reply, 401, 'Unauthorized');
      reply.raw.once('finish', () => setImmediate(options.onStop));
      reply.header('connection', 'close');
      return sendText(reply, 200, 'Shutting down...');
    },
  });

  app.get('/plugins.json', async (_request, reply) =>
    sendJson(reply, 200, JSON.stringify({ plugins: { outputblockers: {}, outputsniffers: {} } })),
  );

  return {
    app,
    current: () => state,
    swap(next) {
      state = observed.instrument(next);
      observed.swapped();
    },
    attachWatcher(next) {
      watcher = next;
    },
    stats,
  };
}
