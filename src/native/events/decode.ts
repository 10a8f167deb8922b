import { javaDoubleToString } from '../../lib/java-number.js';
import type { EventInput, JsonObject } from '../storage/index.js';
import { DATA_MAP_EXCEPTION, InvalidEventError, MAPPING_EXCEPTION } from './errors.js';
import {
  isJsonObjectNode,
  isPlain,
  json4sDebugString,
  JsonNumber,
  JsonSyntaxError,
  parseJsonTracked,
  renderJson,
  toPlainJson,
  type JsonNode,
} from './json.js';
import { parseEventTime, UTC_ZONE } from './time.js';
import { validateEvent, validateStorable } from './validate.js';

/**
 * An input event after decoding and validation (BEHAVIOUR.md#event-decoding): what the Event Server and `pio import`
 * hand to storage (it is a storage `EventInput`). `creationTime` is the time of receipt, always UTC.
 */
export type DecodedEvent = Omit<EventInput, 'tags'> &
  Required<Pick<EventInput, 'properties' | 'propertiesText' | 'eventTime' | 'eventTimeZone' | 'creationTime'>>;

export interface DecodeOptions {
  /** The time of receipt: `creationTime`, and `eventTime` when absent (default: now). */
  now?: Date | undefined;
  /** The event table's `maxKeyLength` (storage `events.maxKeyLength`): longer keys are refused. */
  maxKeyLength?: number | undefined;
}

/**
 * Decodes one event from JSON text (a REST body or a `pio import` line). Number tokens are kept
 * losslessly, so `1.0` as an entity id becomes `"1.0"` and `{"rating":4.0}` is stored as written.
 * Throws `InvalidEventError` carrying upstream's exact message.
 */
export function decodeEventJson(text: string, options: DecodeOptions = {}): DecodedEvent {
  let parsed: { node: JsonNode; plain: boolean };
  try {
    parsed = parseJsonTracked(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new InvalidEventError('syntax', error.message);
    throw error;
  }
  return decodeNode(parsed.node, parsed.plain, options);
}

/**
 * Decodes one event from an already-parsed JSON value (e.g. an element of a batch parsed with
 * `parseJson`). Values from plain `JSON.parse` work too, but lose the integer/double distinction.
 */
export function decodeEvent(value: JsonNode, options: DecodeOptions = {}): DecodedEvent {
  return decodeNode(value, false, options);
}

function decodeNode(node: JsonNode, knownPlain: boolean, options: DecodeOptions): DecodedEvent {
  if (!isJsonObjectNode(node)) {
    throw new InvalidEventError(
      'not-object',
      `${MAPPING_EXCEPTION}: Expected a JSON object for an event but got ${json4sDebugString(node)}`,
    );
  }
  const event = requiredString(node, 'event');
  const eventId = optionalString(node, 'eventId');
  const entityType = requiredString(node, 'entityType');
  const entityId = requiredString(node, 'entityId');
  const targetEntityType = optionalString(node, 'targetEntityType');
  const targetEntityId = optionalString(node, 'targetEntityId');
  const { properties, propertiesText } = decodeProperties(
    Object.hasOwn(node, 'properties') ? node.properties : undefined,
    knownPlain,
  );
  const now = options.now ?? new Date();
  let eventTime = now;
  let eventTimeZone = UTC_ZONE;
  const rawTime = optionalString(node, 'eventTime');
  if (rawTime !== undefined) {
    const parsed = parseEventTime(rawTime);
    if (!parsed) throw new InvalidEventError('event-time', `${MAPPING_EXCEPTION}: Fail to extract eventTime ${rawTime}`);
    eventTime = parsed.date;
    eventTimeZone = parsed.zone;
  }
  const prId = optionalString(node, 'prId');
  const decoded: DecodedEvent = {
    event,
    entityType,
    entityId,
    properties,
    propertiesText,
    eventTime,
    eventTimeZone,
    creationTime: now,
  };
  if (eventId !== undefined) decoded.eventId = eventId;
  if (targetEntityType !== undefined) decoded.targetEntityType = targetEntityType;
  if (targetEntityId !== undefined) decoded.targetEntityId = targetEntityId;
  if (prId !== undefined) decoded.prId = prId;
  validateEvent(decoded);
  validateStorable(decoded, options.maxKeyLength);
  return decoded;
}

function decodeProperties(
  value: JsonNode | undefined,
  knownPlain: boolean,
): { properties: JsonObject; propertiesText: string } {
  if (value === undefined || value === null) return { properties: {}, propertiesText: '{}' };
  if (!isJsonObjectNode(value)) {
    throw new InvalidEventError(
      'type',
      `${MAPPING_EXCEPTION}: Do not know how to convert ${json4sDebugString(value)} into class org.json4s.JsonAST$JObject`,
    );
  }
  if (knownPlain || isPlain(value)) {
    const properties = value as JsonObject;
    return { properties, propertiesText: JSON.stringify(properties) };
  }
  return { properties: toPlainJson(value) as JsonObject, propertiesText: renderJson(value) };
}

/** json4s string extraction: strings as-is, numbers as their json4s text, anything else an error. */
function coerceToString(name: string, value: JsonNode): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : javaDoubleToString(value);
  if (value instanceof JsonNumber) return value.toJson4s();
  throw new InvalidEventError(
    'type',
    `${MAPPING_EXCEPTION}: Do not know how to convert ${json4sDebugString(value)} into class java.lang.String (field ${name})`,
  );
}

function requiredString(node: { [key: string]: JsonNode }, name: string): string {
  const value = Object.hasOwn(node, name) ? node[name] : undefined;
  if (value === undefined) throw new InvalidEventError('required', `${DATA_MAP_EXCEPTION}: The field ${name} is required.`);
  if (value === null) {
    throw new InvalidEventError('null', `${DATA_MAP_EXCEPTION}: The required field ${name} cannot be null.`);
  }
  return coerceToString(name, value);
}

function optionalString(node: { [key: string]: JsonNode }, name: string): string | undefined {
  const value = Object.hasOwn(node, name) ? node[name] : undefined;
  if (value === undefined || value === null) return undefined;
  return coerceToString(name, value);
}
