import type { FastifyInstance } from 'fastify';
import { isStorageUnavailable, openStorage, resolveStorageSettings, type GroupCommitOptions, type Storage } from '../storage/index.js';
import { UserError } from '../../lib/errors.js';
import { pioLogger } from '../console/index.js';
import { loadPlugins } from './plugins.js';
import { capYoungGeneration } from '../../lib/semi-space-cap.js';

export interface RunEventServerOptions {
  ip: string;
  port: number;
  stats: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RunningEventServer {
  app: FastifyInstance;
  storage: Storage;
  /** The bound port (useful with port 0). */
  port: number;
  /** Stops accepting, lets in-flight requests finish, then closes storage. */
  close(): Promise<void>;
}

/**
 * After SIGTERM: requests in flight get this long to finish (new ones on open connections are answered
 * 503 with `Retry-After`); then every connection still open is closed, and the process exits within
 * `SHUTDOWN_DEADLINE_MS` whatever happens (well before Heroku's SIGKILL at 30 s).
 */
const DRAIN_MS = 8_000;
const SHUTDOWN_DEADLINE_MS = 10_000;

function logLevel(env: NodeJS.ProcessEnv): string {
  const level = (env.PIO_LOG_LEVEL ?? env.LOG_LEVEL ?? 'info').toLowerCase();
  return ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level) ? level : 'info';
}

/**
 * Opens the first database connection (and looks at the access-key table) before listening, so the
 * first request does not pay for it. An unreachable database is not fatal: requests answer 503 until it
 * is back.
 */
async function warmUp(storage: Storage): Promise<void> {
  try {
    await storage.accessKeys.get('');
  } catch (error) {
    if (!isStorageUnavailable(error)) throw error;
    pioLogger('Management$').warn(`The event store is not reachable yet; requests answer 503 until it is.`);
  }
}

/** `PIO_EVENTSERVER_CONCURRENT_COMMITS` overrides how many group-commit batches may commit at once. */
function groupCommitTuning(env: NodeJS.ProcessEnv): GroupCommitOptions {
  const raw = env.PIO_EVENTSERVER_CONCURRENT_COMMITS;
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(value) && value > 0 ? { maxConcurrentBatches: value } : {};
}

function explainListenError(error: unknown, options: RunEventServerOptions): unknown {
  const code = (error as { code?: unknown }).code;
  const where = `${options.ip}:${options.port}`;
  if (code === 'EADDRINUSE') {
    return new UserError(`Cannot bind the Event Server to ${where}: the port is already in use.`, {
      hint: 'Stop the other process or choose another port with --port.',
    });
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new UserError(`Cannot bind the Event Server to ${where} (${String(code)}).`, {
      hint: 'Use an address of this machine with --ip (0.0.0.0 for all) and a port above 1023 with --port.',
    });
  }
  return error;
}

/** Opens storage and starts listening; the caller decides what stops it. */
export async function startEventServer(options: RunEventServerOptions): Promise<RunningEventServer> {
  const env = options.env ?? process.env;
  pioLogger('Management$').info(`Creating Event Server at ${options.ip}:${options.port}`);
  // Load the HTTP side (fastify) while the database connection opens.
  const appModule = import('./app.js');
  appModule.catch(() => undefined); // observed below; only silences an early unhandled rejection
  const storage = await openStorage(resolveStorageSettings(env));
  let app: FastifyInstance;
  try {
    const [{ buildEventServer }] = await Promise.all([appModule, warmUp(storage)]);
    app = await buildEventServer({
      storage,
      stats: options.stats,
      plugins: await loadPlugins(env.PIO_EVENTSERVER_PLUGINS),
      groupCommit: groupCommitTuning(env),
      logger: { level: logLevel(env), base: { name: 'eventserver' } },
    });
    await app.listen({ host: options.ip, port: options.port });
  } catch (error) {
    await storage.close();
    throw explainListenError(error, options);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  app.log.info({ ip: options.ip, port, stats: options.stats }, 'Event Server listening');
  return {
    app,
    storage,
    port,
    async close() {
      await app.close();
      await storage.close();
    },
  };
}

/**
 * `pio eventserver`: runs in the foreground until SIGTERM/SIGINT, then stops accepting connections,
 * finishes the requests in flight (each acknowledged event is committed) and exits 0.
 */
export async function runEventServer(options: RunEventServerOptions): Promise<void> {
  // Keeps RSS under load below 100 MB (see BENCHMARKS.md); the process is ours alone, unlike in tests.
  capYoungGeneration();
  const server = await startEventServer(options);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      server.app.log.info({ signal }, 'Event Server shutting down');
      const drain = setTimeout(() => {
        server.app.log.warn('requests still in flight after the drain time; closing their connections');
        server.app.server.closeAllConnections();
      }, DRAIN_MS);
      const deadline = setTimeout(() => {
        server.app.log.error('shutdown timed out; exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      drain.unref();
      deadline.unref();
      server
        .close()
        .catch((error: unknown) => {
          server.app.log.error({ err: error }, 'error during shutdown');
          process.exitCode = 1;
        })
        .finally(() => {
          clearTimeout(drain);
          clearTimeout(deadline);
          resolve();
        });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
