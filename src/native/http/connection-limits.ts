import type { FastifyInstance } from 'fastify';

/**
 * What one client may hold of a server: how long it may take to send its headers and its whole request,
 * how long an idle keep-alive connection stays open, and how many connections there may be at once.
 */
export interface ConnectionLimits {
  /** Headers must arrive within this; it also closes a connection that never sends a byte (408). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (a trickled body is cut with 408). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as they are accepted. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  // The platform router gives up on a request after 30 s: nothing slower can still be answered.
  requestTimeoutMs: 30_000,
  // Longer than the 60 s idle timeout of the usual load balancers in front, so they close an idle
  // connection first and never reuse one the server is closing.
  keepAliveTimeoutMs: 65_000,
  // A few MB of sockets at most: far more than a dyno serves at once, far less than exhausts its memory.
  maxConnections: 1024,
};

/**
 * The fastify options for `limits` (pass them to `Fastify()`); `capConnections` sets the rest once the
 * server exists. Node checks the header and request deadlines every `connectionsCheckingInterval`.
 */
export function connectionLimitOptions(limits: ConnectionLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  };
}

export function capConnections(app: FastifyInstance, limits: ConnectionLimits): void {
  app.server.maxConnections = limits.maxConnections;
}
