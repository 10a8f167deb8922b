import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeEvent, isInvalidEventError, isJsonObjectNode, json4sDebugString, toPlainJson, type DecodedEvent, type JsonNode } from '../../events/index.js';
import { HttpAnswer, sendJson, sendMessage } from '../../http/answer.js';
import { authOf, type Authenticate, type EventServerContext } from '../context.js';
import { formBody, jsonBody } from '../body.js';
import { MESSAGES, PLAIN } from '../messages.js';
import { ConnectorError, FORM_CONNECTORS, JSON_CONNECTORS, type EventJson } from '../webhooks/index.js';

interface WebhookTarget {
  name: string;
  kind: 'json' | 'form';
}

/** `/webhooks/<name>.json` or `/webhooks/<name>.form`; any other file name is not a route (plain 404). */
function targetOf(request: FastifyRequest): WebhookTarget {
  const file = (request.params as { file: string }).file;
  const match = /^(.+)\.(json|form)$/s.exec(file);
  if (match?.[1] === undefined) throw HttpAnswer.plain(404, PLAIN.notFound);
  return { name: match[1], kind: match[2] as 'json' | 'form' };
}

function connectorExists(target: WebhookTarget): boolean {
  return (target.kind === 'json' ? JSON_CONNECTORS : FORM_CONNECTORS).has(target.name);
}

function convert(target: WebhookTarget, request: FastifyRequest): EventJson | undefined {
  try {
    if (target.kind === 'json') {
      const payload: JsonNode = jsonBody(request);
      if (!isJsonObjectNode(payload)) {
        throw HttpAnswer.message(400, `Expected a JSON object but got ${json4sDebugString(payload)}`);
      }
      return JSON_CONNECTORS.get(target.name)?.toEventJson(toPlainJson(payload) as Record<string, unknown>);
    }
    const fields = formBody(request);
    return FORM_CONNECTORS.get(target.name)?.toEventJson(fields);
  } catch (error) {
    if (error instanceof ConnectorError) throw HttpAnswer.message(400, error.message);
    throw error;
  }
}

/**
 * A converted event that does not decode is the server's fault (500), not the client's; text the
 * database cannot store (a NUL the client sent) is the client's (400).
 */
function decodeConverted(eventJson: EventJson, maxKeyLength: number | undefined): DecodedEvent {
  try {
    return decodeEvent(eventJson as JsonNode, { maxKeyLength });
  } catch (error) {
    if (isInvalidEventError(error) && error.kind === 'unstorable') throw HttpAnswer.message(400, error.message);
    throw error;
  }
}

/** Webhook connectors (BEHAVIOUR.md#webhooks): the access-key allow-list does not apply to them. */
export function registerWebhookRoutes(app: FastifyInstance, context: EventServerContext, authenticate: Authenticate): void {
  app.get('/webhooks/:file', { onRequest: authenticate }, async (request, reply) => {
    authOf(request);
    const target = targetOf(request);
    if (!connectorExists(target)) return sendMessage(reply, 404, MESSAGES.webhookNotSupported(target.name));
    return sendMessage(reply, 200, MESSAGES.webhookOk);
  });

  app.post('/webhooks/:file', { onRequest: authenticate, bodyLimit: context.limits.webhookBody }, async (request, reply) => {
    const target = targetOf(request);
    const eventJson = convert(target, request);
    if (eventJson === undefined) return sendMessage(reply, 404, MESSAGES.webhookNotSupported(target.name));
    const event = decodeConverted(eventJson, context.storage.events.maxKeyLength);
    // As upstream, plugins do not see webhook events; `--stats` counts them.
    const { auth, eventId } = await context.withCurrentAuth(request, async (current) => ({
      auth: current,
      eventId: await context.insertOne(current, event),
    }));
    context.stats?.record(auth.appId, 201, event);
    return sendJson(reply, 201, `{"eventId":${JSON.stringify(eventId)}}`);
  });
}
