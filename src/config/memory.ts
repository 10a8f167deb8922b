import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** cgroup limits at or above this mean "no limit" (v1 reports 2^63 rounded to the page size). */
const UNLIMITED_THRESHOLD = 1024 * GiB;

export interface MemoryLimit {
  bytes: number;
  source: 'cgroup v2 memory.max' | 'cgroup v1 memory.limit_in_bytes' | 'total RAM';
}

export interface MemoryProbe {
  /** Where cgroup files are mounted; tests point this at a temp dir. */
  cgroupRoot?: string;
  totalMemory?: () => number;
}

/**
 * The memory this container may use: cgroup v2 `memory.max`, then cgroup v1 `memory.limit_in_bytes`,
 * then total RAM (local runs, unlimited containers). Unreadable files, `max` and absurd values are
 * treated as "no limit here" and the next source is tried.
 */
export async function readMemoryLimit(probe: MemoryProbe = {}): Promise<MemoryLimit> {
  const root = probe.cgroupRoot ?? '/sys/fs/cgroup';
  const v2 = await readLimitFile(join(root, 'memory.max'));
  if (v2 !== undefined) return { bytes: v2, source: 'cgroup v2 memory.max' };
  const v1 = await readLimitFile(join(root, 'memory', 'memory.limit_in_bytes'));
  if (v1 !== undefined) return { bytes: v1, source: 'cgroup v1 memory.limit_in_bytes' };
  return { bytes: (probe.totalMemory ?? totalmem)(), source: 'total RAM' };
}

async function readLimitFile(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
  if (!/^\d+$/.test(text)) return undefined; // "max" or garbage
  const bytes = Number(text);
  if (!Number.isFinite(bytes) || bytes <= 0 || bytes >= UNLIMITED_THRESHOLD) return undefined;
  return bytes;
}

/**
 * Spark driver heap for a container of `limitBytes`.
 *
 * `pio train`/`deploy`/`import` run two JVMs (the pio launcher, then spark-submit's driver) under a
 * pio-deploy parent, so the driver may not take the whole container. Reserve for the launcher JVM and the
 * parent: 256 MiB up to 2 GiB, 512 MiB above, or the launcher's own -Xmx (from JAVA_OPTS /
 * JAVA_TOOL_OPTIONS) + 128 MiB when larger. Of the rest, the heap gets 1/1.15: the driver JVM needs
 * ~15% more for metaspace, thread stacks and direct buffers. Rounded down to 64 MiB, at least 128 MiB.
 *
 *   512 MiB → 192m (too little for Spark, which needs ~450 MiB of heap: use a 1 GB dyno or larger)
 *   1 GiB → 640m · 2.5 GiB → 1728m · 14 GiB → 11968m · 30 GiB → 26240m · 62 GiB → 54720m
 */
export function chooseDriverMemoryMb(limitBytes: number, launcherHeapBytes?: number): number {
  const defaultReserve = limitBytes <= 2 * GiB ? 256 * MiB : 512 * MiB;
  const reserve = Math.max(defaultReserve, (launcherHeapBytes ?? 0) + 128 * MiB);
  const heap = (limitBytes - reserve) / 1.15;
  const rounded = Math.floor(heap / (64 * MiB)) * 64;
  return Math.max(128, rounded);
}

/** Spark refuses to start with less heap than this ("System memory … must be at least 4.718592E8"). */
export const SPARK_MINIMUM_DRIVER_MB = 512;

/** The largest -Xmx in JVM option strings such as JAVA_OPTS, in bytes. */
export function maxHeapFromJavaOptions(...optionStrings: (string | undefined)[]): number | undefined {
  let result: number | undefined;
  for (const options of optionStrings) {
    for (const match of (options ?? '').matchAll(/-Xmx(\d+)([kKmMgGtT]?)\b/g)) {
      const bytes = Number(match[1]) * unitMultiplier(match[2] ?? '');
      result = result === undefined ? bytes : Math.max(result, bytes);
    }
  }
  return result;
}

function unitMultiplier(unit: string): number {
  switch (unit.toLowerCase()) {
    case 'k':
      return 1024;
    case 'm':
      return MiB;
    case 'g':
      return GiB;
    case 't':
      return 1024 * GiB;
    default:
      return 1;
  }
}

const MEMORY_FLAGS = new Set(['--driver-memory', '--executor-memory']);
const MEMORY_CONF_KEYS = new Set(['spark.driver.memory', 'spark.executor.memory']);

/**
 * True when spark-submit argv already sizes memory: `--driver-memory 2g`, `--driver-memory=2g`,
 * `--executor-memory …`, `--conf spark.driver.memory=…`, `--conf=spark.executor.memory=…`.
 */
export function hasUserMemoryFlag(sparkArgs: readonly string[]): boolean {
  for (let i = 0; i < sparkArgs.length; i += 1) {
    const arg = sparkArgs[i] as string;
    const [flag, inlineValue] = splitInline(arg);
    if (MEMORY_FLAGS.has(flag)) return true;
    if (flag === '--conf') {
      const conf = inlineValue ?? sparkArgs[i + 1] ?? '';
      if (MEMORY_CONF_KEYS.has(conf.split('=')[0]?.trim() ?? '')) return true;
    }
  }
  return false;
}

function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq > 0 && arg.startsWith('--') ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

/** Prepends `--driver-memory <n>m` unless the user sized memory themselves. */
export function withDriverMemory(sparkArgs: readonly string[], driverMb: number): string[] {
  if (hasUserMemoryFlag(sparkArgs)) return [...sparkArgs];
  return ['--driver-memory', `${driverMb}m`, ...sparkArgs];
}

export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${Number((bytes / GiB).toFixed(1))} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}
