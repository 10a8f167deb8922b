/**
 * A webhook connector turns a third-party payload into *event JSON*, which the Event Server then decodes
 * and validates exactly like a REST body (BEHAVIOUR.md#webhooks).
 */
export type EventJson = Record<string, unknown>;

/** The payload cannot be converted: answered with 400 and this message. Anything else thrown is a 500. */
export class ConnectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export interface JsonConnector {
  readonly kind: 'json';
  toEventJson(payload: Record<string, unknown>): EventJson;
}

export interface FormConnector {
  readonly kind: 'form';
  toEventJson(fields: ReadonlyMap<string, string>): EventJson;
}

export type WebhookConnector = JsonConnector | FormConnector;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
