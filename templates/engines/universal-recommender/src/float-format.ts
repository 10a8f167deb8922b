/**
 * How UR prints an Elasticsearch score: the float travels as its shortest decimal (Java
 * `Float.toString`), is read back as a double and printed with `Double.toString` (`javaDouble`).
 * So 0.18232156f prints `0.18232156` (not the widened 0.18232156336307526) and zero prints `0.0`.
 */
export function shortestFloatDecimal(value: number): number {
  const f = Math.fround(value);
  if (f === 0 || !Number.isFinite(f)) return f;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}
