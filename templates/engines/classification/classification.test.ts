import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineWorkspace, templateEventLines, type DeployedEngine, type EngineWorkspace } from '../engine-e2e.js';

interface UserEvent {
  entityId: string;
  properties: { voice_usage: number; data_usage: number; text_usage: number; service_plan: number };
}

/**
 * The classification template end to end on a real PostgreSQL with the real `bin/pio`:
 * app new, import (every 5th user held out), build, train, deploy, queries, undeploy.
 */
describe('classification template', () => {
  let workspace: EngineWorkspace;
  let engine: DeployedEngine;
  let heldOut: UserEvent[];
  const isHeldOut = (event: UserEvent) => Number(event.entityId) % 5 === 0;

  beforeAll(async () => {
    workspace = await createEngineWorkspace('classification');
    const lines = await templateEventLines('classification');
    const events = lines.map((line) => JSON.parse(line) as UserEvent);
    heldOut = events.filter(isHeldOut);
    const appId = await workspace.createApp();
    await workspace.importEvents(appId, lines.filter((_, i) => !isHeldOut(events[i]!)));
    await workspace.pio(['build']);
    const train = await workspace.pio(['train']);
    expect(train.output).toContain('Training completed successfully.');
    engine = await workspace.deploy();
  }, 240_000);

  afterAll(async () => {
    await workspace?.cleanup();
  }, 60_000);

  it('answers the README query with a valid plan', async () => {
    const { status, body } = await engine.query({ voice_usage: 12, data_usage: 0, text_usage: 4 });
    expect(status).toBe(200);
    expect(body).toEqual({ service_plan: 0 });
  });

  it('predicts the plans of held-out users accurately', async () => {
    let correct = 0;
    for (const { properties: p } of heldOut) {
      const { status, body } = await engine.query({ voice_usage: p.voice_usage, data_usage: p.data_usage, text_usage: p.text_usage });
      expect(status).toBe(200);
      const plan = (body as { service_plan: number }).service_plan;
      expect(Number.isInteger(plan) && plan >= 0 && plan <= 7).toBe(true);
      if (plan === p.service_plan) correct++;
    }
    expect(heldOut.length).toBeGreaterThan(30);
    expect(correct / heldOut.length).toBeGreaterThan(0.8);
  });

  it('rejects a query with a missing or non-numeric usage as a bad request', async () => {
    expect((await engine.query({ voice_usage: 12, data_usage: 0 })).status).toBe(400);
    expect((await engine.query({ voice_usage: 'a lot', data_usage: 0, text_usage: 1 })).status).toBe(400);
  });

  it('evaluates the params grid with pio eval and writes best.json', async () => {
    const { output } = await workspace.pio(['eval', 'src/evaluation.ts#accuracyEvaluation', 'src/evaluation.ts#engineParamsList']);
    const accuracy = Number(/Accuracy: ([\d.]+)/.exec(output)?.[1]);
    expect(accuracy).toBeGreaterThan(0.85);
    expect(accuracy).toBeLessThanOrEqual(1);
    const best = JSON.parse(await readFile(join(workspace.engineDir, 'best.json'), 'utf8')) as { algorithms: Array<{ name: string }> };
    expect(['randomforest', 'naivebayes']).toContain(best.algorithms[0]!.name);
  }, 120_000);

  it('stops on pio undeploy', async () => {
    expect(await engine.undeploy()).toBe(0);
  });
});
