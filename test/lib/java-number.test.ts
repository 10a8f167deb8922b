import { describe, expect, it } from 'vitest';
import { javaDoubleToString } from '../../src/lib/java-number.js';

describe('javaDoubleToString', () => {
  // What `Double.toString` prints; all but the last group checked against a JVM (OpenJDK 17).
  it.each([
    [-0, '-0.0'],
    [0, '0.0'],
    [1e7, '1.0E7'],
    [1e-3, '0.001'],
    [9999999, '9999999.0'],
    [1e-4, '1.0E-4'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [Number.MIN_VALUE, '4.9E-324'],
    [-Number.MIN_VALUE, '-4.9E-324'],
    [Number.MAX_VALUE, '1.7976931348623157E308'],
    [1, '1.0'],
    [100, '100.0'],
    [-42, '-42.0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [4.56, '4.56'],
    [-1.5, '-1.5'],
    [1e10, '1.0E10'],
    [12345678.9, '1.23456789E7'],
    [1.2345e-7, '1.2345E-7'],
    [3 * Number.MIN_VALUE, '1.5E-323'],
    [2.2250738585072014e-308, '2.2250738585072014E-308'],
    [123456789012345680, '1.2345678901234568E17'],
  ])('%s → %s', (value, text) => {
    expect(javaDoubleToString(value)).toBe(text);
  });

  // JDK 19+ (JDK-4511638 fixed): JDK 17 prints 1.9999999999999998E23, 9.999999999999999E22 and 1.0E-323.
  it.each([
    [2e23, '2.0E23'],
    [1e23, '1.0E23'],
    [2 * Number.MIN_VALUE, '9.9E-324'],
  ])('%s → %s as JDK 19 and later print it', (value, text) => {
    expect(javaDoubleToString(value)).toBe(text);
    expect(Number(text)).toBe(value);
  });
});
