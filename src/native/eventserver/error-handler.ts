import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EventIdConflictError, isDatabaseError, isStorageUnavailable, MissingEventTableError } from '../storage/index.js';
import { HttpAnswer, sendAnswer, sendMessage } from '../http/answer.js';
import { MEDIA_TYPES } from './body.js';
import { MESSAGES, PLAIN } from './messages.js';
import { MalformedQueryParamError } from './query.js';

/** Access keys travel in query strings, and framework messages may quote the URL. */
function withoutAccessKeys(text: string): string {
  return text.replace(/accessKey=[^&\s'"]*/g, 'accessKey=***');
}

/**
 * How the Event Server answers whatever a route or fastify threw: the client's mistakes as 4xx with a
 * message naming them, an unreachable store as 503 with `Retry-After`, and anything else as 500 whose
 * body never carries database details (SQL state, table or constraint names): those go to the log.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // Read these before the type guards below narrow `error` away.
  const { message } = error;
  const { code, statusCode } = error as Partial<FastifyError>;
  const thrown: unknown = error;
  if (error instanceof HttpAnswer) return sendAnswer(reply, error);
  if (error instanceof MalformedQueryParamError) return sendAnswer(reply, HttpAnswer.plain(400, error.message));
  if (isStorageUnavailable(error)) {
    request.log.warn({ err: error.message }, 'event store unavailable');
    return sendMessage(reply.header('retry-after', '1'), 503, MESSAGES.storageUnavailable);
  }
  if (thrown instanceof EventIdConflictError) return sendMessage(reply, 409, MESSAGES.eventIdConflict(thrown.eventId));
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit ?? 0;
    return sendAnswer(reply, HttpAnswer.plain(413, PLAIN.tooLarge(request.headers['content-length'], limit)));
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const expected = (request.url.split('?')[0] ?? '').endsWith('.form') ? MEDIA_TYPES.form : MEDIA_TYPES.json;
    return sendAnswer(reply, HttpAnswer.plain(415, PLAIN.unsupportedMediaType(expected)));
  }
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    // Framework-level client errors (bad content length, aborted body…) answer in plain text.
    return sendAnswer(reply, HttpAnswer.plain(statusCode, withoutAccessKeys(message)));
  }
  request.log.error({ err: error, url: withoutAccessKeys(request.url) }, 'request failed');
  if (thrown instanceof MissingEventTableError) {
    return sendMessage(reply, 500, MESSAGES.missingEventData(thrown.scope.appId, thrown.scope.channelId));
  }
  return sendMessage(reply, 500, isDatabaseError(error) ? MESSAGES.internalError : message);
}
