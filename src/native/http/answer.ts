import type { FastifyReply } from 'fastify';

/** Upstream 0.12/0.13 content type; 0.14 clients accept it too (it starts with application/json). */
export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=UTF-8';
export const HTML_CONTENT_TYPE = 'text/html; charset=UTF-8';

/**
 * A complete HTTP answer thrown from deep inside a handler (bad input, missing entity…). The error
 * handler sends it as is; everything else thrown becomes a 500 or, for an unreachable database, a 503.
 */
export class HttpAnswer extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
    readonly contentType: string,
  ) {
    super(body);
    this.name = 'HttpAnswer';
  }

  static message(statusCode: number, message: string): HttpAnswer {
    return new HttpAnswer(statusCode, messageBody(message), JSON_CONTENT_TYPE);
  }

  static plain(statusCode: number, text: string): HttpAnswer {
    return new HttpAnswer(statusCode, text, TEXT_CONTENT_TYPE);
  }
}

/** `{"message":"<text>"}`, upstream's shape for every informational and error answer. */
export function messageBody(message: string): string {
  return `{"message":${JSON.stringify(message)}}`;
}

/** Sends `body`, JSON text already (servers render their own: json4s numbers, no fastify serializer). */
export function sendJson(reply: FastifyReply, statusCode: number, body: string): FastifyReply {
  return reply.code(statusCode).header('content-type', JSON_CONTENT_TYPE).send(body);
}

export function sendMessage(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return sendJson(reply, statusCode, messageBody(message));
}

export function sendText(reply: FastifyReply, statusCode: number, text: string): FastifyReply {
  return reply.code(statusCode).header('content-type', TEXT_CONTENT_TYPE).send(text);
}

export function sendAnswer(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  return reply.code(answer.statusCode).header('content-type', answer.contentType).send(answer.body);
}
