/**
 * Java's `Double.toString(double)`, as upstream's JVM prints doubles in JSON and messages: plain
 * decimal with at least one fraction digit for 1e-3 <= |d| < 1e7 (`100.0`, `0.001`), otherwise
 * `<digit>.<digits>E<exponent>` (`1.0E7`, `1.0E-4`); `-0.0`, `NaN`, `Infinity`, `-Infinity`.
 *
 * The digits are those of JDK 19 and later: the shortest decimal that rounds back to the double,
 * which is what JavaScript's `Number#toString` picks too — except that when one digit would do, Java
 * chooses the closest decimal of at most two digits (`Double.MIN_VALUE` is `4.9E-324`, not `5E-324`).
 * Older JDKs (JDK-4511638, fixed in JDK 19) sometimes print a longer decimal than needed: JDK 17 prints
 * 2e23 as `1.9999999999999998E23` and 1e23 as `9.999999999999999E22` where this gives `2.0E23` and
 * `1.0E23`; every such text still parses back to the same double.
 */
export function javaDoubleToString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  const { digits, exponent } = javaDigits(magnitude);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${integer}.${digits.slice(exponent + 1) || '0'}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
}

/** Significant digits (no trailing zeros) and decimal exponent of the decimal Java prints for `magnitude` > 0. */
function javaDigits(magnitude: number): { digits: string; exponent: number } {
  const shortest = decimalParts(magnitude.toExponential());
  if (shortest.digits.length > 1) return shortest;
  // One digit rounds back: Java takes the closest of the decimals with one or two digits that do.
  const twoDigits = magnitude.toExponential(1);
  return Number(twoDigits) === magnitude ? decimalParts(twoDigits) : shortest;
}

function decimalParts(exponential: string): { digits: string; exponent: number } {
  const [mantissa = '', exponent = '0'] = exponential.split('e');
  return { digits: mantissa.replace('.', '').replace(/(?<=.)0+$/, ''), exponent: Number(exponent) };
}
