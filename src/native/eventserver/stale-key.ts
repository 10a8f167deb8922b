import type { FastifyRequest } from 'fastify';
import { MissingEventTableError } from '../storage/index.js';
import { HttpAnswer } from '../http/answer.js';
import type { AccessKeyResolver, AuthData } from './auth.js';
import { authOf } from './context.js';
import type { QueryParams } from './query.js';

/**
 * Runs a storage action with the request's identity, and once more with a freshly looked-up one when it
 * finds the event table missing: the cached key may name an app that was deleted (and perhaps created
 * again under the same key). A key gone by now answers 401; the same app and channel again means the
 * table is really missing, and the first error stands.
 */
export async function withCurrentAuth<T>(
  resolver: AccessKeyResolver,
  request: FastifyRequest,
  action: (auth: AuthData) => Promise<T>,
): Promise<T> {
  const before = authOf(request);
  try {
    return await action(before);
  } catch (error) {
    if (!(error instanceof MissingEventTableError)) throw error;
    const fresh = await resolver.revalidate(request.query as QueryParams, request.headers.authorization);
    if (!fresh.ok) throw HttpAnswer.message(fresh.status, fresh.message);
    if (fresh.auth.appId === before.appId && fresh.auth.channelId === before.channelId) throw error;
    request.eventServerAuth = fresh.auth;
    return action(fresh.auth);
  }
}
