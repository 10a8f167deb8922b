import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import {
  decodeEvent,
  decodeEventJson,
  formatEvent,
  isInvalidEventError,
  json4sDebugString,
  MAPPING_EXCEPTION,
  type DecodedEvent,
} from '../../events/index.js';
import {
  isStorageUnavailable,
  type EventQuery,
  type EventScope,
  type InsertResult,
  type StoredEvent,
} from '../../storage/index.js';
import { HttpAnswer, JSON_CONTENT_TYPE, sendJson, sendMessage } from '../../http/answer.js';
import type { Authenticate, EventServerContext } from '../context.js';
import type { AuthData } from '../auth.js';
import { jsonBody, jsonText } from '../body.js';
import { MESSAGES, PLAIN } from '../messages.js';
import type { EventInfo } from '../plugins.js';
import { optionalBoolean, optionalInt32, type QueryParams } from '../query.js';
import { parseTimeParam } from '../time-param.js';

/** Upstream's limit on `POST /batch/events.json`. */
export const MAX_BATCH_EVENTS = 50;
/** `GET /events.json` without `limit`. */
export const DEFAULT_FIND_LIMIT = 20;
/** Up to this `limit` a find is read and rendered at once; a larger one (or -1, all) is streamed. */
const BUFFERED_FIND_LIMIT = 1000;
/** Streamed finds at a time: each holds a pool connection for as long as its client reads. */
const MAX_STREAMED_FINDS = 2;
/** Rendered events per chunk of a streamed answer. */
const EVENTS_PER_CHUNK = 200;

export function scopeOf(auth: AuthData): EventScope {
  return { appId: auth.appId, channelId: auth.channelId };
}

export function isAllowed(auth: AuthData, event: string): boolean {
  return auth.allowedEvents.length === 0 || auth.allowedEvents.includes(event);
}

/** Decodes an event or answers 400 with upstream's message (BEHAVIOUR.md#event-decoding). */
function decodeOr400(decode: () => DecodedEvent): DecodedEvent {
  try {
    return decode();
  } catch (error) {
    if (isInvalidEventError(error)) throw HttpAnswer.message(400, error.message);
    throw error;
  }
}

/** After a successful insert: `--stats` counters and input sniffers (BEHAVIOUR.md#create-an-event step 7). */
export function afterInsert(context: EventServerContext, request: FastifyRequest, infos: EventInfo[]): void {
  if (context.stats !== undefined) {
    for (const info of infos) context.stats.record(info.appId, 201, info.event);
  }
  context.plugins.sniff(infos, (error, plugin) => request.log.error({ err: error, plugin }, 'input sniffer failed'));
}

/** The event id in `/events/<id>.json`; a path without the suffix is not a route (plain 404). */
function eventIdOf(request: FastifyRequest): string {
  const file = (request.params as { file: string }).file;
  const match = /^(.+)\.json$/s.exec(file);
  if (match?.[1] === undefined) throw HttpAnswer.plain(404, PLAIN.notFound);
  return match[1];
}

function renderEvents(events: readonly StoredEvent[]): string {
  let text = '[';
  for (let i = 0; i < events.length; i++) text += (i === 0 ? '' : ',') + formatEvent(events[i] as StoredEvent);
  return `${text}]`;
}

/**
 * The JSON array of a streamed find, a few hundred events per chunk, pulled only as fast as the client
 * reads (constant memory); stopping early (the client went away) closes the cursor.
 */
async function* renderStream(first: StoredEvent, rest: AsyncIterator<StoredEvent>): AsyncGenerator<string> {
  let chunk = `[${formatEvent(first)}`;
  let count = 1;
  try {
    for (let next = await rest.next(); next.done !== true; next = await rest.next()) {
      chunk += `,${formatEvent(next.value)}`;
      if (++count % EVENTS_PER_CHUNK === 0) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}]`;
  } finally {
    await rest.return?.();
  }
}

/** Upstream 0.12/0.13 answers a failed find with 400 and the exception's toString. */
function findFailure(error: unknown): HttpAnswer {
  if (isStorageUnavailable(error)) throw error;
  const failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return HttpAnswer.message(400, failure);
}

/** `/events.json`, `/events/<id>.json` and `/batch/events.json` (BEHAVIOUR.md#event-server). */
export function registerEventRoutes(app: FastifyInstance, context: EventServerContext, authenticate: Authenticate): void {
  const { storage, plugins } = context;

  app.post('/events.json', { onRequest: authenticate, bodyLimit: context.limits.eventBody }, async (request, reply) => {
    const event = decodeOr400(() => decodeEventJson(jsonText(request), { maxKeyLength: storage.events.maxKeyLength }));
    const { info, eventId } = await context.withCurrentAuth(request, async (auth) => {
      if (!isAllowed(auth, event.event)) throw HttpAnswer.message(403, MESSAGES.eventNotAllowed(event.event));
      const accepted: EventInfo = { appId: auth.appId, channelId: auth.channelId, event };
      if (plugins.hasBlockers) await plugins.block(accepted);
      return { info: accepted, eventId: await context.insertOne(auth, event) };
    });
    afterInsert(context, request, [info]);
    return sendJson(reply, 201, `{"eventId":${JSON.stringify(eventId)}}`);
  });

  let streamedFinds = 0;

  app.get('/events.json', { onRequest: authenticate }, async (request, reply) => {
    const query = request.query as QueryParams;
    const limit = optionalInt32(query, 'limit') ?? DEFAULT_FIND_LIMIT;
    const reversed = optionalBoolean(query, 'reversed');
    if (reversed === true && (query.entityType === undefined || query.entityId === undefined)) {
      // Upstream answers this with a 500 (a failed `require`); it is the client's mistake (COMPATIBILITY.md B3).
      return sendMessage(reply, 400, MESSAGES.reversedMisuse);
    }
    const times: { startTime?: Date; untilTime?: Date } = {};
    for (const name of ['startTime', 'untilTime'] as const) {
      const raw = query[name];
      if (raw === undefined) continue;
      const parsed = parseTimeParam(raw);
      if (!parsed.ok) return sendMessage(reply, 400, parsed.message);
      times[name] = parsed.date;
    }
    const find: EventQuery = {
      ...times,
      entityType: query.entityType,
      entityId: query.entityId,
      eventNames: query.event === undefined ? undefined : [query.event],
      targetEntityType: query.targetEntityType,
      targetEntityId: query.targetEntityId,
      limit: limit < 0 ? undefined : limit,
      reversed: reversed ?? false,
    };
    if (limit >= 0 && limit <= BUFFERED_FIND_LIMIT) {
      const events = await context
        .withCurrentAuth(request, (auth) => storage.events.find(scopeOf(auth), find))
        .catch((error: unknown) => Promise.reject(findFailure(error)));
      if (events.length === 0) return sendMessage(reply, 404, MESSAGES.notFound);
      return sendJson(reply, 200, renderEvents(events));
    }
    if (streamedFinds >= MAX_STREAMED_FINDS) return sendMessage(reply.header('retry-after', '1'), 503, MESSAGES.tooManyStreams);
    streamedFinds++;
    let released = false;
    const release = () => {
      if (!released) streamedFinds--;
      released = true;
    };
    try {
      // The first event decides between 404 and a streamed 200 before anything is sent.
      const { events, first } = await context
        .withCurrentAuth(request, async (auth) => {
          const iterator = storage.events.stream(scopeOf(auth), find)[Symbol.asyncIterator]();
          return { events: iterator, first: await iterator.next() };
        })
        .catch((error: unknown) => Promise.reject(findFailure(error)));
      if (first.done === true) {
        release();
        return sendMessage(reply, 404, MESSAGES.notFound);
      }
      const body = Readable.from(renderStream(first.value, events));
      body.once('close', release);
      body.once('error', (error) => request.log.error({ err: error }, 'streamed find failed'));
      return reply.code(200).header('content-type', JSON_CONTENT_TYPE).send(body);
    } catch (error) {
      release();
      throw error;
    }
  });

  app.get('/events/:file', { onRequest: authenticate }, async (request, reply) => {
    const eventId = eventIdOf(request);
    const event = await context.withCurrentAuth(request, (auth) => storage.events.get(scopeOf(auth), eventId));
    if (event === undefined) return sendMessage(reply, 404, MESSAGES.notFound);
    return sendJson(reply, 200, formatEvent(event));
  });

  app.delete('/events/:file', { onRequest: authenticate }, async (request, reply) => {
    const eventId = eventIdOf(request);
    const deleted = await context.withCurrentAuth(request, (auth) => storage.events.delete(scopeOf(auth), eventId));
    return deleted ? sendMessage(reply, 200, MESSAGES.found) : sendMessage(reply, 404, MESSAGES.notFound);
  });

  app.post('/batch/events.json', { onRequest: authenticate, bodyLimit: context.limits.batchBody }, async (request, reply) => {
    const body = jsonBody(request);
    if (!Array.isArray(body)) {
      return sendMessage(reply, 400, `${MAPPING_EXCEPTION}: Expected collection but got ${json4sDebugString(body)}`);
    }
    if (body.length > MAX_BATCH_EVENTS) return sendMessage(reply, 400, MESSAGES.batchTooLarge);
    const now = new Date();
    const decoded = body.map((element): DecodedEvent | string => {
      try {
        return decodeEvent(element, { now, maxKeyLength: storage.events.maxKeyLength });
      } catch (error) {
        if (!isInvalidEventError(error)) throw error;
        return `{"status":400,"message":${JSON.stringify(error.message)}}`;
      }
    });
    const { results, accepted } = await context.withCurrentAuth(request, (auth) => storeBatch(context, auth, decoded));
    if (accepted.length > 0) afterInsert(context, request, accepted);
    return sendJson(reply, 200, `[${results.join(',')}]`);
  });
}

/**
 * Stores a batch's decoded events in one transaction and answers per event: 201 with its id (also for a
 * retry of an event already stored under its id), 400/403 as decoded and allowed, 409 for an id taken
 * by other content.
 */
async function storeBatch(
  context: EventServerContext,
  auth: AuthData,
  decoded: ReadonlyArray<DecodedEvent | string>,
): Promise<{ results: string[]; accepted: EventInfo[] }> {
  const results: string[] = new Array<string>(decoded.length);
  const toStore: Array<{ index: number; info: EventInfo }> = [];
  decoded.forEach((event, index) => {
    if (typeof event === 'string') results[index] = event;
    else if (!isAllowed(auth, event.event)) {
      results[index] = `{"status":403,"message":${JSON.stringify(MESSAGES.eventNotAllowed(event.event))}}`;
    } else toStore.push({ index, info: { appId: auth.appId, channelId: auth.channelId, event } });
  });
  if (context.plugins.hasBlockers) {
    for (const { info } of toStore) await context.plugins.block(info);
  }
  if (toStore.length === 0) return { results, accepted: [] };
  const stored = await context.storage.events.insertEach(
    scopeOf(auth),
    toStore.map(({ info }) => info.event),
  );
  const accepted: EventInfo[] = [];
  toStore.forEach(({ index, info }, position) => {
    const { eventId, outcome } = stored[position] as InsertResult;
    if (outcome === 'conflict') {
      results[index] = `{"status":409,"message":${JSON.stringify(MESSAGES.eventIdConflict(eventId))}}`;
    } else {
      results[index] = `{"status":201,"eventId":${JSON.stringify(eventId)}}`;
      if (outcome === 'created') accepted.push(info);
    }
  });
  return { results, accepted };
}
