import { javaDoubleToString } from '../../lib/java-number.js';

/**
 * A prediction member printed as a JVM engine prints a `Double` (json4s' `JDouble`): `0.0`, `1.0E-4`,
 * where `JSON.stringify` prints `0` and `0.0001`. The brand is a registered symbol, so the runtime
 * recognises markers made by the copy of this module inside an engine bundle.
 */
const JAVA_DOUBLE: unique symbol = Symbol.for('pio-deploy.javaDouble');

export interface JavaDouble {
  readonly [JAVA_DOUBLE]: number;
  /** Code that does not know the marker (`JSON.stringify`) sees the plain number. */
  toJSON(): number;
}

/** Marks `value` to be printed with Java's `Double.toString` in the response (`javaDouble(0)` → `0.0`). */
export function javaDouble(value: number): JavaDouble {
  return { [JAVA_DOUBLE]: value, toJSON: () => value };
}

export function isJavaDouble(value: unknown): value is JavaDouble {
  return typeof value === 'object' && value !== null && JAVA_DOUBLE in value;
}

/**
 * The compact JSON text of a prediction (or anything holding one): `JSON.stringify`'s, except that
 * `javaDouble` members print as Java does (non-finite values, which JSON cannot hold, print `null`).
 * Without markers it is `JSON.stringify` itself, so engines that use none print exactly as before.
 */
export function renderPredictionJson(value: unknown): string {
  if (!holdsJavaDouble(value)) return JSON.stringify(value ?? null);
  return render(value) ?? 'null';
}

function holdsJavaDouble(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isJavaDouble(value)) return true;
  if (Array.isArray(value)) return value.some(holdsJavaDouble);
  for (const key in value) if (Object.hasOwn(value, key) && holdsJavaDouble((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** `JSON.stringify`'s rules for the rest: `toJSON`, members whose value prints nothing are left out. */
function render(value: unknown): string | undefined {
  if (isJavaDouble(value)) {
    const number = value[JAVA_DOUBLE];
    return Number.isFinite(number) ? javaDoubleToString(number) : 'null';
  }
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return render((withToJson.toJSON as () => unknown).call(value));
  if (Array.isArray(value)) return `[${value.map((element) => render(element) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value)) {
    const text = render((value as Record<string, unknown>)[key]);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}
