import type { FastifyInstance } from 'fastify';
import { sendMessage } from './answer.js';

export interface DrainOptions {
  /** In-flight requests get this long to finish; then every connection is closed. */
  deadlineMs: number;
  /** The `{"message": …}` new requests get once the server is closing. */
  message: string;
  /** Seconds a client should wait before trying again (another instance is usually up by then). */
  retryAfterSeconds: number;
}

export interface Drain {
  /** Refuses new requests, lets in-flight ones finish within the deadline, closes the server. */
  close(): Promise<void>;
}

/**
 * Graceful shutdown for a fastify server built with `return503OnClosing: false` (fastify's own 503 has
 * a generic body and no `Retry-After`). Once `close()` is called, requests on kept-alive connections
 * answer 503 with our JSON body and `Retry-After`, answers in flight tell the client to close the
 * connection, and at the deadline every remaining connection (a slow uploader, a stuck query) is cut,
 * so the process always gets to exit.
 */
export function drainOnClose(app: FastifyInstance, options: DrainOptions): Drain {
  let closing: Promise<void> | undefined;

  app.addHook('onRequest', (_request, reply, done) => {
    if (closing === undefined) {
      done();
      return;
    }
    // Answered here, so the route does not run (and done() is not called).
    sendMessage(reply.header('retry-after', String(options.retryAfterSeconds)).header('connection', 'close'), 503, options.message);
  });
  app.addHook('onSend', (_request, reply, _payload, done) => {
    if (closing !== undefined) reply.header('connection', 'close');
    done();
  });

  return {
    close() {
      closing ??= (async () => {
        const deadline = setTimeout(() => app.server.closeAllConnections(), options.deadlineMs);
        try {
          await app.close();
        } finally {
          clearTimeout(deadline);
        }
      })();
      return closing;
    },
  };
}
