import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chooseDriverMemoryMb,
  hasUserMemoryFlag,
  maxHeapFromJavaOptions,
  readMemoryLimit,
  withDriverMemory,
} from '../../src/config/memory.js';
import { parseSelfCgroup } from '../../src/config/cgroup.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('readMemoryLimit', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cgroup-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const total = () => 64 * GiB;

  it('reads cgroup v2 memory.max first', async () => {
    await writeFile(join(root, 'memory.max'), '1073741824\n');
    await mkdir(join(root, 'memory'));
    await writeFile(join(root, 'memory', 'memory.limit_in_bytes'), '536870912\n');
    expect(await readMemoryLimit({ cgroupRoot: root, totalMemory: total })).toEqual({ bytes: GiB, source: 'cgroup v2 memory.max' });
  });

  it('falls back to cgroup v1 when v2 says max', async () => {
    await writeFile(join(root, 'memory.max'), 'max\n');
    await mkdir(join(root, 'memory'));
    await writeFile(join(root, 'memory', 'memory.limit_in_bytes'), '536870912\n');
    expect(await readMemoryLimit({ cgroupRoot: root, totalMemory: total })).toEqual({
      bytes: 512 * MiB,
      source: 'cgroup v1 memory.limit_in_bytes',
    });
  });

  it('treats v1 values above 1 TiB as unlimited and uses total RAM', async () => {
    await mkdir(join(root, 'memory'));
    await writeFile(join(root, 'memory', 'memory.limit_in_bytes'), '9223372036854771712\n');
    expect(await readMemoryLimit({ cgroupRoot: root, totalMemory: total })).toEqual({ bytes: 64 * GiB, source: 'total RAM' });
  });

  /** A fake `/proc/self/cgroup` naming this process's cgroup, in the kernel's format. */
  async function selfCgroup(text: string): Promise<string> {
    const file = join(root, 'self-cgroup');
    await writeFile(file, text);
    return file;
  }

  async function limitFile(dir: string, name: string, content: string): Promise<void> {
    await mkdir(join(root, dir), { recursive: true });
    await writeFile(join(root, dir, name), content);
  }

  it("reads the process's own cgroup v2 and takes the smallest limit up to the root", async () => {
    const selfCgroupFile = await selfCgroup('0::/user.slice/app.scope\n');
    await limitFile('', 'memory.max', 'max\n');
    await limitFile('user.slice', 'memory.max', '2147483648\n');
    await limitFile('user.slice/app.scope', 'memory.max', '1073741824\n');
    expect(await readMemoryLimit({ cgroupRoot: root, selfCgroupFile, totalMemory: total })).toEqual({ bytes: GiB, source: 'cgroup v2 memory.max' });
    // A parent's smaller limit applies to its children.
    await limitFile('user.slice', 'memory.max', '536870912\n');
    expect(await readMemoryLimit({ cgroupRoot: root, selfCgroupFile, totalMemory: total })).toEqual({
      bytes: 512 * MiB,
      source: 'cgroup v2 memory.max',
    });
  });

  it("reads the process's own cgroup v1 memory hierarchy (memory:/docker/<id>)", async () => {
    const selfCgroupFile = await selfCgroup('5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n');
    await limitFile('memory', 'memory.limit_in_bytes', '9223372036854771712\n');
    await limitFile('memory/docker/abc', 'memory.limit_in_bytes', '1073741824\n');
    expect(await readMemoryLimit({ cgroupRoot: root, selfCgroupFile, totalMemory: total })).toEqual({
      bytes: GiB,
      source: 'cgroup v1 memory.limit_in_bytes',
    });
  });

  it('reads the mount root when its own cgroup is not below it (a container without a cgroup namespace)', async () => {
    const selfCgroupFile = await selfCgroup('0::/system.slice/docker-abc.scope\n');
    await limitFile('', 'memory.max', '1073741824\n');
    expect(await readMemoryLimit({ cgroupRoot: root, selfCgroupFile, totalMemory: total })).toEqual({ bytes: GiB, source: 'cgroup v2 memory.max' });
  });

  it('parses /proc/self/cgroup', () => {
    expect(parseSelfCgroup('12:memory:/a/b\n0::/c\n')).toEqual({ v2: '/c', v1Memory: '/a/b' });
    expect(parseSelfCgroup('4:cpuset,memory:/x\n')).toEqual({ v2: '/', v1Memory: '/x' });
    expect(parseSelfCgroup('')).toEqual({ v2: '/', v1Memory: '/' });
  });

  it('uses total RAM without cgroup files and ignores garbage', async () => {
    await writeFile(join(root, 'memory.max'), 'garbage');
    expect(await readMemoryLimit({ cgroupRoot: root, totalMemory: total })).toEqual({ bytes: 64 * GiB, source: 'total RAM' });
  });
});

describe('chooseDriverMemoryMb', () => {
  it.each([
    [0.5, 192],
    [1, 640],
    [2.5, 1728],
    [14, 11968],
    [30, 26240],
    [62, 54720],
  ])('%s GiB → %im (the table in memory.ts and CUSTOM.md)', (gib, expected) => {
    expect(chooseDriverMemoryMb(gib * GiB)).toBe(expected);
  });

  it('always leaves room for the launcher JVM and never goes below 128m', () => {
    for (let mib = 256; mib <= 200 * 1024; mib += 97) {
      const chosen = chooseDriverMemoryMb(mib * MiB);
      expect(chosen).toBeGreaterThanOrEqual(128);
      if (mib >= 512) expect(chosen * 1.15 + 256).toBeLessThanOrEqual(mib);
    }
    expect(chooseDriverMemoryMb(100 * MiB)).toBe(128);
  });

  it('reserves a larger launcher -Xmx from JAVA_OPTS', () => {
    expect(chooseDriverMemoryMb(14 * GiB, 2 * GiB)).toBeLessThan(chooseDriverMemoryMb(14 * GiB));
    expect(maxHeapFromJavaOptions('-Xss512k -Xmx300m', '-Xmx1g')).toBe(GiB);
    expect(maxHeapFromJavaOptions(undefined, '-XX:MaxRAMPercentage=80')).toBeUndefined();
  });
});

describe('user memory flags', () => {
  it.each([
    [['--driver-memory', '2g']],
    [['--driver-memory=2g']],
    [['--executor-memory', '1g']],
    [['--conf', 'spark.driver.memory=3g']],
    [['--conf=spark.executor.memory=3g']],
    [['--master', 'local', '--conf', ' spark.driver.memory =3g']],
  ])('%j counts as sized by the user', (args) => {
    expect(hasUserMemoryFlag(args)).toBe(true);
    expect(withDriverMemory(args, 640)).toEqual(args);
  });

  it('prepends --driver-memory otherwise', () => {
    expect(hasUserMemoryFlag(['--conf', 'spark.driver.maxResultSize=1g'])).toBe(false);
    expect(withDriverMemory(['--master', 'local[2]'], 640)).toEqual(['--driver-memory', '640m', '--master', 'local[2]']);
  });
});
