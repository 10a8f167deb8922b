export type StatusClass = '2xx' | '4xx' | '5xx';
export interface HostileCase {
  server: 'event' | 'engine';
  /** What kind of hostility, for reports. */
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  expect: StatusClass;
  /** Where an expected 5xx (an upstream 500) is documented. */
  documented?: string;
}
export interface ImportCase {
  family: string;
  /** The line that must make the whole import fail. */
  line: string;
}
export function importCases(): ImportCase[];
export function hostileCases(): HostileCase[];
export function resolveCase(c: HostileCase, keys: { key: string; serverKey: string }): HostileCase;
