/**
 * Upstream `pio` argument conventions that commander does not have: everything after the first
 * standalone `--` is passed through (to spark-submit upstream; the native runtime ignores what it does
 * not understand), and several options have multi-letter single-dash short forms (`-ei`, `-ssc`).
 */

/** Multi-letter single-dash aliases of upstream options (BEHAVIOUR.md#pio-invocation, BEHAVIOUR.md#pio-train). */
export const MULTI_LETTER_ALIASES: Readonly<Record<string, string>> = {
  '-ei': '--engine-id',
  '-ev': '--engine-version',
  '-ed': '--engine-dir',
  '-sk': '--spark-kryo',
  '-ssc': '--skip-sanity-check',
  '-sar': '--stop-after-read',
  '-sap': '--stop-after-prepare',
  '-mp': '--metrics-params',
};

export interface SplitArgv {
  /** The arguments for commander (aliases expanded). */
  args: string[];
  /** What followed the first standalone `--` (spark/runner args), then a second `--` splits driver args. */
  passThrough: string[];
}

export function splitPioArgv(args: readonly string[]): SplitArgv {
  const separator = args.indexOf('--');
  const own = separator === -1 ? args : args.slice(0, separator);
  const passThrough = separator === -1 ? [] : args.slice(separator + 1);
  return { args: own.map((arg) => MULTI_LETTER_ALIASES[arg] ?? arg), passThrough };
}

let currentPassThrough: readonly string[] = [];

export function setPassThroughArgs(args: readonly string[]): void {
  currentPassThrough = [...args];
}

/** The pass-through arguments of this invocation (for `train`, `deploy`, `import`, …). */
export function getPassThroughArgs(): readonly string[] {
  return currentPassThrough;
}
