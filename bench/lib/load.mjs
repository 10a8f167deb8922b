// Closed-loop load generators shared by the benchmarks: `concurrency` workers, each sending its next
// request as soon as the previous one is answered, over keep-alive connections to a loopback address.
// Bounded by a request count; every request's latency is recorded.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';

/**
 * @typedef {{ count: number, seconds: number, perSecond: number, p50: number, p99: number, [measure: string]: number }} LoadSummary
 * The latencies of one load run, plus the measurements its caller adds (failures, CPU per request).
 */

/**
 * Latency percentiles in milliseconds from a list of nanosecond durations.
 * @param {number[]} durationsNs
 * @param {number} seconds
 * @param {Record<string, number>} [extra] more measurements, kept as given
 * @returns {LoadSummary}
 */
export function summarize(durationsNs, seconds, extra = {}) {
  const sorted = Float64Array.from(durationsNs).sort();
  const pick = (q) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6);
  return { count: sorted.length, seconds, perSecond: sorted.length / seconds, p50: pick(0.5), p99: pick(0.99), ...extra };
}

/**
 * The closed loop itself: worker `w` runs `operation(prepare(i), w)` for the next unclaimed `i` until
 * `total` ran. Only the operation is timed; it resolves to whether it succeeded (a rejection ends the run).
 */
async function closedLoop({ concurrency, total, prepare = (i) => i, operation }) {
  const durations = [];
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async (w) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const input = prepare(i);
      const t0 = process.hrtime.bigint();
      const ok = await operation(input, w);
      durations.push(Number(process.hrtime.bigint() - t0));
      if (!ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { durations, seconds, failures };
}

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

/**
 * POSTs `total` JSON bodies (`bodyFor(i)`) to `url` through node:http. An answer counts as a failure
 * when `isValid(status, text)` says so, and so does a request that fails (status 0); the run goes on.
 */
export async function httpLoad({ url, concurrency, total, bodyFor, isValid }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const run = await closedLoop({
      concurrency,
      total,
      prepare: bodyFor,
      operation: async (body) => {
        const response = await postOnce(agent, url, body).catch(() => ({ status: 0, text: '' }));
        return isValid(response.status, response.text);
      },
    });
    return summarize(run.durations, run.seconds, { failures: run.failures });
  } finally {
    agent.destroy();
  }
}

/** The same closed loop around an arbitrary async operation (e.g. a bare pg client); a rejection is a failure. */
export async function operationLoad({ concurrency, total, operation }) {
  const run = await closedLoop({
    concurrency,
    total,
    operation: async (i) => {
      try {
        await operation(i);
        return true;
      } catch {
        return false;
      }
    },
  });
  return summarize(run.durations, run.seconds, { failures: run.failures });
}

/**
 * One keep-alive HTTP/1.1 connection speaking just enough of the protocol for these servers (responses
 * with Content-Length, no pipelining). Much cheaper per request than node:http's client, so on a small
 * machine the load generator takes less CPU away from the server it measures.
 */
class RawConnection {
  /** @type {import('node:net').Socket} opened by open(), before any post() */
  socket;

  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.pending = undefined;
    this.buffer = Buffer.alloc(0);
  }

  /** @returns {Promise<void>} */
  open() {
    return new Promise((resolve, reject) => {
      this.socket = connect({ host: this.host, port: this.port }, resolve);
      this.socket.setNoDelay(true);
      this.socket.once('error', reject);
      this.socket.on('data', (chunk) => this.onData(chunk));
      this.socket.on('close', () => this.pending?.reject(new Error('connection closed')));
    });
  }

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffer.subarray(0, headerEnd).toString('latin1');
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!match) {
      this.pending?.reject(new Error(`response without content-length: ${head}`));
      return;
    }
    const end = headerEnd + 4 + Number(match[1]);
    if (this.buffer.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffer.subarray(headerEnd + 4, end).toString('utf8');
    this.buffer = this.buffer.subarray(end);
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ status, text: body });
  }

  post(path, body) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close() {
    this.socket.destroy();
  }
}

/**
 * Like httpLoad over RawConnections (one per worker): same closed loop, same measurements, less client
 * CPU. Only `expectStatus` counts as success; a broken connection ends the run.
 */
export async function rawHttpLoad({ url, concurrency, total, bodyFor, expectStatus = 201 }) {
  const { hostname, port, pathname, search } = new URL(url);
  const path = `${pathname}${search}`;
  const connections = Array.from({ length: concurrency }, () => new RawConnection(hostname, Number(port)));
  await Promise.all(connections.map((connection) => connection.open()));
  try {
    const run = await closedLoop({
      concurrency,
      total,
      prepare: bodyFor,
      operation: async (body, w) => (await connections[w].post(path, body)).status === expectStatus,
    });
    return summarize(run.durations, run.seconds, { failures: run.failures });
  } finally {
    for (const connection of connections) connection.close();
  }
}
