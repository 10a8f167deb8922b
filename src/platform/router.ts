import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { appLayout, readApp, readReleases, writeJson, type AppLayout } from './app-state.js';
import { createControlServer } from './router/control-server.js';
import { createRouterMetrics } from './router/metrics.js';
import { createProxy } from './router/proxy.js';
import { createCrashRestarts } from './router/restart-policy.js';
import { createWebProcesses, type WebProcesses } from './router/web-processes.js';

export { STOP_GRACE_MS, deployRequestSchema, type DeployRequest, type DeployResponse, type RouterStatus } from './router/protocol.js';

/**
 * The per-app router daemon of the local platform. It owns the app's stable port and proxies every
 * request to the current web process; a deploy boots the new release's web process on a fresh port,
 * waits until it is ready (`/readyz`, else `/`), switches traffic, lets requests in flight to the old one finish, then stops
 * the old one. So a deploy never fails a request, and a new release that does not boot never receives
 * traffic. It also restarts a crashed web process (with backoff), as a platform does.
 */
export async function runRouter(appDir: string): Promise<void> {
  const layout = appLayout(appDir);
  const app = await readApp(layout);
  const appLog = createWriteStream(layout.appLog, { flags: 'a', mode: 0o600 });
  const log = (message: string) => process.stdout.write(`${new Date().toISOString()} router | ${message}\n`);
  const token = randomBytes(24).toString('hex');

  const restarts = createCrashRestarts({ log, restart: (release) => web.restart(release) });
  const metrics = createRouterMetrics(() => web.status()?.version);
  const onCrash = (release: Parameters<typeof restarts.crashed>[0]) => {
    metrics.crashed();
    restarts.crashed(release);
  };
  const web: WebProcesses = createWebProcesses({ layout, appPort: app.port, appLog, log, onCrash });
  const proxy = createProxy({ target: () => web.current(), appPort: app.port, metrics: metrics.http });
  const control = createControlServer(token, {
    status: () => ({ pid: process.pid, port: app.port, web: web.status() }),
    deploy: async (request) => {
      const result = await web.deploy(request.release, request.bootTimeoutMs);
      metrics.deployed(result.ok);
      if (result.ok) restarts.booted();
      return result;
    },
    stop: () => void shutdown('stop requested'),
    metrics: metrics.registry,
  });

  let shuttingDown = false;
  async function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`stopping (${reason})`);
    await web.stopAll();
    await rm(layout.web, { force: true });
    await rm(layout.router, { force: true });
    proxy.closeAllConnections();
    control.closeAllConnections();
    await Promise.all([close(proxy), close(control)]);
    await new Promise<void>((resolve) => appLog.end(resolve));
    log('stopped');
    process.exit(0);
  }
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

  await listen(proxy, app.port, app.host);
  await listen(control, 0, '127.0.0.1');
  await writeJson(layout.router, { pid: process.pid, port: app.port, controlPort: portOf(control), token });
  log(`routing http://${app.host}:${app.port}/ (pid ${process.pid})`);
  await restoreCurrentRelease(layout, web, log);
}

/** After a crash or a reboot, brings the current release back without waiting for a push. */
async function restoreCurrentRelease(layout: AppLayout, web: WebProcesses, log: (message: string) => void): Promise<void> {
  const restore = (await readReleases(layout)).current;
  if (!restore || !existsSync(restore.slugDir)) return;
  void web.restart(restore).then((result) => {
    if (result && !result.ok) log(`could not restore v${restore.version}: ${result.reason}`);
  });
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
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
