import type { EventSubject, JsonObject } from '../storage/index.js';
import { InvalidEventError } from './errors.js';

/** The fields validation looks at (spec §1.3). */
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
