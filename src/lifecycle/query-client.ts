import { request } from 'node:http';
import type { Answer } from './queries.js';

export interface TimedAnswer extends Answer {
  ms: number;
}

/** POSTs one query to the engine server's /queries.json on 127.0.0.1 (no keep-alive: nothing lingers). */
export function sendQuery(port: number, query: unknown, timeoutMs = 30_000): Promise<TimedAnswer> {
  const body = JSON.stringify(query);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/queries.json',
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          const ms = performance.now() - started;
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), isJson: true, ms });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text, isJson: false, ms });
          }
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.once('error', reject);
    req.end(body);
  });
}
