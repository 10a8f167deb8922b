import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/**
 * The CPUs this process may use: the cgroup CPU quota (v2 `cpu.max`, else v1 `cfs_quota_us` /
 * `cfs_period_us`), rounded up, and never more than the machine's CPUs. A dyno's quota is usually
 * below the host's core count, and threads beyond it only take turns.
 */
export function cpuQuota(cgroupRoot = '/sys/fs/cgroup'): number {
  const cores = availableParallelism();
  const quota = quotaV2(cgroupRoot) ?? quotaV1(cgroupRoot);
  return quota === undefined ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}

function quotaV2(root: string): number | undefined {
  const [quota, period] = readText(join(root, 'cpu.max'))?.split(/\s+/) ?? [];
  return ratio(quota, period);
}

function quotaV1(root: string): number | undefined {
  return ratio(readText(join(root, 'cpu', 'cpu.cfs_quota_us')), readText(join(root, 'cpu', 'cpu.cfs_period_us')));
}

/** `max` or -1 (no quota), unreadable or absurd values: undefined. */
function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
