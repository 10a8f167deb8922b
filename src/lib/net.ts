import { request } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** An unused TCP port on 127.0.0.1 (the OS picks it; free at the time of the call). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP GET; resolves with the status code, or undefined when nothing answers. */
export function probe(port: number, path: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

export interface HealthCheck {
  port: number;
  path?: string;
  timeoutMs: number;
  /** Stops waiting early when the process died. */
  isAlive: () => boolean;
}

export type HealthResult = { ok: true; status: number } | { ok: false; reason: string };

/**
 * Waits until the web process answers HTTP GET with a status below 500, like a router's boot check
 * (Heroku gives a web dyno 60 s to bind $PORT).
 */
export async function waitForHealthy(check: HealthCheck): Promise<HealthResult> {
  const path = check.path ?? '/';
  const deadline = Date.now() + check.timeoutMs;
  let lastStatus: number | undefined;
  while (Date.now() < deadline) {
    if (!check.isAlive()) return { ok: false, reason: 'the web process exited before answering its health check' };
    lastStatus = await probe(check.port, path, Math.min(2_000, Math.max(100, deadline - Date.now())));
    if (lastStatus !== undefined && lastStatus < 500) return { ok: true, status: lastStatus };
    await sleep(150);
  }
  return {
    ok: false,
    reason:
      lastStatus === undefined
        ? `nothing answered on port ${check.port} within ${Math.round(check.timeoutMs / 1000)} s`
        : `GET ${path} still answered ${lastStatus} after ${Math.round(check.timeoutMs / 1000)} s`,
  };
}
