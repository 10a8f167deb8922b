import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PIO_BIN } from '../pio/helpers.js';
import { deploy, query, waitFor, type DeployedEngine, type EngineTestContext, eachTestWithEngine } from './helpers.js';

const CLI = resolve('bin/pio-deploy');
const MEAN = 14 / 6;
const FIRST = (MEAN + 1) / 2;

/** `pio-deploy models …` for the engine test app (its engine dir is the app dir; pio is on PATH). */
function models(ctx: EngineTestContext, args: string[], env: Record<string, string> = {}) {
  return execa(CLI, ['models', ...args, '--app-dir', ctx.engineDir], {
    reject: false,
    extendEnv: false,
    env: { ...ctx.env, PATH: `${dirname(PIO_BIN)}:${process.env.PATH ?? '/usr/bin:/bin'}`, ...env },
    cwd: ctx.engineDir,
  });
}

describe('model versions (pio-deploy models) and the promotion gate', () => {
  let ctx: EngineTestContext;
  const servers: DeployedEngine[] = [];
  eachTestWithEngine(servers, (created) => (ctx = created));

  async function train(batch: string, env: Record<string, string> = {}) {
    const result = await ctx.run(['train', '--batch', batch], { env });
    return { ...result, output: result.stdout + result.stderr };
  }

  async function instanceIds(): Promise<Record<string, { id: string; status: string }>> {
    const rows = await ctx.query<{ id: string; status: string; batch: string }>('SELECT id, status, batch FROM pio_meta_engineinstances');
    return Object.fromEntries(rows.map((row) => [row.batch, { id: row.id, status: row.status }]));
  }

  const valueOf = async (url: string) => ((await query(url, '{}')).json as { value: number }).value;

  it('lists, pins (every server swaps within one poll interval), rolls back and unpins; an unknown id changes nothing', async () => {
    expect((await train('first')).exitCode).toBe(0);
    const server = await deploy(ctx, ['--poll-interval', '200']);
    servers.push(server);
    await ctx.observe([9, 9, 9, 9, 9, 9, 9, 9]);
    expect((await train('second')).exitCode).toBe(0);
    const second = (MEAN * 6 + 72) / 14 / 2 + 9 / 2;
    await waitFor(async () => (Math.abs((await valueOf(server.url)) - second) < 1e-9 ? true : undefined), 5000, 'the second model');
    const ids = await instanceIds();

    const listed = await models(ctx, ['list']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^-----> Engine instances of src\/engine\.ts#createEngine \(variant default\)$/m);
    expect(listed.stdout).toMatch(/^ {7}ID\s+STATUS\s+STARTED\s+ENDED\s+PARAMS\s+METRIC\s+SERVING$/m);
    expect(listed.stdout).toMatch(new RegExp(`^ {7}${ids.second!.id}\\s+COMPLETED\\s.*\\sserving$`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^ {7}${ids.first!.id}\\s+COMPLETED\\s[^\\n]*[0-9a-f]{8}\\s+-$`, 'm'));
    // `pio-deploy models` alone lists too.
    expect((await models(ctx, [])).stdout).toBe(listed.stdout);

    const unknown = await models(ctx, ['pin', 'no-such-instance']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('Unknown engine instance "no-such-instance"');
    expect(unknown.stderr).toContain('pio-deploy models list shows the ids');
    expect(await ctx.query('SELECT * FROM pio_deploy_serving_pins')).toEqual([]);

    const rolledBack = await models(ctx, ['rollback']);
    expect(rolledBack.exitCode, rolledBack.stderr).toBe(0);
    expect(rolledBack.stdout).toContain(`-----> Rolled back from ${ids.second!.id} to engine instance ${ids.first!.id}`);
    const started = Date.now();
    await waitFor(async () => (Math.abs((await valueOf(server.url)) - FIRST) < 1e-9 ? true : undefined), 5000, 'the pinned model');
    expect(Date.now() - started).toBeLessThan(2000);
    const status = (await (await fetch(server.url, { headers: { accept: 'application/json' } })).json()) as {
      engineInformation: { instanceId: string; pinned: boolean };
    };
    expect(status.engineInformation).toMatchObject({ instanceId: ids.first!.id, pinned: true });
    // /readyz and /metrics say so too.
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready', engineInstanceId: ids.first!.id, pinned: true });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`pio_serving_engine_instance{engine_instance="${ids.first!.id}",pinned="true"} 1`);
    expect((await models(ctx, ['list'])).stdout).toMatch(new RegExp(`${ids.first!.id}.*serving \\(pinned\\)`));

    // A new training does not replace a pinned model.
    expect((await train('third')).exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await valueOf(server.url)).toBeCloseTo(FIRST);

    const unpinned = await models(ctx, ['unpin']);
    expect(unpinned.stdout).toContain('-----> Unpinned: the newest completed training serves');
    await waitFor(async () => (Math.abs((await valueOf(server.url)) - second) < 1e-9 ? true : undefined), 5000, 'the newest model');
    const html = await (await fetch(server.url)).text();
    expect(html).toContain('latest completed training');
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ status: 'ready', pinned: false });

    // A new deploy starts on the pin.
    expect((await models(ctx, ['pin', ids.first!.id])).exitCode).toBe(0);
    const another = await deploy(ctx, ['--poll-interval', '0']);
    servers.push(another);
    expect(await valueOf(another.url)).toBeCloseTo(FIRST);
  });

  it('keeps one pin when two processes pin at once', async () => {
    expect((await train('first')).exitCode).toBe(0);
    expect((await train('second')).exitCode).toBe(0);
    const ids = await instanceIds();
    const results = await Promise.all([models(ctx, ['pin', ids.first!.id]), models(ctx, ['pin', ids.second!.id])]);
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
    const pins = await ctx.query<{ engine_instance_id: string }>('SELECT engine_instance_id FROM pio_deploy_serving_pins');
    expect(pins).toHaveLength(1);
    expect([ids.first!.id, ids.second!.id]).toContain(pins[0]!.engine_instance_id);
  });

  it('gate: a deliberately bad training is stored GATED, says why, and the old model keeps serving; FAIL_RELEASE fails it', async () => {
    const gate = { PIO_TRAIN_GATE: 'metric=src/evaluation.ts#accuracy tolerance=0.5' };
    const good = await train('good', gate);
    expect(good.exitCode, good.output).toBe(0);
    expect(good.output).toContain('no model serves yet');
    const server = await deploy(ctx, ['--poll-interval', '100']);
    servers.push(server);

    // scale 50 multiplies the mean: a far worse predictor by the engine's NegativeMSE.
    const variantPath = join(ctx.engineDir, 'engine.json');
    const variant = JSON.parse(await readFile(variantPath, 'utf8')) as { algorithms: Array<{ params: Record<string, unknown> }> };
    variant.algorithms[0]!.params.scale = 50;
    await writeFile(variantPath, JSON.stringify(variant));

    const bad = await train('bad', gate);
    expect(bad.exitCode, bad.output).toBe(0);
    const ids = await instanceIds();
    expect(ids.bad!.status).toBe('GATED');
    expect(bad.output).toMatch(/\[WARN\] \[PromotionGate\] Not promoted: the new training scores worse by [\d.e+]+: -?[\d.e+]+ \(new/);
    expect(bad.output).toContain(`engine instance ${ids.good!.id} keeps serving`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await valueOf(server.url)).toBeCloseTo(FIRST);

    const failing = await train('bad-again', { ...gate, PIO_TRAIN_GATE_FAIL_RELEASE: 'true' });
    expect(failing.exitCode).toBe(4);
    expect(failing.output).toContain('PIO_TRAIN_GATE_FAIL_RELEASE=true: training fails.');
    expect((await instanceIds())['bad-again']!.status).toBe('GATED');

    // A pin forces the gated training anyway.
    expect((await models(ctx, ['pin', ids.bad!.id])).exitCode).toBe(0);
    await waitFor(async () => (Math.abs((await valueOf(server.url)) - FIRST) > 1 ? true : undefined), 5000, 'the forced model');
  });

  it('gate: a setting that does not parse or a metric the engine lacks fails before anything is written', async () => {
    const unparsable = await train('x', { PIO_TRAIN_GATE: 'metric=src/evaluation.ts#accuracy tolerence=0.1' });
    expect(unparsable.exitCode).toBe(1);
    expect(unparsable.output).toContain('PIO_TRAIN_GATE="metric=src/evaluation.ts#accuracy tolerence=0.1": unknown setting tolerence');
    const missing = await train('y', { PIO_TRAIN_GATE: 'metric=src/evaluation.ts#precision' });
    expect(missing.exitCode).toBe(1);
    expect(missing.output).toContain("PIO_TRAIN_GATE metric src/evaluation.ts#precision: Unable to find metric 'src/evaluation.ts#precision'");
    expect(await ctx.storage.engineInstances.getAll()).toEqual([]);
  });
});
