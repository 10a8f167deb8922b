import type { FastifyInstance } from 'fastify';
import { sendMessage } from '../http/answer.js';
import { MESSAGES } from './messages.js';

/**
 * What one request may cost the Event Server, and how long a connection may hold it. Every limit is
 * there because a single hostile client could otherwise take the memory or the event loop of all.
 */
export interface EventServerLimits {
  /** Largest body of `POST /events.json` in bytes. */
  eventBody: number;
  /** Largest body of `POST /batch/events.json` (at most 50 events). */
  batchBody: number;
  /** Largest webhook payload. */
  webhookBody: number;
  /**
   * Request-body bytes being received at once, across all connections (a chunked body counts as its
   * route's limit); a body beyond it answers 503 with `Retry-After` before it is read.
   */
  bodiesInFlight: number;
  /** Open connections; the next one is closed at once. */
  maxConnections: number;
  /** From a connection's first byte until its request headers are complete. */
  headersTimeoutMs: number;
  /** From the first byte until the whole request (headers and body) has arrived. */
  requestTimeoutMs: number;
  /** A socket with nothing sent in either direction this long is closed. */
  idleTimeoutMs: number;
  /** A keep-alive connection waiting for its next request this long is closed. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: EventServerLimits = {
  eventBody: 512 * 1024,
  batchBody: 4 * 1024 * 1024,
  webhookBody: 512 * 1024,
  bodiesInFlight: 64 * 1024 * 1024,
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
};

/** The fastify server options that carry the connection limits. */
export function serverOptionsOf(limits: EventServerLimits) {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks the two timeouts above this often (30 s by default, which would double them).
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  };
}

/** Admits request bodies while the bytes being received stay within `limits.bodiesInFlight`. */
export function registerBodyBudget(app: FastifyInstance, limits: EventServerLimits): void {
  let inFlight = 0;
  app.addHook('preParsing', (request, reply, payload, done) => {
    const declared = Number(request.headers['content-length']);
    const routeLimit = request.routeOptions.bodyLimit ?? limits.eventBody;
    // Above the route limit fastify answers 413 itself without reading: nothing to reserve.
    if (Number.isFinite(declared) && (declared === 0 || declared > routeLimit)) return done(null, payload);
    const bytes = Number.isFinite(declared) ? declared : routeLimit;
    if (inFlight + bytes > limits.bodiesInFlight) {
      reply.header('retry-after', '1').header('connection', 'close');
      sendMessage(reply, 503, MESSAGES.busy);
      return;
    }
    inFlight += bytes;
    reply.raw.once('close', () => {
      inFlight -= bytes;
    });
    done(null, payload);
  });
}
