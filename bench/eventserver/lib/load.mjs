// Closed-loop load generator: `concurrency` workers, each sending its next request as soon as the
// previous one is answered, over keep-alive connections to a loopback address. Bounded by a request
// count; records the latency of every request.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';

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

/**
 * One keep-alive HTTP/1.1 connection speaking just enough of the protocol for these servers (responses
 * with Content-Length, no pipelining). Much cheaper per request than node:http's client, so on a small
 * machine the load generator takes less CPU away from the server it measures.
 */
class RawConnection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.pending = undefined;
    this.buffer = Buffer.alloc(0);
  }

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

/** httpLoad over RawConnections: same closed loop, same measurements, less client CPU. */
export async function rawHttpLoad({ url, concurrency, total, bodyFor, expectStatus = 201 }) {
  const { hostname, port, pathname, search } = new URL(url);
  const path = `${pathname}${search}`;
  const connections = Array.from({ length: concurrency }, () => new RawConnection(hostname, Number(port)));
  await Promise.all(connections.map((connection) => connection.open()));
  const durations = [];
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async (connection) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const body = bodyFor(i);
      const t0 = process.hrtime.bigint();
      const response = await connection.post(path, body);
      durations.push(Number(process.hrtime.bigint() - t0));
      if (response.status !== expectStatus) failures++;
    }
  };
  try {
    await Promise.all(connections.map(worker));
  } finally {
    for (const connection of connections) connection.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summarize(durations, seconds, { failures });
}
