import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  decodeEvent,
  decodeEventJson,
  formatEvent,
  isInvalidEventError,
  json4sDebugString,
  MAPPING_EXCEPTION,
  type DecodedEvent,
} from '../../events/index.js';
import { isStorageUnavailable, type EventScope, type StoredEvent } from '../../storage/index.js';
import { HttpAnswer, sendJson, sendMessage } from '../../http/answer.js';
import { authOf, type Authenticate, type EventServerContext } from '../context.js';
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

export function scopeOf(auth: AuthData): EventScope {
  return { appId: auth.appId, channelId: auth.channelId };
}

export function isAllowed(auth: AuthData, event: string): boolean {
  return auth.allowedEvents.length === 0 || auth.allowedEvents.includes(event);
}

/** Decodes an event or answers 400 with upstream's message (spec §1.2). */
function decodeOr400(decode: () => DecodedEvent): DecodedEvent {
  try {
    return decode();
  } catch (error) {
    if (isInvalidEventError(error)) throw HttpAnswer.message(400, error.message);
    throw error;
  }
}

/** After a successful insert: `--stats` counters and input sniffers (spec §2.5 step 7). */
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

/** `/events.json`, `/events/<id>.json` and `/batch/events.json` (spec §2.5–2.8). */
export function registerEventRoutes(app: FastifyInstance, context: EventServerContext, authenticate: Authenticate): void {
  const { storage, plugins } = context;

  app.post('/events.json', { onRequest: authenticate }, async (request, reply) => {
    const auth = authOf(request);
    const event = decodeOr400(() => decodeEventJson(jsonText(request)));
    if (!isAllowed(auth, event.event)) return sendMessage(reply, 403, MESSAGES.eventNotAllowed(event.event));
    const info: EventInfo = { appId: auth.appId, channelId: auth.channelId, event };
    if (plugins.hasBlockers) await plugins.block(info);
    const eventId = await context.insertOne(auth, event);
    afterInsert(context, request, [info]);
    return sendJson(reply, 201, `{"eventId":${JSON.stringify(eventId)}}`);
  });

  app.get('/events.json', { onRequest: authenticate }, async (request, reply) => {
    const auth = authOf(request);
    const query = request.query as QueryParams;
    const limit = optionalInt32(query, 'limit');
    const reversed = optionalBoolean(query, 'reversed');
    if (reversed === true && (query.entityType === undefined || query.entityId === undefined)) {
      return sendMessage(reply, 500, MESSAGES.reversedMisuse);
    }
    const times: { startTime?: Date; untilTime?: Date } = {};
    for (const name of ['startTime', 'untilTime'] as const) {
      const raw = query[name];
      if (raw === undefined) continue;
      const parsed = parseTimeParam(raw);
      if (!parsed.ok) return sendMessage(reply, 400, parsed.message);
      times[name] = parsed.date;
    }
    let events: StoredEvent[];
    try {
      events = await storage.events.find(scopeOf(auth), {
        ...times,
        entityType: query.entityType,
        entityId: query.entityId,
        eventNames: query.event === undefined ? undefined : [query.event],
        targetEntityType: query.targetEntityType,
        targetEntityId: query.targetEntityId,
        limit: limit ?? DEFAULT_FIND_LIMIT,
        reversed: reversed ?? false,
      });
    } catch (error) {
      if (isStorageUnavailable(error)) throw error;
      // Upstream 0.12/0.13 answers a failed find with 400 and the exception's toString.
      const failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return sendMessage(reply, 400, failure);
    }
    if (events.length === 0) return sendMessage(reply, 404, MESSAGES.notFound);
    return sendJson(reply, 200, renderEvents(events));
  });

  app.get('/events/:file', { onRequest: authenticate }, async (request, reply) => {
    const auth = authOf(request);
    const event = await storage.events.get(scopeOf(auth), eventIdOf(request));
    if (event === undefined) return sendMessage(reply, 404, MESSAGES.notFound);
    return sendJson(reply, 200, formatEvent(event));
  });

  app.delete('/events/:file', { onRequest: authenticate }, async (request, reply) => {
    const auth = authOf(request);
    const deleted = await storage.events.delete(scopeOf(auth), eventIdOf(request));
    return deleted ? sendMessage(reply, 200, MESSAGES.found) : sendMessage(reply, 404, MESSAGES.notFound);
  });

  app.post('/batch/events.json', { onRequest: authenticate }, async (request, reply) => {
    const auth = authOf(request);
    const body = jsonBody(request);
    if (!Array.isArray(body)) {
      return sendMessage(reply, 400, `${MAPPING_EXCEPTION}: Expected collection but got ${json4sDebugString(body)}`);
    }
    if (body.length > MAX_BATCH_EVENTS) return sendMessage(reply, 400, MESSAGES.batchTooLarge);
    const now = new Date();
    const results: string[] = new Array<string>(body.length);
    const accepted: Array<{ index: number; info: EventInfo }> = [];
    body.forEach((element, index) => {
      let event: DecodedEvent;
      try {
        event = decodeEvent(element, { now });
      } catch (error) {
        if (!isInvalidEventError(error)) throw error;
        results[index] = `{"status":400,"message":${JSON.stringify(error.message)}}`;
        return;
      }
      if (!isAllowed(auth, event.event)) {
        results[index] = `{"status":403,"message":${JSON.stringify(MESSAGES.eventNotAllowed(event.event))}}`;
        return;
      }
      accepted.push({ index, info: { appId: auth.appId, channelId: auth.channelId, event } });
    });
    if (plugins.hasBlockers) {
      for (const { info } of accepted) await plugins.block(info);
    }
    if (accepted.length > 0) {
      // One transaction for the whole batch: either every accepted event is stored or none is.
      const ids = await storage.events.insertBatch(
        scopeOf(auth),
        accepted.map(({ info }) => info.event),
      );
      accepted.forEach(({ index }, position) => {
        results[index] = `{"status":201,"eventId":${JSON.stringify(ids[position])}}`;
      });
      afterInsert(
        context,
        request,
        accepted.map(({ info }) => info),
      );
    }
    return sendJson(reply, 200, `[${results.join(',')}]`);
  });
}
