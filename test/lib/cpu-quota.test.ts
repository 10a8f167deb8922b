import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuQuota } from '../../src/lib/cpu-quota.js';

// cgroup trees as the kernel lays them out (v2 `cpu.max`, v1 `cpu/cpu.cfs_*_us`), in a temp dir.
let root: string;
const cores = availableParallelism();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cgroup-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function tree(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('cpuQuota', () => {
  it('reads a v2 quota, rounded up, never above the machine', async () => {
    expect(cpuQuota(await tree('half', { 'cpu.max': '50000 100000\n' }))).toBe(1);
    expect(cpuQuota(await tree('one-and-a-half', { 'cpu.max': '150000 100000\n' }))).toBe(Math.min(cores, 2));
    expect(cpuQuota(await tree('many', { 'cpu.max': '6400000 100000\n' }))).toBe(cores);
  });

  it('reads a v1 quota when there is no v2 file', async () => {
    expect(cpuQuota(await tree('v1', { 'cpu/cpu.cfs_quota_us': '100000\n', 'cpu/cpu.cfs_period_us': '100000\n' }))).toBe(1);
  });

  it('is the machine when there is no quota, or the files make no sense', async () => {
    expect(cpuQuota(await tree('unlimited', { 'cpu.max': 'max 100000\n' }))).toBe(cores);
    expect(cpuQuota(await tree('v1-unlimited', { 'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n' }))).toBe(cores);
    expect(cpuQuota(await tree('garbage', { 'cpu.max': 'lots\n' }))).toBe(cores);
    expect(cpuQuota(join(root, 'missing'))).toBe(cores);
  });
});
