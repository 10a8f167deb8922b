import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { renderPredictionJson } from '../engine/java-double.js';
import { parseJsonValue } from '../events/json.js';
import { HTML_CONTENT_TYPE, sendJson, sendMessage, sendText } from '../http/answer.js';
import { capConnections, connectionLimitOptions, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from '../http/connection-limits.js';
import { drainOnClose } from '../http/drain.js';
import { NO_SCHEMAS } from '../http/no-schemas.js';
import { createEngineObservability, type EngineObservability } from '../observability/engine-server.js';
import { predictQuery } from '../workflow/dase-pipeline.js';
import { errorMessage } from '../workflow/errors.js';
import { controlAccess } from './control-access.js';
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
  /**
   * When set, `/reload` and `/stop` require `?accessKey=<serverKey>` (upstream `key-auth-enforced`);
   * unset, they answer only to clients on this machine.
   */
  serverKey?: string | undefined;
  /** Largest query body in bytes (`PIO_ENGINE_QUERY_BODY_LIMIT`); larger ones are answered 413. */
  queryBodyLimit?: number | undefined;
  connectionLimits?: ConnectionLimits | undefined;
  /** On close, queries in flight get this long to finish before every connection is cut. */
  shutdownDeadlineMs?: number | undefined;
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
  /** Refuses new requests (503, `Retry-After`), drains the ones in flight within the deadline, closes. */
  close(): Promise<void>;
}

export const DEFAULT_QUERY_BODY_LIMIT = 1024 * 1024;
/** Queries take milliseconds: 5 s drains them all and still exits well within the platform's patience. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 5000;

/** `X-Request-ID` as the platform router sets it (so log lines match its logs), else a fresh id. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;
function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * A 500 that tells the client only the request id: error messages carry engine internals (SQL, table
 * and constraint names). The error itself goes to the log line with that id.
 */
function sendInternalError(request: FastifyRequest, reply: FastifyReply, what: string): FastifyReply {
  const message = `${what}. The engine server's log has the error under request id ${request.id}.`;
  return sendJson(reply.header('x-request-id', request.id), 500, JSON.stringify({ message, requestId: request.id }));
}

/**
 * The engine (prediction) server (BEHAVIOUR.md#engine-server): status page, `/queries.json`, `/reload`,
 * `/stop`. The serving state is one reference: a hot swap replaces it while each query keeps the state it
 * started with. Each query's cost is bounded (body size, JSON depth and values, connection limits).
 */
export function createEngineServer(options: EngineServerOptions): EngineServer {
  const observed = options.observability ?? createEngineObservability();
  let state = observed.instrument(options.initialState);
  let watcher: ModelWatcher | undefined;
  const stats: ServerStats = { startTime: new Date(), requestCount: 0, averageServingTime: 0, lastServingTime: 0 };

  const bodyLimit = options.queryBodyLimit ?? DEFAULT_QUERY_BODY_LIMIT;
  const limits = options.connectionLimits ?? DEFAULT_CONNECTION_LIMITS;
  const app = Fastify({
    logger: observed.logger(options.logger ?? { level: 'info' }),
    // Per-request log lines would cost more than answering a query; errors and swaps are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    ...connectionLimitOptions(limits),
    genReqId: requestId,
    // Our drain answers 503 with a JSON body and Retry-After instead.
    return503OnClosing: false,
    schemaController: NO_SCHEMAS,
  });
  capConnections(app, limits);
  const drain = drainOnClose(app, {
    deadlineMs: options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS,
    message: 'The engine server is shutting down; try again shortly.',
    retryAfterSeconds: 1,
  });
  // Upstream reads the body as text whatever the content type (BEHAVIOUR.md#serving-a-query).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  observed.attach(app, () => state, () => watcher?.servingPolicy());

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const { code, statusCode } = error as Partial<FastifyError>;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // fastify closes the connection rather than read the body; a client still sending it then gets a
      // reset and never this answer. A body declared at most 16 times the limit and not yet read is
      // discarded as it arrives instead (no memory; the request timeout bounds it), so the client reads why.
      const declared = Number(request.headers['content-length']);
      if (!request.raw.readableDidRead && declared <= 16 * bodyLimit) reply.removeHeader('connection');
      return sendMessage(
        reply,
        413,
        `Query body larger than ${bodyLimit} bytes, the limit PIO_ENGINE_QUERY_BODY_LIMIT sets (default 1m); raise it to accept larger queries.`,
      );
    }
    // Framework-level client errors (bad content length, aborted body…) say what is wrong.
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return sendMessage(reply, statusCode, error.message);
    request.log.error({ err: error, url: request.url.split('?')[0] }, 'Request failed');
    return sendInternalError(request, reply, 'Request failed');
  });

  /** `/stop`, `/reload`: 401 for a missing or wrong key, 403 for a remote client when no key is set. */
  const refuseControl = (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const decision = controlAccess(
      { query: request.query, remoteAddress: request.socket.remoteAddress, localAddress: request.socket.localAddress, headers: request.headers },
      options.serverKey,
    );
    if (decision.allowed) return undefined;
    if (decision.status === 401) return sendText(reply, 401, 'Unauthorized');
    return sendMessage(
      reply,
      403,
      `${request.url.split('?')[0]} is only accepted from this machine while PIO_SERVER_ACCESS_KEY is unset; set it and pass ?accessKey=<key>.`,
    );
  };

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
      return sendInternalError(request, reply, 'Query failed');
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
    const refused = refuseControl(request, reply);
    if (refused) return refused;
    setImmediate(() => void watcher?.reload());
    return sendText(reply, 200, 'Reloading...');
  });
  app.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH'], url: '/reload', handler: (_request, reply) => methodNotAllowed(reply) });

  // Upstream's `pio undeploy` sends GET while the server only accepted POST (BEHAVIOUR.md#pio-undeploy): accept both.
  app.route({
    method: ['POST', 'GET'],
    url: '/stop',
    handler: async (request, reply) => {
      const refused = refuseControl(request, reply);
      if (refused) return refused;
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
    close: () => drain.close(),
  };
}
