import { EVENT_COLUMNS } from './ddl.js';
import type { JsonObject, StoredEvent } from './types.js';

/** The event table's columns, for SELECT and COPY column lists. */
export const EVENT_COLUMN_LIST = EVENT_COLUMNS.join(', ');

/** An event table row as `pg` returns it. */
export interface StoredRow {
  id: string;
  event: string;
  entitytype: string;
  entityid: string;
  targetentitytype: string | null;
  targetentityid: string | null;
  properties: string | null;
  eventtime: Date;
  eventtimezone: string;
  tags: string | null;
  prid: string | null;
  creationtime: Date;
  creationtimezone: string;
}

export function fromEventRow(row: StoredRow): StoredEvent {
  const propertiesText = row.properties ?? '{}';
  return {
    eventId: row.id,
    event: row.event,
    entityType: row.entitytype,
    entityId: row.entityid,
    targetEntityType: row.targetentitytype ?? undefined,
    targetEntityId: row.targetentityid ?? undefined,
    properties: JSON.parse(propertiesText) as JsonObject,
    propertiesText,
    eventTime: row.eventtime,
    eventTimeZone: row.eventtimezone,
    tags: row.tags ? row.tags.split(',') : [],
    prId: row.prid ?? undefined,
    creationTime: row.creationtime,
    creationTimeZone: row.creationtimezone,
  };
}
