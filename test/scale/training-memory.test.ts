import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTrainingMemory, TRAINING_BASE_BYTES } from '../../src/native/workflow/training-memory.js';
import { createEngineTestContext, type EngineTestContext } from '../engine/helpers.js';

const MiB = 1024 * 1024;

describe("pio train's pre-flight memory check", () => {
  let ctx: EngineTestContext;
  let cgroupRoot: string;
  beforeAll(async () => {
    ctx = await createEngineTestContext();
    await ctx.observe([1, 2, 3, 4, 5, 6]);
    cgroupRoot = await mkdtemp(join(tmpdir(), 'cgroup-'));
  });
  afterAll(async () => {
    await rm(cgroupRoot, { recursive: true, force: true });
    await ctx?.close();
  });

  it('refuses before loading, naming the events, the estimate, the limit and the settings', async () => {
    const refused = await ctx.run(['train'], { env: { PIO_MEMORY_LIMIT: '128m' } });
    expect(refused.exitCode).toBe(1);
    const line = refused.lines.find((text) => text.includes('Training on 6 events'));
    expect(line).toBe(
      '[ERROR] [CoreWorkflow$] Training on 6 events of app MeanApp needs about 128 MiB (128 MiB + 400 bytes per event), ' +
        'more than the 128 MiB memory limit (PIO_MEMORY_LIMIT); no events were read. Use a larger dyno or raise PIO_MEMORY_LIMIT ' +
        '(PIO_TRAIN_BYTES_PER_EVENT tunes the estimate, PIO_TRAIN_MEMORY_CHECK=false skips this check).',
    );
    expect(refused.stdout).not.toContain('EngineWorkflow.train');
    // No engine instance row was written (the metadata table is not even there yet).
    expect(await ctx.query("SELECT to_regclass('pio_meta_engineinstances') AS exists")).toEqual([{ exists: null }]);
  });

  it('trains when the estimate fits, and when the check is switched off', async () => {
    const fits = await ctx.run(['train'], { env: { PIO_MEMORY_LIMIT: '129m' } });
    expect(fits.exitCode, fits.stdout).toBe(0);
    expect(fits.stdout).toContain('[INFO] [CoreWorkflow$] Memory check: 6 events, about 128 MiB of 129 MiB (PIO_MEMORY_LIMIT).');
    const unchecked = await ctx.run(['train'], { env: { PIO_MEMORY_LIMIT: '64m', PIO_TRAIN_MEMORY_CHECK: 'false' } });
    expect(unchecked.exitCode, unchecked.stdout).toBe(0);
    expect(unchecked.stdout).not.toContain('Memory check');
  });

  it("takes the limit from the process's cgroup and the share per event from PIO_TRAIN_BYTES_PER_EVENT", async () => {
    const selfCgroupFile = join(cgroupRoot, 'self-cgroup');
    await writeFile(selfCgroupFile, '0::/\n');
    await writeFile(join(cgroupRoot, 'memory.max'), `${256 * MiB}\n`);
    const probe = { cgroupRoot, selfCgroupFile };
    expect(await checkTrainingMemory(ctx.storage, 'MeanApp', {}, probe)).toEqual({
      appName: 'MeanApp',
      events: 6,
      bytesPerEvent: 400,
      neededBytes: TRAINING_BASE_BYTES + 2400,
      limitBytes: 256 * MiB,
      limitSource: 'cgroup v2 memory.max',
    });
    await expect(checkTrainingMemory(ctx.storage, undefined, { PIO_EVENTSERVER_APP_NAME: 'MeanApp', PIO_TRAIN_BYTES_PER_EVENT: String(32 * MiB) }, probe)).rejects.toThrow(
      /^Training on 6 events of app MeanApp needs about 320 MiB \(128 MiB \+ 33554432 bytes per event\), more than the 256 MiB memory limit \(cgroup v2 memory\.max\)/,
    );
    await expect(checkTrainingMemory(ctx.storage, 'MeanApp', { PIO_TRAIN_BYTES_PER_EVENT: 'lots' }, probe)).rejects.toThrow(
      /^PIO_TRAIN_BYTES_PER_EVENT="lots" must be a whole number ≥ 1/,
    );
    expect(await checkTrainingMemory(ctx.storage, undefined, {}, probe)).toBeUndefined();
  });
});
