import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';

const GiB = 1024 ** 3;
/** cgroup limits at or above this mean "no limit" (v1 reports 2^63 rounded to the page size). */
const UNLIMITED_THRESHOLD = 1024 * GiB;

export interface CgroupLimit {
  bytes: number;
  source: 'cgroup v2 memory.max' | 'cgroup v1 memory.limit_in_bytes';
}

export interface CgroupProbe {
  /** Where the cgroup file systems are mounted (`/sys/fs/cgroup`); tests point this at a temp dir. */
  cgroupRoot?: string;
  /** This process's cgroup membership (`/proc/self/cgroup`); tests point this at a fake one. */
  selfCgroupFile?: string;
}

/**
 * The memory limit of this process's own cgroup: the smallest limit on the way from its cgroup (as
 * `/proc/self/cgroup` names it) up to the mount root, because every ancestor's limit applies too. A
 * container usually sees its own cgroup as the root; a process on a host (systemd slices, a cgroup v1
 * `memory:/docker/<id>` path) does not. cgroup v2 `memory.max` first, then cgroup v1
 * `memory.limit_in_bytes`; "max", unreadable files and absurd values count as no limit.
 */
export async function readCgroupMemoryLimit(probe: CgroupProbe = {}): Promise<CgroupLimit | undefined> {
  const root = probe.cgroupRoot ?? '/sys/fs/cgroup';
  const membership = parseSelfCgroup(await readFile(probe.selfCgroupFile ?? '/proc/self/cgroup', 'utf8').catch(() => ''));
  const v2 = await smallestLimitUpwards(root, membership.v2, 'memory.max');
  if (v2 !== undefined) return { bytes: v2, source: 'cgroup v2 memory.max' };
  const v1 = await smallestLimitUpwards(join(root, 'memory'), membership.v1Memory, 'memory.limit_in_bytes');
  if (v1 !== undefined) return { bytes: v1, source: 'cgroup v1 memory.limit_in_bytes' };
  return undefined;
}

/**
 * `/proc/self/cgroup` lines are `hierarchy-id:controllers:path`: cgroup v2 is `0::/path`, the v1 memory
 * hierarchy the line whose controllers include `memory`. Missing entries mean the mount root.
 */
export function parseSelfCgroup(text: string): { v2: string; v1Memory: string } {
  let v2 = '/';
  let v1Memory = '/';
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers, path] = match as unknown as [string, string, string, string];
    if (id === '0' && controllers === '') v2 = path;
    else if (controllers.split(',').includes('memory')) v1Memory = path;
  }
  return { v2, v1Memory };
}

/** The limit files of `cgroupPath` and each of its ancestors below `mount`; the smallest one. */
async function smallestLimitUpwards(mount: string, cgroupPath: string, file: string): Promise<number | undefined> {
  const segments = posix.normalize(`/${cgroupPath}`).split('/').filter((segment) => segment !== '' && segment !== '..');
  const depths = Array.from({ length: segments.length + 1 }, (_, depth) => depth);
  const limits = await Promise.all(depths.map((depth) => readLimitFile(join(mount, ...segments.slice(0, depth), file))));
  const defined = limits.filter((limit): limit is number => limit !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
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
