import { toUtcWallClock } from './timestamps.js';
import type { EventQuery } from './types.js';

/** Builds `WHERE … ORDER BY … [LIMIT n]` for BEHAVIOUR.md#event-queries's filters. */
export function buildEventQuery(query: EventQuery, options: { order: boolean }): { clause: string; params: unknown[] } {
  const params: unknown[] = [];
  const conditions: string[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.startTime) conditions.push(`eventtime >= ${bind(toUtcWallClock(query.startTime))}`);
  if (query.untilTime) conditions.push(`eventtime < ${bind(toUtcWallClock(query.untilTime))}`);
  if (query.entityType !== undefined) conditions.push(`entitytype = ${bind(query.entityType)}`);
  if (query.entityId !== undefined) conditions.push(`entityid = ${bind(query.entityId)}`);
  if (query.entityIds !== undefined) conditions.push(`entityid = ANY(${bind(query.entityIds)}::text[])`);
  if (query.eventNames && query.eventNames.length > 0) {
    conditions.push(`(${query.eventNames.map((name) => `event = ${bind(name)}`).join(' OR ')})`);
  }
  if (query.targetEntityType === null) conditions.push('targetentitytype IS NULL');
  else if (query.targetEntityType !== undefined) conditions.push(`targetentitytype = ${bind(query.targetEntityType)}`);
  if (query.targetEntityId === null) conditions.push('targetentityid IS NULL');
  else if (query.targetEntityId !== undefined) conditions.push(`targetentityid = ${bind(query.targetEntityId)}`);

  let clause = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  if (options.order) {
    const direction = query.reversed ? 'DESC' : 'ASC';
    clause += ` ORDER BY eventtime ${direction}, id ${direction}`;
    if (query.limit !== undefined && query.limit >= 0) clause += ` LIMIT ${bind(Math.floor(query.limit))}`;
  }
  return { clause, params };
}
