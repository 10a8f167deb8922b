import { request } from 'node:http';
import { connect } from 'node:net';
import type { Logger } from '../engine/types.js';
import type { ConnectionLimits } from '../http/connection-limits.js';
import type { EngineInstance, Storage } from '../storage/index.js';
import type { ConsoleLines } from '../workflow/context.js';
import { engineIdentityOf, locateEngine, readEngineVariant } from '../workflow/engine-variant.js';
import { EngineWorkflowError, errorMessage } from '../workflow/errors.js';
import { loadEngine } from '../workflow/load-engine.js';
import { selectEngineInstance, servingTarget } from '../workflow/select-instance.js';
import { loadServingState } from '../workflow/serving-state.js';
import { checkTemplate } from '../workflow/template-check.js';
import { createEngineObservability } from '../observability/engine-server.js';
import { createFeedbackSender } from './feedback.js';
import { createModelWatcher } from './hot-swap.js';
import { queryBodyLimitFrom } from './query-body-limit.js';
import { createEngineServer } from './server.js';

export const DEFAULT_POLL_INTERVAL_MS = 5000;

export interface DeployOptions {
  engineDir?: string | undefined;
  variant?: string | undefined;
  ip: string;
  port: number;
  engineInstanceId?: string | undefined;
  feedback?: boolean | undefined;
  accessKey?: string | undefined;
  eventServerIp: string;
  eventServerPort: number;
  /** Milliseconds between hot-swap polls; 0 = off. */
  pollIntervalMs: number;
  serverKey?: string | undefined;
  /** Bytes; unset: `PIO_ENGINE_QUERY_BODY_LIMIT`, else 1 MiB. */
  queryBodyLimit?: number | undefined;
  /** Unset: the defaults of `native/http/connection-limits.ts` (tests shorten them). */
  connectionLimits?: ConnectionLimits | undefined;
  shutdownDeadlineMs?: number | undefined;
}

export interface DeployedServer {
  url: string;
  /** Resolves when the server has shut down (after `/stop` or `close()`). */
  stopped: Promise<void>;
  /** Refuses new queries with 503, drains those in flight within the shutdown deadline, then closes. */
  close(): Promise<void>;
}

const displayHost = (ip: string) => (ip === '0.0.0.0' ? '127.0.0.1' : ip);

/** POST /stop to whatever listens at ip:port: 'stopped' | 'nothing' | an HTTP status code. */
export function requestStop(ip: string, port: number, serverKey?: string): Promise<'stopped' | 'nothing' | number> {
  return new Promise((resolve) => {
    const path = serverKey ? `/stop?accessKey=${encodeURIComponent(serverKey)}` : '/stop';
    const req = request({ host: displayHost(ip), port, method: 'POST', path, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? 'stopped' : (res.statusCode ?? 0)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'nothing' : 0));
    req.end();
  });
}

function portIsFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: displayHost(ip), port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function waitForPortFree(ip: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portIsFree(ip, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `pio deploy` (BEHAVIOUR.md#pio-deploy): selects and loads the engine instance, stops a previous engine server on
 * the same ip:port, binds, and keeps a model watcher running for hot swaps.
 */
export async function runDeploy(
  options: DeployOptions,
  io: {
    console: ConsoleLines;
    openStorage: () => Promise<Storage>;
    cwd?: string;
    logger?: boolean | Record<string, unknown>;
    env?: NodeJS.ProcessEnv;
  },
): Promise<DeployedServer> {
  const { console } = io;
  const queryBodyLimit = options.queryBodyLimit ?? queryBodyLimitFrom(io.env ?? process.env);
  const location = await locateEngine(options, io.cwd);
  await checkTemplate(location.engineDir, console, { fatal: true });
  const variant = await readEngineVariant(location);
  // Loading the engine bundle (CPU) overlaps with connecting to storage (I/O); the instance's factory is
  // almost always the variant's, whose module is then already imported.
  const warmEngine = loadEngine(variant, console).catch(() => undefined);
  const storage = await io.openStorage();
  let closeStorage = true;
  try {
    const instance = await selectEngineInstance(
      storage,
      engineIdentityOf(variant),
      options.engineInstanceId,
      'deploy',
    );
    console.info('Engine$', `Using engine instance ${instance.id} (variant ${instance.engineVariant}, trained ${instance.startTime.toISOString()})`);
    await warmEngine;
    // Until the server (and its structured logger) exists, engine log lines go to the console.
    let structured: Logger | undefined;
    const engineLog: Logger = {
      debug: (message) => (structured ? structured.debug(message) : undefined),
      info: (message) => (structured ? structured.info(message) : console.info('Engine$', message)),
      warn: (message) => (structured ? structured.warn(message) : console.warn('Engine$', message)),
      error: (message) => (structured ? structured.error(message) : console.error('Engine$', message)),
    };
    const observability = createEngineObservability({ ready: () => storage.accessKeys.get('').then(() => undefined) });
    const load = (next: EngineInstance) =>
      observability.timeLoad(() => loadServingState({ storage, instance: next, variant, console, log: engineLog }));
    const initialState = await load(instance);

    let feedback;
    if (options.feedback) {
      if (!options.accessKey) console.warn('Engine$', 'Feedback loop cannot be enabled because accessKey is empty.');
      else feedback = { eventServerIp: options.eventServerIp, eventServerPort: options.eventServerPort, accessKey: options.accessKey };
    }

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        watcher.stop();
        server.app.log.info('Engine server shutting down');
        await server.close();
        sender?.close();
        await storage.close();
        resolveStopped();
      })();
      return closing;
    };

    // Feedback failures log through the server's pino logger, which exists only once the server does.
    const sender = feedback
      ? createFeedbackSender(
          feedback,
          {
            warn: (fields, message) => {
              observability.feedbackFailed();
              server.app.log.warn(fields, message);
            },
          },
          observability.feedbackCall,
        )
      : undefined;
    const server = createEngineServer({
      ip: options.ip,
      port: options.port,
      initialState,
      feedback: sender,
      feedbackInfo: { enabled: feedback !== undefined, eventServerIp: options.eventServerIp, eventServerPort: options.eventServerPort },
      serverKey: options.serverKey,
      queryBodyLimit,
      connectionLimits: options.connectionLimits,
      shutdownDeadlineMs: options.shutdownDeadlineMs,
      onStop: () => void close(),
      logger: io.logger,
      observability,
    });
    if (feedback) server.app.log.info({ eventServerIp: feedback.eventServerIp, eventServerPort: feedback.eventServerPort }, 'Feedback loop enabled');

    const watcher = createModelWatcher({
      intervalMs: options.pollIntervalMs,
      target: (served) => servingTarget(storage, served),
      load,
      current: server.current,
      swap: server.swap,
      log: server.app.log,
    });
    server.attachWatcher(watcher);
    const engineChild = server.app.log.child({ source: 'engine' });
    structured = {
      debug: (message) => engineChild.debug(message),
      info: (message) => engineChild.info(message),
      warn: (message) => engineChild.warn(message),
      error: (message) => engineChild.error(message),
    };

    if (options.port !== 0) {
      const at = `http://${options.ip}:${options.port}`;
      console.info('MasterActor', `Undeploying any existing engine instance at ${at}`);
      const previous = await requestStop(options.ip, options.port, options.serverKey);
      if (previous === 'nothing') console.info('MasterActor', `Nothing at ${at}`);
      else await waitForPortFree(options.ip, options.port, 10_000);
    }
    await listenWithRetry(server.app, options.ip, options.port);
    const address = server.app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const url = `http://${options.ip}:${port}`;
    console.info('MasterActor', `Engine is deployed and running. Engine API is live at ${url}.`);
    server.app.log.info(
      { engineInstanceId: instance.id, readyMs: Math.round(performance.now()), pollIntervalMs: options.pollIntervalMs },
      'Engine server ready',
    );
    closeStorage = false;
    return { url, stopped, close };
  } finally {
    if (closeStorage) await storage.close();
  }
}

/** Binds, retrying 3 times 1 s apart like 0.12/0.13 (a previous server may still be releasing the port). */
async function listenWithRetry(app: { listen(options: { host: string; port: number }): Promise<string> }, ip: string, port: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await app.listen({ host: ip, port });
      return;
    } catch (error) {
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw new EngineWorkflowError(`Unable to bind the engine server to ${ip}:${port}: ${errorMessage(error)}. Stop the process using that port or pick another with --port.`, {
          logger: 'MasterActor',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
