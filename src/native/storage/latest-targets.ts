import type { LatestTargetsQuery } from './types.js';

/** PostgreSQL's int4 maximum: "no limit" for an event name. */
const UNLIMITED = 2_147_483_647;

/**
 * `latestTargets`'s statement: the entities' events of the names, numbered per entity and name newest
 * first (eventTime, then id, as `find`'s order), cut at each name's limit, and returned newest first per
 * entity. Only three short columns travel; the limits are cut in PostgreSQL, not after decoding.
 */
export function latestTargetsQuery(table: string, query: LatestTargetsQuery): { text: string; values: unknown[] } {
  // A name given twice keeps its larger limit (each name must join once, or its rows would repeat).
  const most = new Map<string, number>();
  for (const { name, limit } of query.eventNames) {
    const value = limit === undefined || limit < 0 ? UNLIMITED : Math.min(UNLIMITED, Math.floor(limit));
    most.set(name, Math.max(value, most.get(name) ?? 0));
  }
  const names = [...most.keys()];
  const limits = [...most.values()];
  const text = `SELECT entityid AS "entityId", event, targetentityid AS "targetEntityId"
FROM (
  SELECT entityid, event, targetentityid, eventtime, id,
    row_number() OVER (PARTITION BY entityid, event ORDER BY eventtime DESC, id DESC) AS newest
  FROM ${table}
  WHERE entitytype = $1 AND entityid = ANY($2::text[]) AND event = ANY($3::text[]) AND targetentityid IS NOT NULL
) recent
JOIN unnest($3::text[], $4::int[]) AS wanted(name, most) ON wanted.name = recent.event
WHERE recent.newest <= wanted.most
ORDER BY entityid, eventtime DESC, id DESC`;
  return { text, values: [query.entityType, query.entityIds, names, limits] };
}
