import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { isStorageUnavailable, type GroupCommitOptions, type Storage } from '../storage/index.js';
import { HttpAnswer, sendAnswer, sendMessage, TEXT_CONTENT_TYPE } from '../http/answer.js';
import { NO_SCHEMAS } from '../http/no-schemas.js';
import { createEventServerObservability } from '../observability/event-server.js';
import type { ObservabilitySettings } from '../observability/settings.js';
import { AccessKeyResolver, type AuthResult } from './auth.js';
import { MEDIA_TYPES, registerBodyParsers } from './body.js';
import type { Authenticate, EventServerContext } from './context.js';
import { MESSAGES, PLAIN } from './messages.js';
import { PluginRegistry, type EventServerPlugins } from './plugins.js';
import { MalformedQueryParamError, parseQueryString, type QueryParams } from './query.js';
import { registerEventRoutes } from './routes/events.js';
import { registerMiscRoutes } from './routes/misc.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { EventStats } from './stats.js';

export interface EventServerOptions {
  storage: Storage;
  /** `--stats`: keep per-app insert counters and answer `GET /stats.json`. */
  stats?: boolean;
  /** Largest accepted request body in bytes (default 8 MiB, upstream's HTTP stack default). */
  bodyLimit?: number;
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

export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/** Paths the server knows, with their methods: an unknown method on a known path is a 405 (§2.1). */
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
 * Builds the PredictionIO-compatible Event Server (spec §2) as a fastify instance, not yet listening.
 * The caller owns `storage` and closes it after `app.close()`.
 */
export async function buildEventServer(options: EventServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const observed = createEventServerObservability(options.storage, options.observability);
  const loggerOption = observed.logger(options.logger ?? false);
  const isLoggerInstance = typeof loggerOption === 'object' && loggerOption !== null && 'child' in loggerOption;
  const app = Fastify({
    ...(isLoggerInstance ? { loggerInstance: loggerOption } : { logger: loggerOption as FastifyServerOptions['logger'] }),
    bodyLimit,
    logController: new LogController({ disableRequestLogging: true }),
    // Requests log through the server's logger: a pino child per request costs more than the insert path
    // can afford, and request logging is off anyway.
    childLoggerFactory: (logger) => logger,
    routerOptions: { querystringParser: parseQueryString },
    schemaController: NO_SCHEMAS,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  const storage = observed.storage;
  const resolver = new AccessKeyResolver(storage, options.accessKeyCacheMillis ?? 1000);
  const writer = storage.events.createGroupCommitWriter({ ...options.groupCommit, observer: observed.groupCommit });
  const context: EventServerContext = {
    storage,
    insertOne: (auth, event) => writer.insert({ appId: auth.appId, channelId: auth.channelId }, event),
    stats: options.stats ? new EventStats() : undefined,
    plugins: new PluginRegistry(options.plugins),
  };

  app.decorateRequest('eventServerAuth', null);
  registerBodyParsers(app);

  // Callback style: a cached key (nearly every request) is settled without a promise.
  const authenticate: Authenticate = (request, reply, done) => {
    const settle = (result: AuthResult) => {
      if (!result.ok) {
        sendMessage(reply, 401, result.message); // answered: the route does not run, so no done()
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

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    // Read these before the type guards below narrow `error` away.
    const { message } = error;
    const { code, statusCode } = error as Partial<FastifyError>;
    if (error instanceof HttpAnswer) return sendAnswer(reply, error);
    if (error instanceof MalformedQueryParamError) return sendAnswer(reply, HttpAnswer.plain(400, error.message));
    if (isStorageUnavailable(error)) {
      request.log.warn({ err: error.message }, 'event store unavailable');
      return sendMessage(reply.header('retry-after', '1'), 503, MESSAGES.storageUnavailable);
    }
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendAnswer(reply, HttpAnswer.plain(413, PLAIN.tooLarge(request.headers['content-length'], bodyLimit)));
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const expected = (request.url.split('?')[0] ?? '').endsWith('.form') ? MEDIA_TYPES.form : MEDIA_TYPES.json;
      return sendAnswer(reply, HttpAnswer.plain(415, PLAIN.unsupportedMediaType(expected)));
    }
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
      // Framework-level client errors (bad content length, aborted body…) answer in plain text.
      return sendAnswer(reply, HttpAnswer.plain(statusCode, message));
    }
    request.log.error({ err: error }, 'request failed');
    return sendMessage(reply, 500, message);
  });

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
