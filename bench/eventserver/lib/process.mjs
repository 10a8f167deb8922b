// Child-process helpers: start the Event Server (or any node script), wait until it answers, read its RSS.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size of a process in MB (Linux /proc). */
export async function rssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Samples RSS every `intervalMs` until stopped; returns the maximum seen. */
export function sampleRss(pid, intervalMs = 100) {
  let max = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        max = Math.max(max, await rssMb(pid));
      } catch {
        return;
      }
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return max;
    },
  };
}

/**
 * @param {string} url
 * @param {{ method?: string, body?: string }} [options]
 * @returns {Promise<{ status: number | undefined, text: string }>}
 */
export function httpOnce(url, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Polls `url` (every 2 ms) until it answers `status`; returns when it did.
 * @param {string} url
 * @param {{ status?: number, timeoutMs?: number, method?: string, body?: string }} [options]
 */
export async function waitFor(url, { status = 200, timeoutMs = 20_000, method = 'GET', body } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await httpOnce(url, { method, body });
      if (response.status === status) return response;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await sleep(2);
  }
}

export function spawnNode(args, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

export async function stopChild({ child, exited }) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const result = await exited;
  clearTimeout(timer);
  return result;
}
