import { totalmem } from 'node:os';
import { readCgroupMemoryLimit, type CgroupLimit, type CgroupProbe } from './cgroup.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface MemoryLimit {
  bytes: number;
  source: CgroupLimit['source'] | 'total RAM';
}

export interface MemoryProbe extends CgroupProbe {
  totalMemory?: () => number;
}

/**
 * The memory this process may use: its cgroup's limit (v2 `memory.max`, then v1
 * `memory.limit_in_bytes`, the smallest on the way up from its own cgroup), else total RAM (local
 * runs, unlimited containers). PIO_MEMORY_LIMIT, when set, wins over both; callers check it first.
 */
export async function readMemoryLimit(probe: MemoryProbe = {}): Promise<MemoryLimit> {
  return (await readCgroupMemoryLimit(probe)) ?? { bytes: (probe.totalMemory ?? totalmem)(), source: 'total RAM' };
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

/**
 * NODE_OPTIONS with `--max-old-space-size=<heapMb>` appended, for a native server that takes no Spark
 * options (`pio eventserver`); a size the user put there already wins.
 */
export function nodeOptionsWithHeap(nodeOptions: string | undefined, heapMb: number): string {
  const existing = (nodeOptions ?? '').trim();
  if (/(^|\s)--max-old-space-size[=\s]/.test(existing)) return existing;
  return [existing, `--max-old-space-size=${heapMb}`].filter(Boolean).join(' ');
}

export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${Number((bytes / GiB).toFixed(1))} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}
