import type { FastifyReply } from 'fastify';
import { JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE } from './messages.js';

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

export function sendJson(reply: FastifyReply, statusCode: number, body: string): FastifyReply {
  return reply.code(statusCode).header('content-type', JSON_CONTENT_TYPE).send(body);
}

export function sendMessage(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return sendJson(reply, statusCode, messageBody(message));
}

export function sendAnswer(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  return reply.code(answer.statusCode).header('content-type', answer.contentType).send(answer.body);
}
