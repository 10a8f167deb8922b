// Closed-loop load generator: `concurrency` workers, each sending its next request as soon as the
// previous one is answered, over keep-alive connections to a loopback address. Bounded by a request
// count; records the latency of every request.
import { Agent, request } from 'node:http';

/** Latency percentiles in milliseconds from a list of nanosecond durations. */
export function summarize(durationsNs, seconds, extra = {}) {
  const sorted = Float64Array.from(durationsNs).sort();
  const pick = (q) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6);
  return { count: sorted.length, seconds, perSecond: sorted.length / seconds, p50: pick(0.5), p99: pick(0.99), ...extra };
}

function postOnce(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
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

/**
 * POSTs `total` bodies (`bodyFor(i)`) to `url` with `concurrency` workers. Only 201 counts as success;
 * anything else is counted in `failures` (and the run keeps going).
 */
export async function httpLoad({ url, concurrency, total, bodyFor, expectStatus = 201 }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const durations = [];
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const body = bodyFor(i);
      const t0 = process.hrtime.bigint();
      const response = await postOnce(agent, url, body);
      durations.push(Number(process.hrtime.bigint() - t0));
      if (response.status !== expectStatus) failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return summarize(durations, seconds, { failures });
}

/** The same closed loop around an arbitrary async operation (used for the bare pg client). */
export async function operationLoad({ concurrency, total, operation }) {
  const durations = [];
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = process.hrtime.bigint();
      try {
        await operation(i);
      } catch {
        failures++;
      }
      durations.push(Number(process.hrtime.bigint() - t0));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summarize(durations, seconds, { failures });
}
