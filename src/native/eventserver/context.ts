import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventInput, Storage } from '../storage/index.js';
import type { AuthData } from './auth.js';
import type { EventServerLimits } from './limits.js';
import type { PluginRegistry } from './plugins.js';
import type { EventStats } from './stats.js';

// The request state the Event Server's routes share. It lives apart from app.ts, which registers the
// routes, so that routes never import their builder.

/** What every route handler needs; built once per server. */
export interface EventServerContext {
  storage: Storage;
  /** Inserts one event through the group-commit writer; resolves with its id after COMMIT. */
  insertOne: (auth: AuthData, event: EventInput) => Promise<string>;
  /**
   * Runs a storage action as the request's key, again with the key looked up afresh if the action finds
   * its event table missing (see `stale-key.ts`).
   */
  withCurrentAuth: <T>(request: FastifyRequest, action: (auth: AuthData) => Promise<T>) => Promise<T>;
  stats: EventStats | undefined;
  plugins: PluginRegistry;
  limits: EventServerLimits;
  /** True once the server is closing (requests then answer 503 with `Retry-After`). */
  isClosing: () => boolean;
}

/** The authentication hook (callback style): answers 401 itself, or sets `eventServerAuth` and calls `done`. */
export type Authenticate = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the Event Server's authentication hook on authenticated routes. */
    eventServerAuth: AuthData | null;
  }
}

/** The authenticated identity of a request on a route registered with `authenticate`. */
export function authOf(request: FastifyRequest): AuthData {
  const auth = request.eventServerAuth;
  if (auth === null) throw new Error('route is missing the authentication hook');
  return auth;
}
