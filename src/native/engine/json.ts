import { z } from 'zod';

/**
 * Java's `Double.toString` for the numbers JavaScript can tell apart: plain notation within
 * [1e-3, 1e7), else `<mantissa>E<exp>` (`1.0E-4`, `1.0E10`). Integral values arrive from `JSON.parse`
 * as integers, so `1.0` in a request is indistinguishable from `1` (documented difference).
 */
export function javaDoubleString(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (value === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
  const withPoint = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${withPoint}E${Number(exponent)}`;
}

/** How upstream turns a JSON scalar into a string field (spec §0.2 item 3): integers as decimal text. */
export function jsonScalarToString(value: string | number): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : javaDoubleString(value);
}

/**
 * A string field of a query or params object that, like upstream, also accepts a JSON number
 * (`{"user": 1}` → `"1"`). Booleans, arrays and objects are rejected.
 */
export function jsonString() {
  return z.union([z.string(), z.number()]).transform(jsonScalarToString);
}
