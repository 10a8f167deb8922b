import type { EventSubject, JsonObject } from '../storage/index.js';
import { InvalidEventError } from './errors.js';

/** The fields validation looks at (BEHAVIOUR.md#event-validation). */
export interface ValidatableEvent extends EventSubject {
  properties: JsonObject;
}

/** Events that act on the entity itself; the only accepted names with a reserved prefix. */
export const SPECIAL_EVENTS: ReadonlySet<string> = new Set(['$set', '$unset', '$delete']);
/** Entity types with a reserved prefix that are still allowed (prediction results of the feedback loop). */
export const BUILTIN_ENTITY_TYPES: ReadonlySet<string> = new Set(['pio_pr']);

export function isReservedPrefix(name: string): boolean {
  return name.startsWith('$') || name.startsWith('pio_');
}

function requirement(condition: boolean, message: string): void {
  if (!condition) {
    throw new InvalidEventError('validation', `java.lang.IllegalArgumentException: requirement failed: ${message}`);
  }
}

/**
 * Upstream's `EventValidation.validate`: the rules in order, the first violation wins. Messages are
 * exact, including their inconsistent final periods.
 */
export function validateEvent(e: ValidatableEvent): void {
  requirement(e.event !== '', 'event must not be empty.');
  requirement(e.entityType !== '', 'entityType must not be empty string.');
  requirement(e.entityId !== '', 'entityId must not be empty string.');
  requirement(e.targetEntityType !== '', 'targetEntityType must not be empty string');
  requirement(e.targetEntityId !== '', 'targetEntityId must not be empty string.');
  const together = 'targetEntityType and targetEntityId must be specified together.';
  requirement(e.targetEntityType === undefined || e.targetEntityId !== undefined, together);
  requirement(e.targetEntityId === undefined || e.targetEntityType !== undefined, together);
  requirement(
    !(e.event === '$unset' && Object.keys(e.properties).length === 0),
    'properties cannot be empty for $unset event',
  );
  requirement(
    !isReservedPrefix(e.event) || SPECIAL_EVENTS.has(e.event),
    `${e.event} is not a supported reserved event name.`,
  );
  requirement(
    !SPECIAL_EVENTS.has(e.event) || (e.targetEntityType === undefined && e.targetEntityId === undefined),
    `Reserved event ${e.event} cannot have targetEntity`,
  );
  requirement(
    !isReservedPrefix(e.entityType) || BUILTIN_ENTITY_TYPES.has(e.entityType),
    `The entityType ${e.entityType} is not allowed. 'pio_' is a reserved name prefix.`,
  );
  if (e.targetEntityType !== undefined) {
    requirement(
      !isReservedPrefix(e.targetEntityType) || BUILTIN_ENTITY_TYPES.has(e.targetEntityType),
      `The targetEntityType ${e.targetEntityType} is not allowed. 'pio_' is a reserved name prefix.`,
    );
  }
  // No built-in property names exist, so every reserved-prefix key is rejected.
  for (const key of Object.keys(e.properties)) {
    requirement(!isReservedPrefix(key), `The property ${key} is not allowed. 'pio_' is a reserved name prefix.`);
  }
}

/** Longest event id the JDBC layout stores (`varchar(32)`). */
export const MAX_EVENT_ID_LENGTH = 32;

/** Why a client-given event id cannot be stored, or undefined when it can (the REST API and `pio import`). */
export function eventIdProblem(eventId: string): string | undefined {
  if (eventId.length > MAX_EVENT_ID_LENGTH) return `eventId ${JSON.stringify(eventId)} is longer than ${MAX_EVENT_ID_LENGTH} characters`;
  return undefined;
}

/** A UTF-16 surrogate without its other half: UTF-8 cannot encode it, so it would be stored as U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a text value cannot be stored exactly as received, or undefined when it can: PostgreSQL text holds
 * no U+0000, and a lone surrogate would be stored as U+FFFD (an acknowledged id that cannot be fetched).
 * Property values need no such check: they are stored as JSON text, where both are escaped.
 */
export function textProblem(what: string, value: string): string | undefined {
  if (value.includes('\0')) return `${what} contains a NUL character (U+0000), which cannot be stored`;
  if (LONE_SURROGATE.test(value)) return `${what} contains an unpaired UTF-16 surrogate, which cannot be stored as UTF-8`;
  return undefined;
}

/** The event's text fields, as `validateStorable` checks them. */
export interface StorableEvent extends ValidatableEvent {
  eventId?: string | undefined;
  prId?: string | undefined;
}

const TEXT_FIELDS = ['eventId', 'event', 'entityType', 'entityId', 'targetEntityType', 'targetEntityId', 'prId'] as const;
/** The columns that are `varchar(255)` in the INDEX=enabled layout. */
const KEY_FIELDS = ['event', 'entityType', 'entityId'] as const;

/**
 * What upstream's rules leave to the database (which then fails with a 500): text it cannot store as
 * received, over-long event ids, and (given the table's `maxKeyLength`, 255 with INDEX=enabled) an
 * event name, entity type or entity id longer than its column. Runs after `validateEvent`, so upstream's
 * messages come first.
 */
export function validateStorable(e: StorableEvent, maxKeyLength?: number): void {
  for (const field of TEXT_FIELDS) {
    const value = e[field];
    if (value === undefined) continue;
    const problem = textProblem(`The field ${field}`, value);
    if (problem !== undefined) throw new InvalidEventError('unstorable', problem);
  }
  const idProblem = e.eventId === undefined ? undefined : eventIdProblem(e.eventId);
  if (idProblem !== undefined) throw new InvalidEventError('unstorable', idProblem);
  if (maxKeyLength === undefined) return;
  for (const field of KEY_FIELDS) {
    if (e[field].length > maxKeyLength) {
      throw new InvalidEventError(
        'unstorable',
        `The field ${field} is ${e[field].length} characters long; the event table stores at most ${maxKeyLength} (varchar(${maxKeyLength}) with PIO_STORAGE_SOURCES_PGSQL_INDEX=enabled)`,
      );
    }
  }
}
