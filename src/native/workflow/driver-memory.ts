import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import { describeChildDeath, exitStatusOf } from '../../lib/child-exit.js';
import { pioLogger } from '../console/index.js';

/**
 * Spark arguments after `--` are accepted and ignored, except the driver memory (`--driver-memory 2g`,
 * `--driver-memory=2g`, `--conf spark.driver.memory=2g`): the Node process has no JVM, so it becomes the
 * V8 heap limit (`--max-old-space-size`), which keeps the buildpack's memory sizing meaningful.
 */
const HEAP_MARKER = 'PIO_NATIVE_HEAP_MB';

/** Spark memory string → MiB (`512m`, `2g`, `1t`, `1048576k`; no unit = MiB as for spark.driver.memory). */
export function parseSparkMemoryMb(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const factor: Record<string, number> = { k: 1 / 1024, m: 1, '': 1, g: 1024, t: 1024 * 1024, p: 1024 * 1024 * 1024 };
  const mb = Math.floor(amount * (factor[(match[2] ?? '').toLowerCase()] ?? 1));
  return mb > 0 ? mb : undefined;
}

/** The driver memory named in spark-submit arguments, in MiB (the last one wins, as in spark-submit). */
export function driverMemoryMb(sparkArgs: readonly string[]): number | undefined {
  let result: number | undefined;
  for (let index = 0; index < sparkArgs.length; index++) {
    const arg = sparkArgs[index]!;
    let value: string | undefined;
    if (arg === '--driver-memory') value = sparkArgs[++index];
    else if (arg.startsWith('--driver-memory=')) value = arg.slice('--driver-memory='.length);
    else if (arg === '--conf' || arg.startsWith('--conf=')) {
      const conf = arg === '--conf' ? sparkArgs[++index] : arg.slice('--conf='.length);
      const [key, ...rest] = (conf ?? '').split('=');
      if (key?.trim() === 'spark.driver.memory') value = rest.join('=');
    }
    if (value !== undefined) result = parseSparkMemoryMb(value) ?? result;
  }
  return result;
}

/**
 * True when this Node already runs with about that heap (e.g. NODE_OPTIONS=--max-old-space-size set by
 * the caller): V8's limit is the old space plus a young generation of up to a few dozen MiB.
 */
function heapLimitMatches(mb: number): boolean {
  const limitMb = getHeapStatistics().heap_size_limit / (1024 * 1024);
  return limitMb >= mb && limitMb <= mb + Math.max(64, mb * 0.1);
}

/**
 * Re-runs this `pio` invocation in a Node with `--max-old-space-size=<mb>` unless this process already is
 * that child. Resolves with the child's status as a shell reports it (128 + the signal number when it
 * died of a signal), or `undefined` when no re-exec is needed. A death by SIGKILL (often the
 * out-of-memory killer) or SIGABRT (V8 at its heap limit) is logged with the setting to change.
 */
export async function reexecWithHeapLimit(mb: number | undefined, log: (message: string) => void): Promise<number | undefined> {
  if (mb === undefined || process.env[HEAP_MARKER] === String(mb) || heapLimitMatches(mb)) return undefined;
  const script = process.argv[1];
  if (!script) return undefined;
  log(`Node heap limit set to ${mb} MB (from the Spark driver memory).`);
  const child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${mb}`, script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [HEAP_MARKER]: String(mb) },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        const reason = describeChildDeath({
          name: `pio ${process.argv[2] ?? ''}`.trim(),
          signal,
          heapOutOfMemory: false,
          memorySetting: `the Spark driver memory (--driver-memory, now ${mb}m; pio-deploy sets it from PIO_MEMORY_LIMIT)`,
        });
        if (reason) pioLogger('Runner$').error(reason);
        resolve(exitStatusOf(code, signal));
      });
    });
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
