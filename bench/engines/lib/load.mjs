// Closed-loop load generator for engine queries: `concurrency` workers over keep-alive connections to a
// loopback address, each sending its next query as soon as the previous one is answered. Bounded by a
// request count; records every latency and checks every answer with `isValid(status, text)`.
import { Agent, request } from 'node:http';

function postOnce(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function queryLoad({ url, concurrency, total, bodyFor, isValid }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const durations = new Float64Array(total);
  let next = 0;
  let invalid = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const body = bodyFor(i);
      const t0 = process.hrtime.bigint();
      const response = await postOnce(agent, url, body).catch(() => ({ status: 0, text: '' }));
      durations[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!isValid(response.status, response.text)) invalid++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  durations.sort();
  const pick = (q) => durations[Math.min(total - 1, Math.floor(q * total))];
  return { count: total, seconds, perSecond: total / seconds, p50: pick(0.5), p99: pick(0.99), invalid };
}
