/**
 * The PredictionIO event model (BEHAVIOUR.md#event-model), shared by the Event Server, `pio import`/`export` and engines:
 * decoding an input event from JSON (with upstream's coercions and exact error messages), validation,
 * time parsing/printing that keeps the zone, event ids and the output representation.
 *
 *   const event = decodeEventJson(line);            // throws InvalidEventError (message = upstream's)
 *   await storage.events.insert(scope, event);      // a DecodedEvent is a storage EventInput
 *   const line = formatEvent(storedEvent);          // BEHAVIOUR.md#event-output output, e.g. for GET /events.json and export
 */
export { decodeEvent, decodeEventJson, type DecodedEvent, type DecodeOptions } from './decode.js';
export {
  validateEvent,
  validateStorable,
  eventIdProblem,
  textProblem,
  isReservedPrefix,
  SPECIAL_EVENTS,
  BUILTIN_ENTITY_TYPES,
  MAX_EVENT_ID_LENGTH,
  type ValidatableEvent,
} from './validate.js';
export { InvalidEventError, isInvalidEventError, MAPPING_EXCEPTION, type InvalidEventKind } from './errors.js';
export { formatEvent, eventToJson, type RenderableEvent } from './serialize.js';
export { parseEventTime, canonicalUtcMillis, formatEventTime, formatOffset, zoneOffsetMinutes, UTC_ZONE, type ZonedTime } from './time.js';
export { JSON_LIMITS, type JsonLimits } from './json-limits.js';
export {
  parseJson,
  mayHoldUnfaithfulNumber,
  renderJson,
  toPlainJson,
  isJsonObjectNode,
  json4sDebugString,
  JsonNumber,
  JsonSyntaxError,
  type JsonNode,
} from './json.js';
export { javaDoubleToString } from '../../lib/java-number.js';
export { generateEventId } from '../storage/ids.js';
