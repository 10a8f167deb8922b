// @ts-check
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';

/**
 * Sends one corpus case over a fresh connection with its path exactly as written (fetch would normalise
 * `/../` and re-encode) and reads until the server closes (`Connection: close`). A raw socket, because a
 * server that refuses a large body answers and closes while the client still writes: an HTTP client then
 * reports EPIPE and drops the answer it had already received; here the bytes read count. No answer at
 * all is status 0.
 * @param {string} baseUrl
 * @param {import('./corpus.mjs').HostileCase} c
 * @returns {Promise<{ status: number, text: string, error?: string }>}
 */
export function sendCase(baseUrl, c) {
  const { hostname, port } = new URL(baseUrl);
  const body = typeof c.body === 'string' ? Buffer.from(c.body) : c.body === undefined ? undefined : Buffer.from(c.body);
  const headers = { host: `${hostname}:${port}`, ...c.headers, connection: 'close', ...(body === undefined ? {} : { 'content-length': String(body.length) }) };
  const head = `${c.method} ${c.path} HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const received = [];
    /** @type {string | undefined} */
    let error;
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(30_000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', (e) => (error ??= e.message));
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyAt = text.indexOf('\r\n\r\n');
      const answer = { status, text: bodyAt === -1 ? '' : Buffer.from(text.slice(bodyAt + 4), 'latin1').toString('utf8') };
      resolve(status === 0 && error !== undefined ? { ...answer, error } : answer);
    });
    socket.once('connect', () => void writeRequest(socket, Buffer.from(head, 'latin1'), body, () => received.length > 0));
  });
}

/**
 * Writes the request, a large body in chunks as a client on a real network does, and stops once the
 * server answered (a 413 before the body arrived).
 * @param {import('node:net').Socket} socket
 * @param {Buffer} head
 * @param {Buffer | undefined} body
 * @param {() => boolean} answered
 */
async function writeRequest(socket, head, body, answered) {
  const CHUNK = 64 * 1024;
  socket.write(head);
  if (body === undefined) return;
  // A server may refuse a large body by its headers alone (a 413 by Content-Length, a 401): like curl's
  // `Expect: 100-continue` wait, give it a moment to answer before sending the body it would not read.
  if (body.length > CHUNK) {
    for (let waited = 0; waited < 200 && !answered(); waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (let at = 0; at < body.length && !answered() && socket.writable; at += CHUNK) {
    if (!socket.write(body.subarray(at, at + CHUNK))) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
    // Let the answer be read as it arrives: once the server closes with our bytes unread, its reset makes
    // the kernel drop whatever this socket had not read yet.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Runs `cases` with `concurrency` requests in flight; `baseUrlOf` names each case's server.
 * @param {import('./corpus.mjs').HostileCase[]} cases
 * @param {(c: import('./corpus.mjs').HostileCase) => string} baseUrlOf
 * @param {number} concurrency
 * @returns {Promise<Array<{ case: import('./corpus.mjs').HostileCase, status: number, text: string, error?: string }>>}
 */
export async function runCases(cases, baseUrlOf, concurrency) {
  /** @type {Array<{ case: import('./corpus.mjs').HostileCase, status: number, text: string, error?: string }>} */
  const results = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index];
      if (c === undefined) break;
      results[index] = { case: c, ...(await sendCase(baseUrlOf(c), c)) };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** @param {number} status @returns {string} */
export const statusClass = (status) => (status === 0 ? 'no answer' : `${Math.floor(status / 100)}xx`);

/**
 * Resident set size of a process in MB (Linux /proc), or 0 once it is gone.
 * @param {number} pid
 */
export async function rssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * Samples the RSS of the processes `pids()` names every `everyMs` until stopped; the peak per process.
 * @param {() => Record<string, number>} pids
 * @param {number} everyMs
 */
export function samplePeakRss(pids, everyMs = 100) {
  /** @type {Record<string, number>} */
  const peaks = {};
  const sample = async () => {
    for (const [name, pid] of Object.entries(pids())) peaks[name] = Math.max(peaks[name] ?? 0, await rssMb(pid));
  };
  const timer = setInterval(() => void sample(), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      return peaks;
    },
  };
}
