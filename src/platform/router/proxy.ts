import { createServer, request, type Agent, type IncomingHttpHeaders, type Server } from 'node:http';
import type { HttpMetrics } from '../../native/observability/metrics.js';

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

/** Where the proxy sends a request; `inflight` counts its open requests so a retired one can drain. */
export interface ProxyTarget {
  port: number;
  agent: Agent;
  inflight: number;
}

function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}

/**
 * The app's public port: every request goes to the current web process, with the `X-Forwarded-*`
 * headers a platform router adds; 503 while none runs, 502 when it does not answer.
 */
export function createProxy(options: { target: () => ProxyTarget | undefined; appPort: number; metrics?: HttpMetrics }): Server {
  return createServer((req, res) => {
    if (options.metrics) {
      const { metrics } = options;
      const started = performance.now();
      res.once('finish', () => metrics.observe('proxy', req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000));
    }
    const target = options.target();
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
          'x-forwarded-port': String(options.appPort),
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
  });
}
