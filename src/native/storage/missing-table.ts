import { MissingEventTableError } from './errors.js';
import type { EventScope } from './types.js';

const UNDEFINED_TABLE = '42P01';

/**
 * Explains a missing event table instead of surfacing "relation does not exist"; any other error is
 * returned as it is. The error may be PostgreSQL's own or a `StorageError` wrapping it.
 */
export function explainMissingTable(error: unknown, scope: EventScope, tableName: (scope: EventScope) => string): unknown {
  if ((error as { code?: string }).code === UNDEFINED_TABLE || (error as { cause?: { code?: string } }).cause?.code === UNDEFINED_TABLE) {
    const where = scope.channelId === undefined ? `app ID ${scope.appId}` : `app ID ${scope.appId}, channel ID ${scope.channelId}`;
    return new MissingEventTableError(`The event table ${tableName(scope)} (${where}) does not exist.`, scope, { cause: error });
  }
  return error;
}
