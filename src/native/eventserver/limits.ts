import type { FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * Bodies up to this size are not counted: the connection cap bounds them (1,024 × 64 KiB), and the
 * insert hot path then pays nothing for the budget.
 */
const UNCOUNTED_BODY = 64 * 1024;

/**
 * Admits request bodies while the bytes being received stay within `limits.bodiesInFlight`. Called by
 * the authentication hook (every route with a body has one) rather than as a hook of its own, which
 * would cost every request.
 */
export class BodyBudget {
  private inFlight = 0;

  constructor(private readonly limits: EventServerLimits) {}

  /** True when the body may be read; otherwise it has answered 503 with `Retry-After`. */
  admit(request: FastifyRequest, reply: FastifyReply): boolean {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared <= UNCOUNTED_BODY) return true;
    if (request.method === 'GET' || request.method === 'DELETE') return true;
    const routeLimit = request.routeOptions.bodyLimit ?? this.limits.eventBody;
    // Above the route limit fastify answers 413 itself without reading: nothing to reserve.
    if (declared > routeLimit) return true;
    const bytes = Number.isFinite(declared) ? declared : routeLimit;
    if (this.inFlight + bytes > this.limits.bodiesInFlight) {
      reply.header('retry-after', '1').header('connection', 'close');
      sendMessage(reply, 503, MESSAGES.busy);
      return false;
    }
    this.inFlight += bytes;
    reply.raw.once('close', () => {
      this.inFlight -= bytes;
    });
    return true;
  }
}
