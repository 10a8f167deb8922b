import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JsonSyntaxError, parseJson, type JsonNode } from '../events/json.js';
import { HttpAnswer } from '../http/answer.js';
import { PLAIN } from './messages.js';

/**
 * Request bodies are read as text by fastify (which enforces the body limit) and parsed by the route,
 * so that authentication always comes first and so that the event model's json4s-faithful JSON parser
 * (not fastify's) sees the text.
 */
export interface RawBody {
  kind: 'json' | 'form';
  text: string;
}

export const MEDIA_TYPES = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
} as const;

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  for (const kind of ['json', 'form'] as const) {
    app.addContentTypeParser(MEDIA_TYPES[kind], { parseAs: 'string' }, (_request, text, done) => {
      done(null, { kind, text: text as string } satisfies RawBody);
    });
  }
}

function rawBody(request: FastifyRequest, kind: RawBody['kind']): string {
  const body = request.body as RawBody | undefined;
  if (body === undefined || body === null) throw HttpAnswer.plain(400, PLAIN.entityExpected);
  if (body.kind !== kind) throw HttpAnswer.plain(415, PLAIN.unsupportedMediaType(MEDIA_TYPES[kind]));
  if (body.text.trim() === '') throw HttpAnswer.plain(400, PLAIN.entityExpected);
  return body.text;
}

/** The JSON body's text (400/415 in plain text when there is none or it is not JSON by content type). */
export function jsonText(request: FastifyRequest): string {
  return rawBody(request, 'json');
}

/** The parsed JSON body; 400 `{"message":<parser message>}` for text that is not JSON. */
export function jsonBody(request: FastifyRequest): JsonNode {
  const text = rawBody(request, 'json');
  try {
    return parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw HttpAnswer.message(400, error.message);
    throw error;
  }
}

/** Form fields; a repeated field keeps its last value, as upstream's form map does. */
export function formBody(request: FastifyRequest): Map<string, string> {
  return new Map(new URLSearchParams(rawBody(request, 'form')));
}
