import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { event, startTestEventServer, type TestEventServer } from './helpers.js';

// Real sockets against a server with short limits: what a slow or idle client may hold, and for how long.
const LIMITS = { idleTimeoutMs: 600, headersTimeoutMs: 600, requestTimeoutMs: 1200, keepAliveTimeoutMs: 600, maxConnections: 4 };
let server: TestEventServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the socket's received text and the ms until the server closed it (Infinity if not within `withinMs`). */
function closedWithin(socket: Socket, withinMs: number): Promise<{ ms: number; received: string }> {
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ms: Number.POSITIVE_INFINITY, received });
    }, withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - started, received });
    });
  });
}

const portOf = (s: TestEventServer) => Number(new URL(s.baseUrl).port);

describe('connection limits with real sockets', () => {
  it('closes a socket that sends nothing', async () => {
    server = await startTestEventServer({ limits: LIMITS });
    const socket = await open(portOf(server));
    const { ms } = await closedWithin(socket, 5_000);
    expect(ms).toBeLessThan(3_000);
  });

  it('cuts a body trickled a byte at a time once the request timeout passes', async () => {
    server = await startTestEventServer({ limits: LIMITS });
    const socket = await open(portOf(server));
    const body = JSON.stringify(event());
    socket.write(
      `POST /events.json?accessKey=${server.main.key} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < body.length - 1 && !socket.destroyed) socket.write(body[sent++] as string);
    }, 150);
    try {
      const { ms } = await closedWithin(socket, 6_000);
      expect(ms).toBeLessThan(4_000);
    } finally {
      clearInterval(trickle);
    }
    expect(await server.storage.events.count({ appId: server.main.appId })).toBe(0);
  });

  it('closes a keep-alive connection that waits too long for its next request', async () => {
    server = await startTestEventServer({ limits: LIMITS });
    const socket = await open(portOf(server));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const { ms, received } = await closedWithin(socket, 5_000);
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeLessThan(3_000);
  });

  it('holds no more connections than its cap', async () => {
    server = await startTestEventServer({ limits: { ...LIMITS, idleTimeoutMs: 10_000, headersTimeoutMs: 10_000, requestTimeoutMs: 20_000 } });
    const held = await Promise.all(Array.from({ length: 4 }, () => open(portOf(server!))));
    const extra = await open(portOf(server));
    const { ms } = await closedWithin(extra, 3_000);
    expect(ms).toBeLessThan(1_000);
    for (const socket of held) socket.destroy();
  });

  it('answers requests arriving while it closes with its own 503 and Retry-After, and finishes the one in flight', async () => {
    server = await startTestEventServer({ limits: { ...LIMITS, idleTimeoutMs: 10_000, headersTimeoutMs: 10_000, requestTimeoutMs: 20_000 } });
    const port = portOf(server);
    const body = JSON.stringify(event({ entityId: 'in-flight' }));
    const head = (length: number) =>
      `POST /events.json?accessKey=${server!.main.key} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    // In flight: headers and half the body sent. Late: headers begun, so the connection is not idle.
    const inFlight = await open(port);
    inFlight.write(head(body.length) + body.slice(0, 10));
    const late = await open(port);
    late.write('GET /events.json');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = server.app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lateAnswer = closedWithin(late, 5_000);
    late.write(`?accessKey=${server.main.key} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const inFlightAnswer = closedWithin(inFlight, 5_000);
    inFlight.write(body.slice(10));
    const answered = await lateAnswer;
    expect(answered.received).toMatch(/^HTTP\/1\.1 503/);
    expect(answered.received.toLowerCase()).toContain('retry-after: 1');
    expect(answered.received).toContain('{"message":"The Event Server is shutting down. Retry later."}');
    expect((await inFlightAnswer).received).toMatch(/^HTTP\/1\.1 201/);
    await closing;
    expect(await server.storage.events.count({ appId: server.main.appId }, { entityId: 'in-flight' })).toBe(1);
  });
});
