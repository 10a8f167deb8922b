// @ts-check
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';

/**
 * Sends one corpus case over a fresh connection with its path exactly as written (fetch would normalise
 * `/../` and re-encode), and reads the whole answer. A server that closes early after answering (413
 * before the body is sent) still counts by its answer; no answer at all is status 0.
 * @param {string} baseUrl
 * @param {import('./corpus.mjs').HostileCase} c
 * @returns {Promise<{ status: number, text: string, error?: string }>}
 */
export function sendCase(baseUrl, c) {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    /** @param {{ status: number, text: string, error?: string }} result */
    const settle = (result) => {
      if (!settled) resolve(result);
      settled = true;
    };
    const body = typeof c.body === 'string' ? Buffer.from(c.body) : c.body;
    const headers = { ...c.headers, connection: 'close', ...(body === undefined ? {} : { 'content-length': String(body.length) }) };
    const req = request({ host: hostname, port: Number(port), method: c.method, path: c.path, headers, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => settle({ status: res.statusCode ?? 0, text }));
      res.on('error', () => settle({ status: res.statusCode ?? 0, text }));
    });
    // A write still pending when the server answered and closed fails on the socket after the request let
    // go of it: without a listener that EPIPE would be an uncaught error of the sender.
    req.on('socket', (socket) => socket.on('error', () => undefined));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    // EPIPE/ECONNRESET after the server answered and closed: wait a moment for the answer to be read.
    req.on('error', (error) => setTimeout(() => settle({ status: 0, text: '', error: error.message }), 1000));
    req.end(body);
  });
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
