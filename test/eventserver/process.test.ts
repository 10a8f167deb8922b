import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/net.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { createAppWithKey, openTestStorage, storageEnv, type TestApp } from './helpers.js';

const PIO = resolve(import.meta.dirname, '../../bin/pio');

let database: TestDatabase;
let pioHome: string;
let testApp: TestApp;
let child: ChildProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase('pio_es_proc');
  pioHome = await mkdtemp(join(tmpdir(), 'pio-es-proc-'));
  const storage = await openTestStorage(database.url, pioHome);
  try {
    testApp = await createAppWithKey(storage, 'proc');
  } finally {
    await storage.close();
  }
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await database?.drop();
  if (pioHome) await rm(pioHome, { recursive: true, force: true });
});

async function waitForAlive(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('event server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until connecting fails (the server stopped listening); false if it still accepts after 10 s. */
async function refusedWhileInFlight(port: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('pio eventserver as a process', () => {
  it('starts, serves, and on SIGTERM stops accepting, finishes the request in flight and exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [PIO, 'eventserver', '--ip', '127.0.0.1', '--port', String(port)], {
      env: { ...process.env, ...storageEnv(database.url, pioHome), PIO_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child?.on('exit', (code) => resolveExit(code)));

    await waitForAlive(port, 15_000);
    expect(stdout).toContain(`[INFO] [Management$] Creating Event Server at 127.0.0.1:${port}`);
    const jsonLogs = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(jsonLogs).toContainEqual(expect.objectContaining({ level: 30, msg: 'Event Server listening', port }));

    // A request whose body is still arriving when SIGTERM comes: it must complete. `Expect: 100-continue`
    // lets the test know the server has taken the request before the signal is sent.
    const body = JSON.stringify({ event: 'inflight', entityType: 'user', entityId: 'u1' });
    let refusedNewConnection = false;
    const inFlight = new Promise<{ status: number; text: string }>((resolveResponse, reject) => {
      const req = request(
        `http://127.0.0.1:${port}/events.json?accessKey=${testApp.key}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.on('continue', () => {
        req.write(body.slice(0, 10));
        child?.kill('SIGTERM');
        // New connections are refused while this request is still open; then its body completes.
        void refusedWhileInFlight(port).then((refused) => {
          refusedNewConnection = refused;
          req.end(body.slice(10));
        });
      });
      req.flushHeaders();
    });

    const response = await inFlight;
    expect(refusedNewConnection).toBe(true);
    expect(response.status).toBe(201);
    expect(response.text).toMatch(/^\{"eventId":"[0-9a-f]{32}"\}$/);
    const code = await exited;
    expect(code, stderr).toBe(0);
    // No framework deprecation or runtime warnings in the server's own output.
    expect(stderr).not.toMatch(/Deprecation|Warning/);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();

    const storage = await openTestStorage(database.url, pioHome);
    try {
      expect(await storage.events.count({ appId: testApp.appId }, { eventNames: ['inflight'] })).toBe(1);
    } finally {
      await storage.close();
    }
  });

  it('on SIGTERM with a slow uploader still sending, closes it after the drain time and exits within 10 s', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, [PIO, 'eventserver', '--ip', '127.0.0.1', '--port', String(port)], {
      env: { ...process.env, ...storageEnv(database.url, pioHome), PIO_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const exited = new Promise<number | null>((resolveExit) => proc.on('exit', (code) => resolveExit(code)));
    await waitForAlive(port, 15_000);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolveConnect) => socket.once('connect', resolveConnect));
    socket.write(`POST /events.json?accessKey=${testApp.key} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    const trickle = setInterval(() => socket.write(' '), 300);
    try {
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
      const signalled = Date.now();
      proc.kill('SIGTERM');
      const code = await exited;
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(code).toBe(0);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  }, 30_000);

  it('explains a port that is already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', listening));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = await new Promise<{ code: number | null; stdout: string }>((resolveRun) => {
        const proc = spawn(process.execPath, [PIO, 'eventserver', '--ip', '127.0.0.1', '--port', String(port)], {
          env: { ...process.env, ...storageEnv(database.url, pioHome) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        proc.on('exit', (exitCode) => resolveRun({ code: exitCode, stdout }));
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`[ERROR] [Console$] Cannot bind the Event Server to 127.0.0.1:${port}: the port is already in use.`);
    } finally {
      await new Promise((closed) => blocker.close(closed));
    }
  });

  it('rejects a bad --port with a clear message', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
      const proc = spawn(process.execPath, [PIO, 'eventserver', '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      proc.on('exit', (exitCode) => resolveRun({ code: exitCode, stderr }));
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--port must be an integer from 0 to 65535');
  });
});
