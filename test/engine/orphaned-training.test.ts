import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineRow } from '../../src/native/storage/instances.js';
import { createEngineTestContext, type EngineTestContext } from './helpers.js';

const STORAGE_MODULE = new URL('../../dist/native/storage/index.js', import.meta.url).pathname;

/**
 * A stand-in trainer in its own process: marks instance `id` alive, inserts it INIT as `pio train`
 * does, prints `ready` and waits to be killed.
 */
const TRAINER = `
const { openStorage, resolveStorageSettings } = await import(process.env.STORAGE_MODULE);
const storage = await openStorage(resolveStorageSettings(process.env));
const row = JSON.parse(process.env.INSTANCE);
await storage.engineInstances.holdTraining(row.id);
await storage.engineInstances.insert({ ...row, startTime: new Date(), endTime: new Date() });
console.log('ready');
setInterval(() => {}, 1000);
`;

describe('engine instances left INIT by a training that is gone', () => {
  let ctx: EngineTestContext;
  const trainers: ResultPromise[] = [];

  beforeAll(async () => {
    ctx = await createEngineTestContext();
    await ctx.observe([1, 2, 3]);
  });
  afterAll(async () => {
    for (const trainer of trainers) trainer.kill('SIGKILL');
    await Promise.all(trainers.map((trainer) => trainer.catch(() => undefined)));
    await ctx?.close();
  });

  function instanceLike(template: EngineRow, id: string) {
    return {
      id,
      status: 'INIT',
      engineId: template.engineid,
      engineVersion: template.engineversion,
      engineVariant: template.enginevariant,
      engineFactory: template.enginefactory,
      batch: 'stand-in',
      env: {},
      sparkConf: {},
      dataSourceParams: template.datasourceparams,
      preparatorParams: template.preparatorparams,
      algorithmsParams: template.algorithmsparams,
      servingParams: template.servingparams,
    };
  }

  /** Resolves once the stand-in is ready (wrapped: a returned execa promise would be awaited to its exit). */
  async function startTrainer(template: EngineRow, id: string): Promise<{ process: ResultPromise }> {
    const instance = instanceLike(template, id);
    const trainer = execa(process.execPath, ['--input-type=module', '-e', TRAINER], {
      env: { ...ctx.env, STORAGE_MODULE, INSTANCE: JSON.stringify(instance) },
      extendEnv: false,
      reject: false,
      buffer: false,
    });
    trainers.push(trainer);
    await new Promise<void>((resolve, reject) => {
      trainer.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      void trainer.then(() => reject(new Error('the stand-in trainer exited before it was ready')));
    });
    return { process: trainer };
  }

  it('the next pio train marks the dead trainer’s INIT row ABORTED and leaves a live one INIT', async () => {
    const first = await ctx.run(['train']);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const [template] = await ctx.query<EngineRow>("SELECT * FROM pio_meta_engineinstances WHERE status = 'COMPLETED'");

    const deadId = '00000000-0000-4000-8000-00000000dead';
    const liveId = '00000000-0000-4000-8000-0000000011fe';
    const { process: killed } = await startTrainer(template!, deadId);
    const live = await ctx.storage.engineInstances.holdTraining(liveId);
    await ctx.storage.engineInstances.insert({ ...instanceLike(template!, liveId), startTime: new Date(), endTime: new Date() });
    killed.kill('SIGKILL');
    await killed;

    const second = await ctx.run(["train"]);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(`[INFO] [CoreWorkflow$] Engine instance ${deadId} was left INIT by a training that is gone; marked ABORTED.`);
    expect(second.stdout).not.toContain(liveId);
    const statuses = Object.fromEntries(
      (await ctx.query<{ id: string; status: string }>('SELECT id, status FROM pio_meta_engineinstances')).map((row) => [row.id, row.status]),
    );
    expect(statuses[deadId]).toBe('ABORTED');
    expect(statuses[liveId]).toBe('INIT');
    expect(Object.values(statuses).filter((status) => status === 'COMPLETED')).toHaveLength(2);
    await live.release();
  }, 120_000);
});
