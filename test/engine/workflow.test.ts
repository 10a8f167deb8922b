import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineRow } from '../../src/native/storage/instances.js';
import { createEngineTestContext, type EngineTestContext } from './helpers.js';

type InstanceRow = EngineRow;
/** The parts of engine.json (and best.json) these tests read or edit. */
type EngineJson = {
  id?: string;
  engineFactory?: string;
  datasource: { params: Record<string, unknown> };
  algorithms: Array<{ name: string; params: Record<string, unknown> }>;
  serving?: unknown;
};
/** The stored models envelope (pio_model_models.models). */
type ModelsEnvelope = { format: string; models: Array<{ kind: string; value?: { mean: number } }> };

describe('engine workflow through bin/pio', () => {
  let ctx: EngineTestContext;
  let scratch: string;

  beforeAll(async () => {
    ctx = await createEngineTestContext();
    scratch = await mkdtemp(join(tmpdir(), 'pio-engine-scratch-'));
    await ctx.observe([1, 1, 1, 2, 5, 4]);
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
    await ctx?.close();
  });

  it('builds the engine into a relocatable bundle, twice in a row', async () => {
    for (const args of [['build'], ['build', '--clean', '--no-asm', '--sbt-extra', 'x']]) {
      const result = await ctx.run(args);
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.lines.at(-1)).toBe('[INFO] [Pio$] Your engine is ready for training.');
      expect(result.stdout).toContain('[INFO] [Engine$] Compilation finished successfully.');
      expect(result.stdout).toContain('[INFO] [Engine$] Found target/engine.mjs');
    }
    const bundle = await readFile(join(ctx.engineDir, 'target', 'engine.mjs'), 'utf8');
    expect(bundle).not.toContain(ctx.engineDir);
    expect(bundle).not.toMatch(/["'(]\/(?:work|tmp|home|root)\//);
    const manifest = JSON.parse(await readFile(join(ctx.engineDir, 'target', 'manifest.json'), 'utf8')) as { bundles: Array<{ inputs: object }> };
    expect(manifest).toMatchObject({ engineId: 'src/engine.ts#createEngine', engineVariant: 'default' });
    expect(manifest.bundles[0]!.inputs).toHaveProperty(['src/engine.ts']);

    // The bundle loads on its own from another directory (the app moves from BUILD_DIR to /app).
    const moved = join(scratch, 'relocated-app');
    await cp(join(ctx.engineDir, 'target'), join(moved, 'target'), { recursive: true });
    const probe = await execa(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('./target/engine.mjs'); console.log(Object.keys(m.createEngine().algorithms).join(','))"],
      { cwd: moved, reject: false },
    );
    expect(probe.stderr).toBe('');
    expect(probe.stdout).toBe('mean,majority');
  });

  it('rebuilds a bundle whose sources changed before training, and reuses a fresh one', async () => {
    const copy = join(scratch, 'edited-engine');
    await cp(ctx.engineDir, copy, { recursive: true });
    expect((await ctx.run(['build'], { cwd: copy })).exitCode).toBe(0);
    const fresh = await ctx.run(['train', '--batch', 'fresh-bundle'], { cwd: copy });
    expect(fresh.exitCode, fresh.stdout + fresh.stderr).toBe(0);
    const algorithms = join(copy, 'src', 'algorithms.ts');
    await writeFile(algorithms, (await readFile(algorithms, 'utf8')).replace('* this.params.scale', '* this.params.scale * 10'));
    const edited = await ctx.run(['train', '--batch', 'edited-bundle'], { cwd: copy });
    expect(edited.exitCode, edited.stdout + edited.stderr).toBe(0);
    expect(edited.stdout).toContain('[INFO] [Engine$] Building src/engine.ts');
    expect(fresh.stdout).not.toContain('Building');
    const models = await ctx.query<{ batch: string; models: Buffer }>(
      "SELECT i.batch, m.models FROM pio_meta_engineinstances i JOIN pio_model_models m ON m.id = i.id WHERE i.batch IN ('fresh-bundle', 'edited-bundle')",
    );
    const mean = (batch: string) =>
      (JSON.parse(models.find((row) => row.batch === batch)!.models.toString('utf8')) as ModelsEnvelope).models[0]!.value!.mean;
    expect(mean('edited-bundle')).toBeCloseTo(mean('fresh-bundle') * 10);
  });

  it('rejects params that do not validate, naming engine.json and the field', async () => {
    const variant = join(scratch, 'bad-params.json');
    const engineJson = JSON.parse(await readFile(join(ctx.engineDir, 'engine.json'), 'utf8')) as EngineJson;
    engineJson.algorithms[0]!.params.scale = 'big';
    await writeFile(variant, JSON.stringify(engineJson));
    const result = await ctx.run(['build', '--variant', variant]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("[ERROR] [Engine$] Unable to extract parameters for algorithm 'mean'");
    expect(result.stdout).toMatch(/bad-params\.json: algorithms\[0\]\.params\.scale: .*expected number/);

    delete engineJson.engineFactory;
    await writeFile(variant, JSON.stringify(engineJson));
    const missing = await ctx.run(['train', '--variant', variant]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain(`[ERROR] [Engine$] unable to read engine factory from ${variant}. Aborting.`);
  });

  it('trains: INIT → COMPLETED instance with upstream columns and a model row', async () => {
    const result = await ctx.run(['train', '--batch', 'nightly']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('[INFO] [CoreWorkflow$] Inserting persistent model');
    expect(result.stdout).toContain('[INFO] [CoreWorkflow$] Updating engine instance');
    expect(result.lines.at(-1)).toBe('[INFO] [CoreWorkflow$] Training completed successfully.');

    const rows = await ctx.query<InstanceRow>('SELECT * FROM pio_meta_engineinstances WHERE batch = $1', ['nightly']);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.status).toBe('COMPLETED');
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(row.engineid).toBe('src/engine.ts#createEngine');
    expect(row.enginefactory).toBe('src/engine.ts#createEngine');
    expect(row.enginevariant).toBe('default');
    expect(row.engineversion).toMatch(/^[0-9a-f]{40}$/);
    expect(row.datasourceparams).toBe('{"":{"appName":"MeanApp","evalK":3}}');
    expect(row.preparatorparams).toBe('{"":{}}');
    expect(row.algorithmsparams).toBe('[{"mean":{"scale":1}},{"majority":{}}]');
    expect(row.servingparams).toBe('{"average":{"meanWeight":0.5}}');
    expect(row.sparkconf).toContain('spark.executor.extraClassPath=.');
    expect(row.env).toContain('PIO_STORAGE_SOURCES_PGSQL_PASSWORD=<redacted>');
    expect(row.env).not.toContain(`PASSWORD=${ctx.env.PIO_STORAGE_SOURCES_PGSQL_PASSWORD}`);
    expect(row.endtime.getTime()).toBeGreaterThanOrEqual(row.starttime.getTime());

    const models = await ctx.query<{ models: Buffer }>('SELECT models FROM pio_model_models WHERE id = $1', [row.id]);
    const envelope = JSON.parse(models[0]!.models.toString('utf8')) as ModelsEnvelope;
    expect(envelope.format).toBe('pio-ts-models/1');
    expect(envelope.models[0]).toEqual({ kind: 'json', value: { mean: 14 / 6 } });
    expect(envelope.models[1]!.kind).toBe('binary');
  });

  it('takes params from the engine factory with --engine-params-key', async () => {
    const result = await ctx.run(['train', '--engine-params-key', 'double', '--batch', 'keyed']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const rows = await ctx.query<InstanceRow>("SELECT * FROM pio_meta_engineinstances WHERE batch = 'keyed'");
    expect(rows[0]).toMatchObject({ status: 'COMPLETED', algorithmsparams: '[{"mean":{"scale":2}},{"majority":{}}]' });
    expect(rows[0]!.datasourceparams).toBe('{"":{"appName":"MeanApp","evalK":3}}');
  });

  it('stops after read or prepare without a model, leaving the instance INIT', async () => {
    for (const flag of ['--stop-after-read', '-sap']) {
      const result = await ctx.run(['train', flag, '--batch', `stop${flag}`]);
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/\[INFO\] \[CoreWorkflow\$\] Training interrupted by org\.apache\.predictionio\.workflow\.StopAfter(Read|Prepare)Interruption\./);
      const rows = await ctx.query<{ id: string; status: string }>('SELECT id, status FROM pio_meta_engineinstances WHERE batch = $1', [`stop${flag}`]);
      expect(rows.map((row) => row.status)).toEqual(['INIT']);
      expect(await ctx.query('SELECT id FROM pio_model_models WHERE id = $1', [rows[0]!.id])).toHaveLength(0);
    }
  });

  it('works with --engine-dir from another working directory and accepts Spark pass-through args', async () => {
    const result = await ctx.run(['train', '--engine-dir', ctx.engineDir, '--batch', 'elsewhere', '--', '--master', 'local[2]', '--conf', 'spark.sql.warehouse.dir=file:///tmp/x'], {
      cwd: scratch,
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const rows = await ctx.query<{ status: string }>('SELECT status FROM pio_meta_engineinstances WHERE batch = $1', ['elsewhere']);
    expect(rows.map((row) => row.status)).toEqual(['COMPLETED']);
  });

  it('turns the Spark driver memory into the Node heap limit of the training process', async () => {
    const report = join(scratch, 'heap.txt');
    const result = await ctx.run(['train', '--batch', 'heap', '--', '--driver-memory', '300m'], { env: { FIXTURE_HEAP_REPORT: report } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('[INFO] [Runner$] Node heap limit set to 300 MB');
    const limit = Number(await readFile(report, 'utf8'));
    // V8 adds its young generation to the old-space limit; the default on this machine is far larger.
    expect(limit).toBeGreaterThan(290 * 1024 * 1024);
    expect(limit).toBeLessThan(400 * 1024 * 1024);

    await ctx.run(['train', '--batch', 'heap2', '--', '--conf', 'spark.driver.memory=1g'], { env: { FIXTURE_HEAP_REPORT: report } });
    const larger = Number(await readFile(report, 'utf8'));
    expect(larger).toBeGreaterThan(1000 * 1024 * 1024);
    expect(larger).toBeLessThan(1200 * 1024 * 1024);
  });

  it('fails training when the app has no data, exit code non-zero and no COMPLETED instance', async () => {
    const variant = join(scratch, 'empty-app.json');
    const engineJson = JSON.parse(await readFile(join(ctx.engineDir, 'engine.json'), 'utf8')) as EngineJson;
    engineJson.id = 'empty';
    const emptyApp = await ctx.pio(['app', 'new', `Empty${process.pid}`]);
    expect(emptyApp.exitCode).toBe(0);
    engineJson.datasource.params.appName = `Empty${process.pid}`;
    await writeFile(variant, JSON.stringify(engineJson));
    const result = await ctx.run(['train', '--variant', variant]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('[ERROR] [CoreWorkflow$] Training failed: No observe events in app');
    const rows = await ctx.query<{ status: string }>("SELECT status FROM pio_meta_engineinstances WHERE enginevariant = 'empty'");
    expect(rows.map((row) => row.status)).toEqual(['INIT']);
  });

  it('evaluates engine params, writes best.json and an evaluation instance; best.json trains as a variant', async () => {
    const result = await ctx.run(['eval', 'src/evaluation.ts#accuracy', 'src/evaluation.ts#scales', '--engine-dir', ctx.engineDir], { cwd: scratch });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('[INFO] [MetricEvaluator] Iteration 2');
    expect(result.stdout).toContain('MetricEvaluatorResult:');
    expect(result.stdout).toContain('  # engine params evaluated: 3');
    expect(result.stdout).toContain('The best variant params can be found in best.json');

    const best = JSON.parse(await readFile(join(scratch, 'best.json'), 'utf8')) as EngineJson;
    expect(best.engineFactory).toBe('src/evaluation.ts#accuracy');
    expect(best.id).toMatch(/^src\/evaluation\.ts#accuracy \d{4}-\d{2}-\d{2}T/);
    // Scale 1 (the plain mean minimises squared error) beats 0.5 and 2 on held-out values.
    expect(best.algorithms).toEqual([
      { name: 'mean', params: { scale: 1 } },
      { name: 'majority', params: {} },
    ]);
    expect(best.serving).toEqual({ name: 'average', params: { meanWeight: 1 } });

    const rows = await ctx.query<{ status: string; evaluatorresults: string; evaluatorresultsjson: string; evaluationclass: string }>(
      'SELECT * FROM pio_meta_evaluationinstances',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'EVALCOMPLETED', evaluationclass: 'src/evaluation.ts#accuracy' });
    expect(rows[0]!.evaluatorresults).toMatch(/^Best Params Index: 1 Score: -/);
    expect(JSON.parse(rows[0]!.evaluatorresultsjson)).toMatchObject({ bestIdx: 1, metricHeader: 'NegativeMSE', outputPath: 'best.json' });

    const train = await ctx.run(['train', '--engine-dir', ctx.engineDir, '--variant', 'best.json', '--batch', 'best'], { cwd: scratch });
    expect(train.exitCode, train.stdout + train.stderr).toBe(0);
    const trained = await ctx.query<{ status: string; enginevariant: string; algorithmsparams: string }>(
      "SELECT status, enginevariant, algorithmsparams FROM pio_meta_engineinstances WHERE batch = 'best'",
    );
    expect(trained[0]).toMatchObject({ status: 'COMPLETED', enginevariant: best.id, algorithmsparams: '[{"mean":{"scale":1}},{"majority":{}}]' });
  });

  it('batch predicts a file of queries into part files', async () => {
    const train = await ctx.run(['train', '--batch', 'for-batch']);
    expect(train.exitCode).toBe(0);
    const input = join(scratch, 'queries.json');
    await writeFile(input, '{"offset": 1}\n\n{"label": 7}\n{}\n');
    const output = join(scratch, 'predictions');
    const result = await ctx.run(['batchpredict', '--input', input, '--output', output, '--query-partitions', '2']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await readdir(output)).sort()).toEqual(['part-00000', 'part-00001']);
    const lines = (await Promise.all(['part-00000', 'part-00001'].map((part) => readFile(join(output, part), 'utf8'))))
      .join('')
      .trim()
      .split('\n')
      .map((line): unknown => JSON.parse(line));
    const mean = 14 / 6;
    expect(lines).toEqual([
      { query: { offset: 1 }, prediction: { value: (mean + 1 + 2) / 2, mean: mean + 1, majority: 2 } },
      { query: { offset: 0, label: '7' }, prediction: { value: (mean + 1) / 2, mean, majority: 1, label: '7' } },
      { query: { offset: 0 }, prediction: { value: (mean + 1) / 2, mean, majority: 1 } },
    ]);

    const again = await ctx.run(['batchpredict', '--input', input, '--output', output]);
    expect(again.exitCode).toBe(1);
    expect(again.stdout).toContain('already exists');

    await writeFile(input, '{"offset": "x"}\n');
    const bad = await ctx.run(['batchpredict', '--input', input, '--output', join(scratch, 'bad-out')]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain('Invalid query at queries.json line 1');
    await expect(readdir(join(scratch, 'bad-out'))).rejects.toThrow();
  });
});
