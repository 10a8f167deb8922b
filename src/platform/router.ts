import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  appLayout,
  readApp,
  readReleases,
  releaseSchema,
  writeJson,
  type Release,
} from './app-state.js';
import { startDyno, type Dyno } from './dyno.js';
import { freePort, waitForHealthy } from '../lib/net.js';
import { waitFor } from '../lib/process-tree.js';

/**
 * The per-app router daemon of the local platform. It owns the app's stable port and proxies every
 * request to the current web process; a deploy boots the new release's web process on a fresh port,
 * waits for it to answer, switches traffic, lets requests in flight to the old one finish, then stops
 * the old one. So a deploy never fails a request, and a new release that does not boot never receives
 * traffic. It also restarts a crashed web process (with backoff), as a platform does.
 */

export const STOP_GRACE_MS = 10_000;
const DRAIN_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_LINES = 40;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export const deployRequestSchema = z.object({
  release: releaseSchema,
  bootTimeoutMs: z.number().int().min(100).max(3_600_000),
});
export type DeployRequest = z.infer<typeof deployRequestSchema>;

export type DeployResponse = { ok: true; port: number } | { ok: false; reason: string; output: string[] };

interface Instance {
  release: Release;
  dyno: Dyno;
  port: number;
  agent: Agent;
  inflight: number;
  stopping: boolean;
}

function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}

export async function runRouter(appDir: string): Promise<void> {
  const layout = appLayout(appDir);
  const app = await readApp(layout);
  const appLog = createWriteStream(layout.appLog, { flags: 'a', mode: 0o600 });
  const log = (message: string) => process.stdout.write(`${new Date().toISOString()} router | ${message}\n`);
  const token = randomBytes(24).toString('hex');
  let current: Instance | undefined;
  let shuttingDown = false;
  let crashes = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const proxy = createServer((req, res) => forward(req, res));
  function forward(req: IncomingMessage, res: ServerResponse): void {
    const target = current;
    if (!target) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end('Application error: no web process is running. Check `pio-deploy remote logs`.\n');
      return;
    }
    target.inflight++;
    let counted = true;
    const done = () => {
      if (counted) target.inflight--;
      counted = false;
    };
    res.once('close', done);
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        agent: target.agent,
        headers: {
          ...forwardHeaders(req.headers),
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-proto': 'http',
          'x-forwarded-port': String(app.port),
          'x-request-start': String(Date.now()),
        },
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, forwardHeaders(response.headers));
        response.pipe(res);
      },
    );
    upstream.once('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Bad gateway: the web process did not answer (${error.message}).\n`);
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  }

  async function launch(release: Release, bootTimeoutMs: number): Promise<DeployResponse> {
    const web = release.processTypes.web;
    if (!web) return { ok: false, reason: `release v${release.version} declares no web process`, output: [] };
    const port = await freePort();
    const tail: string[] = [];
    const dyno = startDyno({
      name: 'web.1',
      command: web,
      slugDir: release.slugDir,
      env: { ...release.env, PORT: String(port), DYNO: 'web.1' },
      sink: (line) => {
        appLog.write(`${new Date().toISOString()} v${release.version} web.1 | ${line}\n`);
        tail.push(line);
        if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      },
    });
    log(`v${release.version}: started web.1 (pid ${dyno.pid}) on port ${port}`);
    const health = await waitForHealthy({ port, timeoutMs: bootTimeoutMs, isAlive: () => dyno.isRunning() });
    if (!health.ok) {
      log(`v${release.version}: web.1 failed its health check: ${health.reason}`);
      await dyno.stop(STOP_GRACE_MS);
      return { ok: false, reason: health.reason, output: [...tail] };
    }
    const instance: Instance = { release, dyno, port, agent: new Agent({ keepAlive: true }), inflight: 0, stopping: false };
    const previous = current;
    current = instance;
    await writeJson(layout.web, { pid: dyno.pid, port, version: release.version });
    log(`v${release.version}: web.1 answered (HTTP ${health.status}); routing :${app.port} -> :${port}`);
    void dyno.exited.then((exit) => {
      if (instance.stopping || shuttingDown) return;
      log(`v${release.version}: web.1 crashed (exit ${exit.code ?? exit.signal})`);
      // Like a crashed dyno, nothing of it survives: children the app left behind are stopped too.
      void dyno.stop(STOP_GRACE_MS);
      appLog.write(`${new Date().toISOString()} v${release.version} web.1 | process exited with ${exit.code ?? exit.signal}\n`);
      if (current === instance) {
        current = undefined;
        void rm(layout.web, { force: true });
        scheduleRestart(release);
      }
    });
    if (previous) await retire(previous);
    return { ok: true, port };
  }

  async function retire(instance: Instance): Promise<void> {
    instance.stopping = true;
    await waitFor(() => instance.inflight === 0, DRAIN_TIMEOUT_MS);
    await instance.dyno.stop(STOP_GRACE_MS);
    instance.agent.destroy();
    log(`v${instance.release.version}: stopped web.1 (pid ${instance.dyno.pid})`);
  }

  function scheduleRestart(release: Release): void {
    const delay = Math.min(60_000, 1_000 * 2 ** crashes);
    crashes++;
    log(`restarting web.1 of v${release.version} in ${delay / 1000} s`);
    setTimeout(() => {
      void exclusive(async () => {
        // A deploy may have replaced the crashed release meanwhile.
        if (shuttingDown || current) return;
        const result = await launch(release, 60_000);
        if (result.ok) crashes = 0;
        else if (!current) scheduleRestart(release);
      });
    }, delay).unref();
  }

  async function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`stopping (${reason})`);
    await queue.catch(() => undefined);
    if (current) {
      current.stopping = true;
      await current.dyno.stop(STOP_GRACE_MS);
      current.agent.destroy();
      current = undefined;
    }
    await rm(layout.web, { force: true });
    await rm(layout.router, { force: true });
    proxy.closeAllConnections();
    control.closeAllConnections();
    await Promise.all([close(proxy), close(control)]);
    await new Promise<void>((resolve) => appLog.end(resolve));
    log('stopped');
    process.exit(0);
  }

  const control = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply(401, { error: 'unauthorised' });
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/status') {
        reply(200, {
          pid: process.pid,
          port: app.port,
          web: current ? { pid: current.dyno.pid, port: current.port, version: current.release.version } : null,
        });
      } else if (req.method === 'POST' && req.url === '/deploy') {
        const parsed = deployRequestSchema.safeParse(safeJson(body));
        if (!parsed.success) {
          reply(400, { error: 'invalid deploy request' });
          return;
        }
        void exclusive(() => launch(parsed.data.release, parsed.data.bootTimeoutMs)).then(
          (result) => {
            if (result.ok) crashes = 0;
            reply(200, result);
          },
          (error: Error) => reply(500, { ok: false, reason: error.message, output: [] }),
        );
      } else if (req.method === 'POST' && req.url === '/stop') {
        reply(200, { ok: true });
        res.once('finish', () => void shutdown('stop requested'));
      } else {
        reply(404, { error: 'not found' });
      }
    });
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

  await listen(proxy, app.port, app.host);
  await listen(control, 0, '127.0.0.1');
  const address = control.address();
  const controlPort = typeof address === 'object' && address ? address.port : 0;
  await writeJson(layout.router, { pid: process.pid, port: app.port, controlPort, token });
  log(`routing http://${app.host}:${app.port}/ (pid ${process.pid})`);

  // After a crash or a reboot, bring the current release back without waiting for a push.
  const releases = await readReleases(layout);
  const restore = releases.current;
  if (restore && existsSync(restore.slugDir)) {
    void exclusive(async () => {
      if (current || shuttingDown) return;
      const result = await launch(restore, 60_000);
      if (!result.ok) log(`could not restore v${restore.version}: ${result.reason}`);
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

