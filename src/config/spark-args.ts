import type { PioDeployConfig } from './load-config.js';
import {
  chooseDriverMemoryMb,
  formatBytes,
  hasUserMemoryFlag,
  maxHeapFromJavaOptions,
  readMemoryLimit,
  SPARK_MINIMUM_DRIVER_MB,
  type MemoryProbe,
} from './memory.js';
import { s3SigV4SparkArgs } from './s3.js';

export interface SparkMemoryPlan {
  driverMb: number;
  /** One line for the log: where the budget came from and what was chosen. */
  description: string;
  /** Set when the container is too small for Spark. */
  warning: string | undefined;
}

/** Picks the Spark driver heap from PIO_MEMORY_LIMIT or the container's real limit. */
export async function planSparkMemory(config: PioDeployConfig, probe: MemoryProbe = {}): Promise<SparkMemoryPlan> {
  const limit =
    config.values.PIO_MEMORY_LIMIT !== undefined
      ? { bytes: config.values.PIO_MEMORY_LIMIT, source: 'PIO_MEMORY_LIMIT' }
      : await readMemoryLimit(probe);
  const launcherHeap = maxHeapFromJavaOptions(config.values.JAVA_OPTS, config.values.JAVA_TOOL_OPTIONS);
  const driverMb = chooseDriverMemoryMb(limit.bytes, launcherHeap);
  return {
    driverMb,
    description: `memory ${formatBytes(limit.bytes)} (${limit.source}) → --driver-memory ${driverMb}m`,
    warning:
      driverMb < SPARK_MINIMUM_DRIVER_MB
        ? `${formatBytes(limit.bytes)} of memory leaves a ${driverMb}m Spark driver; Spark needs about 512m. Use a dyno with at least 1 GB.`
        : undefined,
  };
}

/**
 * spark-submit arguments (everything after `--`): the user's options with `--driver-memory` prepended
 * unless they sized memory themselves, then the S3 SigV4 options when an AWS region is configured.
 */
export function sparkArgs(userArgs: readonly string[], config: PioDeployConfig, memory: SparkMemoryPlan): string[] {
  const args = hasUserMemoryFlag(userArgs) ? [...userArgs] : ['--driver-memory', `${memory.driverMb}m`, ...userArgs];
  if (config.awsRegion) args.push(...s3SigV4SparkArgs());
  return args;
}
