import { z } from 'zod';
import { javaDoubleToString } from '../../lib/java-number.js';

/**
 * How upstream turns a JSON scalar into a string field (BEHAVIOUR.md#json-parsing item 3): integers as decimal text.
 * `1.0` in a request arrives from `JSON.parse` as the integer 1, so it becomes `"1"` (documented difference).
 */
export function jsonScalarToString(value: string | number): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : javaDoubleToString(value);
}

/**
 * A string field of a query or params object that, like upstream, also accepts a JSON number
 * (`{"user": 1}` → `"1"`). Booleans, arrays and objects are rejected.
 */
export function jsonString() {
  return z.union([z.string(), z.number()]).transform(jsonScalarToString);
}
