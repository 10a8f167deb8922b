import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { GroupCommitOptions, Storage } from '../storage/index.js';
import { JSON_CONTENT_TYPE, messageBody, sendMessage, TEXT_CONTENT_TYPE } from '../http/answer.js';
import { NO_SCHEMAS } from '../http/no-schemas.js';
import { createEventServerObservability } from '../observability/event-server.js';
import type { ObservabilitySettings } from '../observability/settings.js';
import { AccessKeyResolver, type AuthResult } from './auth.js';
import { registerBodyParsers } from './body.js';
import type { Authenticate, EventServerContext } from './context.js';
import { handleError } from './error-handler.js';
import { BodyBudget, DEFAULT_LIMITS, serverOptionsOf, type EventServerLimits } from './limits.js';
import { MESSAGES, PLAIN } from './messages.js';
import { PluginRegistry, type EventServerPlugins } from './plugins.js';
import { parseQueryString, type QueryParams } from './query.js';
import { registerEventRoutes } from './routes/events.js';
import { registerMiscRoutes } from './routes/misc.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { withCurrentAuth } from './stale-key.js';
import { EventStats } from './stats.js';

export interface EventServerOptions {
  storage: Storage;
  /** `--stats`: keep per-app insert counters and answer `GET /stats.json`. */
  stats?: boolean;
  /** Body limits, timeouts and the connection cap (defaults: `DEFAULT_LIMITS`). */
  limits?: Partial<EventServerLimits>;
  /** fastify/pino logger: `false` for none, options, or an existing pino logger. */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  /** How long a looked-up access key / channel list is reused (default 1000 ms; 0 = look up every time). */
  accessKeyCacheMillis?: number;
  /** Group commit tuning for single-event inserts (default: the storage's, see `createGroupCommitWriter`). */
  groupCommit?: GroupCommitOptions;
  plugins?: EventServerPlugins;
  /** Metrics, request logs and tracing (default: from the environment). */
  observability?: ObservabilitySettings;
}

/** A percent-encoded NUL anywhere in the path or query (a raw one never gets past Node's parser). */
const ENCODED_NUL = /%00/;

/** Paths the server knows, with their methods: an unknown method on a known path is a 405 (BEHAVIOUR.md#event-server-http). */
const KNOWN_PATHS: Array<[RegExp, readonly string[]]> = [
  [/^\/$/, ['GET']],
  [/^\/events\.json$/, ['GET', 'POST']],
  [/^\/events\/.+\.json$/, ['GET', 'DELETE']],
  [/^\/batch\/events\.json$/, ['POST']],
  [/^\/stats\.json$/, ['GET']],
  [/^\/webhooks\/.+\.(json|form)$/, ['GET', 'POST']],
  [/^\/plugins\.json$/, ['GET']],
  [/^\/plugins\/.+$/, ['GET']],
];

/**
 * Builds the PredictionIO-compatible Event Server (BEHAVIOUR.md#event-server) as a fastify instance, not yet listening.
 * The caller owns `storage` and closes it after `app.close()`.
 */
export async function buildEventServer(options: EventServerOptions): Promise<FastifyInstance> {
  const limits: EventServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const observed = createEventServerObservability(options.storage, options.observability);
  const loggerOption = observed.logger(options.logger ?? false);
  const isLoggerInstance = typeof loggerOption === 'object' && loggerOption !== null && 'child' in loggerOption;
  const app = Fastify({
    ...(isLoggerInstance ? { loggerInstance: loggerOption } : { logger: loggerOption as FastifyServerOptions['logger'] }),
    // The largest route limit; each route sets its own (limits.ts).
    bodyLimit: Math.max(limits.eventBody, limits.batchBody, limits.webhookBody),
    ...serverOptionsOf(limits),
    logController: new LogController({ disableRequestLogging: true }),
    // Requests log through the server's logger: a pino child per request costs more than the insert path
    // can afford, and request logging is off anyway.
    childLoggerFactory: (logger) => logger,
    routerOptions: {
      querystringParser: parseQueryString,
      // fastify's own answer quotes the URL, access key and all.
      onBadUrl: (_path, _request, response) => {
        response.writeHead(400, { 'content-type': JSON_CONTENT_TYPE }).end(messageBody(MESSAGES.badUrl));
      },
    },
    schemaController: NO_SCHEMAS,
    // While closing, requests on open connections get our own 503 (below), with `Retry-After`.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  app.server.maxConnections = limits.maxConnections;

  const storage = observed.storage;
  const resolver = new AccessKeyResolver(storage, options.accessKeyCacheMillis ?? 1000);
  const writer = storage.events.createGroupCommitWriter({ ...options.groupCommit, observer: observed.groupCommit });
  let closing = false;
  const context: EventServerContext = {
    storage,
    insertOne: (auth, event) => writer.insert({ appId: auth.appId, channelId: auth.channelId }, event),
    withCurrentAuth: (request, action) => withCurrentAuth(resolver, request, action),
    stats: options.stats ? new EventStats() : undefined,
    plugins: new PluginRegistry(options.plugins),
    limits,
    isClosing: () => closing,
  };
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const bodyBudget = new BodyBudget(limits);

  /**
   * What every route touching the store checks before its key: closing (our own 503), a NUL in the URL
   * (which no key, id or parameter can hold) and the body budget. Part of `authenticate`, not hooks of
   * their own, which would cost every request on the insert path. False when it has answered.
   */
  const admit: (request: FastifyRequest, reply: FastifyReply) => boolean = (request, reply) => {
    if (closing) {
      reply.header('retry-after', '1').header('connection', 'close');
      sendMessage(reply, 503, MESSAGES.shuttingDown);
      return false;
    }
    if (ENCODED_NUL.test(request.url)) {
      sendMessage(reply, 400, MESSAGES.nulInUrl);
      return false;
    }
    return bodyBudget.admit(request, reply);
  };

  app.decorateRequest('eventServerAuth', null);
  registerBodyParsers(app);

  // Callback style: a cached key (nearly every request) is settled without a promise.
  const authenticate: Authenticate = (request, reply, done) => {
    if (!admit(request, reply)) return; // answered: no done()
    const settle = (result: AuthResult) => {
      if (!result.ok) {
        sendMessage(reply, result.status, result.message); // answered: the route does not run, so no done()
        return;
      }
      request.eventServerAuth = result.auth;
      done();
    };
    const query = request.query as QueryParams;
    const known = resolver.resolveNow(query, request.headers.authorization);
    observed.accessKey?.(known !== undefined);
    if (known !== undefined) settle(known);
    else resolver.resolve(query, request.headers.authorization).then(settle, done);
  };

  if (app.log.level === 'debug' || app.log.level === 'trace') {
    app.addHook('onResponse', async (request, reply) => {
      const url = request.url.replace(/accessKey=[^&]*/g, 'accessKey=***'); // keys never reach the logs
      request.log.debug({ method: request.method, url, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    });
  }

  app.setErrorHandler(handleError);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const known = KNOWN_PATHS.find(([pattern]) => pattern.test(path));
    if (known) {
      return reply
        .code(405)
        .header('allow', known[1].join(', '))
        .header('content-type', TEXT_CONTENT_TYPE)
        .send(PLAIN.methodNotAllowed(known[1]));
    }
    return reply.code(404).header('content-type', TEXT_CONTENT_TYPE).send(PLAIN.notFound);
  });

  observed.attach(app);
  registerMiscRoutes(app, context, authenticate);
  registerEventRoutes(app, context, authenticate);
  registerWebhookRoutes(app, context, authenticate);

  app.addHook('onClose', async () => {
    await writer.close();
  });

  await app.ready();
  return app;
}
