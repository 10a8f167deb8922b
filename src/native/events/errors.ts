/**
 * Why an input event was rejected. `message` is the exact text upstream reports (BEHAVIOUR.md#event-decoding table):
 * `<Java exception class>: <detail>`; the Event Server returns it as `{"message": …}` with 400.
 */
export type InvalidEventKind =
  /** Not JSON at all (only from the text entry points). */
  | 'syntax'
  /** The JSON value is not an object. */
  | 'not-object'
  | 'required'
  | 'null'
  | 'type'
  | 'event-time'
  | 'validation'
  /** Text the database cannot store as received (NUL, a lone surrogate) or an over-long event id. */
  | 'unstorable';

export class InvalidEventError extends Error {
  constructor(
    readonly kind: InvalidEventKind,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

export function isInvalidEventError(error: unknown): error is InvalidEventError {
  return error instanceof InvalidEventError;
}

export const DATA_MAP_EXCEPTION = 'org.apache.predictionio.data.storage.DataMapException';
export const MAPPING_EXCEPTION = 'org.json4s.package$MappingException';
