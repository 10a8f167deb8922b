import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { deployRequestSchema, type DeployRequest, type DeployResponse, type RouterStatus } from './protocol.js';

export interface ControlHandlers {
  status(): RouterStatus;
  deploy(request: DeployRequest): Promise<DeployResponse>;
  /** Called once the answer to `POST /stop` has been sent. */
  stop(): void;
  /** Served at `GET /metrics` without the token: counts only, on 127.0.0.1, for a local Prometheus. */
  metrics: Registry;
}

/** The router's control server: checks the bearer token, validates requests, answers JSON. */
export function createControlServer(token: string, handlers: ControlHandlers): Server {
  const expected = Buffer.from(`Bearer ${token}`);
  return createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/metrics') {
      handlers.metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': handlers.metrics.contentType });
          res.end(text);
        },
        (error: Error) => reply(500, { error: error.message }),
      );
      return;
    }
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply(401, { error: 'unauthorised' });
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/status') {
        reply(200, handlers.status());
      } else if (req.method === 'POST' && req.url === '/deploy') {
        const parsed = deployRequestSchema.safeParse(safeJson(body));
        if (!parsed.success) {
          reply(400, { error: 'invalid deploy request' });
          return;
        }
        handlers.deploy(parsed.data).then(
          (result) => reply(200, result),
          (error: Error) => reply(500, { ok: false, reason: error.message, output: [] }),
        );
      } else if (req.method === 'POST' && req.url === '/stop') {
        reply(200, { ok: true });
        res.once('finish', () => handlers.stop());
      } else {
        reply(404, { error: 'not found' });
      }
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
