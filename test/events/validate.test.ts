import { describe, expect, it } from 'vitest';
import { validateEvent, type ValidatableEvent } from '../../src/native/events/index.js';

const base: ValidatableEvent = { event: 'rate', entityType: 'user', entityId: '1', properties: {} };
const IAE = 'java.lang.IllegalArgumentException: requirement failed: ';

function failure(overrides: Partial<ValidatableEvent>): string | undefined {
  try {
    validateEvent({ ...base, ...overrides });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('validateEvent (BEHAVIOUR.md#event-validation, in rule order)', () => {
  it('accepts ordinary and special events', () => {
    expect(failure({})).toBeUndefined();
    expect(failure({ targetEntityType: 'item', targetEntityId: '2' })).toBeUndefined();
    expect(failure({ event: '$set' })).toBeUndefined();
    expect(failure({ event: '$unset', properties: { a: null } })).toBeUndefined();
    expect(failure({ event: '$delete', properties: { a: 1 } })).toBeUndefined();
    expect(failure({ entityType: 'pio_pr' })).toBeUndefined();
    expect(failure({ targetEntityType: 'pio_pr', targetEntityId: 'x' })).toBeUndefined();
    expect(failure({ properties: { a$: 1, 'x_pio_': 2 } })).toBeUndefined();
  });

  it.each<[Partial<ValidatableEvent>, string]>([
    [{ event: '' }, 'event must not be empty.'],
    [{ entityType: '' }, 'entityType must not be empty string.'],
    [{ entityId: '' }, 'entityId must not be empty string.'],
    [{ targetEntityType: '', targetEntityId: '1' }, 'targetEntityType must not be empty string'],
    [{ targetEntityType: 'item', targetEntityId: '' }, 'targetEntityId must not be empty string.'],
    [{ targetEntityType: 'item' }, 'targetEntityType and targetEntityId must be specified together.'],
    [{ targetEntityId: '2' }, 'targetEntityType and targetEntityId must be specified together.'],
    [{ event: '$unset' }, 'properties cannot be empty for $unset event'],
    [{ event: '$foo' }, '$foo is not a supported reserved event name.'],
    [{ event: 'pio_x' }, 'pio_x is not a supported reserved event name.'],
    [{ event: '$set', targetEntityType: 'item', targetEntityId: '2' }, 'Reserved event $set cannot have targetEntity'],
    [{ event: '$delete', targetEntityType: 'item', targetEntityId: '2' }, 'Reserved event $delete cannot have targetEntity'],
    [{ entityType: '$user' }, "The entityType $user is not allowed. 'pio_' is a reserved name prefix."],
    [{ entityType: 'pio_user' }, "The entityType pio_user is not allowed. 'pio_' is a reserved name prefix."],
    [
      { targetEntityType: 'pio_item', targetEntityId: '1' },
      "The targetEntityType pio_item is not allowed. 'pio_' is a reserved name prefix.",
    ],
    [{ properties: { ok: 1, $bad: 2, pio_worse: 3 } }, "The property $bad is not allowed. 'pio_' is a reserved name prefix."],
    [{ properties: { pio_x: 1 } }, "The property pio_x is not allowed. 'pio_' is a reserved name prefix."],
    // earlier rules win
    [{ event: '', entityType: '' }, 'event must not be empty.'],
    [{ event: '$unset', targetEntityType: 'item' }, 'targetEntityType and targetEntityId must be specified together.'],
    [{ event: '$foo', entityType: 'pio_x' }, '$foo is not a supported reserved event name.'],
  ])('%j → %s', (overrides, expected) => {
    expect(failure(overrides)).toBe(`${IAE}${expected}`);
  });
});
