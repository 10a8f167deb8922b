import type { EventSubject, JsonObject } from '../storage/index.js';
import { formatEventTime, UTC_ZONE } from './time.js';

/** What rendering needs: a storage `StoredEvent` qualifies. */
export interface RenderableEvent extends EventSubject {
  eventId?: string | undefined;
  properties: JsonObject;
  /** When present, emitted verbatim instead of `JSON.stringify(properties)` (keeps `5.0` as stored). */
  propertiesText?: string | undefined;
  eventTime: Date;
  eventTimeZone?: string | undefined;
  prId?: string | undefined;
  creationTime: Date;
  creationTimeZone?: string | undefined;
}

/**
 * The output representation (BEHAVIOUR.md#event-output) shared by the REST API and `pio export`: compact JSON with
 * members in upstream's order, optional members omitted, `tags` never emitted, times in their own zone.
 */
export function formatEvent(e: RenderableEvent): string {
  let text = '{';
  if (e.eventId !== undefined) text += `"eventId":${JSON.stringify(e.eventId)},`;
  text += `"event":${JSON.stringify(e.event)},"entityType":${JSON.stringify(e.entityType)},"entityId":${JSON.stringify(e.entityId)}`;
  if (e.targetEntityType !== undefined) text += `,"targetEntityType":${JSON.stringify(e.targetEntityType)}`;
  if (e.targetEntityId !== undefined) text += `,"targetEntityId":${JSON.stringify(e.targetEntityId)}`;
  const properties = e.propertiesText === undefined || e.propertiesText === '' ? JSON.stringify(e.properties) : e.propertiesText;
  text += `,"properties":${properties}`;
  text += `,"eventTime":"${formatEventTime(e.eventTime, e.eventTimeZone ?? UTC_ZONE)}"`;
  if (e.prId !== undefined) text += `,"prId":${JSON.stringify(e.prId)}`;
  text += `,"creationTime":"${formatEventTime(e.creationTime, e.creationTimeZone ?? UTC_ZONE)}"}`;
  return text;
}

/** The same representation as a plain object (member order preserved), for APIs that serialize themselves. */
export function eventToJson(e: RenderableEvent): Record<string, unknown> {
  return JSON.parse(formatEvent(e)) as Record<string, unknown>;
}
