import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineWorkspace, templateEventLines, type DeployedEngine, type EngineWorkspace } from '../engine-e2e.js';

interface StudentEvent {
  entityId: string;
  properties: Record<string, number>;
}

interface Prediction {
  prediction: number;
  ridgePrediction: number;
  lassoPrediction: number;
}

/**
 * The regression template end to end on a real PostgreSQL with the real `bin/pio`:
 * app new, import (every 4th student held out), build, train, deploy, queries, undeploy.
 */
describe('regression template', () => {
  let workspace: EngineWorkspace;
  let engine: DeployedEngine;
  let heldOut: StudentEvent[];
  let trainingGrades: number[];

  beforeAll(async () => {
    workspace = await createEngineWorkspace('regression');
    const lines = await templateEventLines('regression');
    const events = lines.map((line) => JSON.parse(line) as StudentEvent);
    const isHeldOut = (i: number) => i % 4 === 1;
    heldOut = events.filter((_, i) => isHeldOut(i));
    trainingGrades = events.filter((_, i) => !isHeldOut(i)).map((e) => e.properties['overall-grade']!);
    const appId = await workspace.createApp();
    await workspace.importEvents(appId, lines.filter((_, i) => !isHeldOut(i)));
    await workspace.pio(['build']);
    await workspace.pio(['train']);
    engine = await workspace.deploy();
  }, 240_000);

  afterAll(async () => {
    await workspace?.cleanup();
  }, 60_000);

  it('answers {"vector":[75]} with the average and each algorithm', async () => {
    const { status, body } = await engine.query({ vector: [75] });
    expect(status).toBe(200);
    const p = body as Prediction;
    expect(p.prediction).toBeGreaterThan(80);
    expect(p.prediction).toBeLessThan(92);
    expect(p.prediction).toBeCloseTo((p.ridgePrediction + p.lassoPrediction) / 2, 9);
  });

  it('predicts held-out students better than the training mean', async () => {
    const mean = trainingGrades.reduce((a, b) => a + b, 0) / trainingGrades.length;
    let modelError = 0;
    let meanError = 0;
    for (const { properties } of heldOut) {
      const { status, body } = await engine.query({ vector: [properties['aptitude-grade']] });
      expect(status).toBe(200);
      modelError += ((body as Prediction).prediction - properties['overall-grade']!) ** 2;
      meanError += (mean - properties['overall-grade']!) ** 2;
    }
    expect(heldOut.length).toBe(3);
    expect(modelError).toBeLessThan(0.25 * meanError);
  });

  it('answers bad vectors with an error, not a number', async () => {
    expect((await engine.query({ vector: 'seventy-five' })).status).toBe(400);
    expect((await engine.query({ vector: [75, 1] })).status).toBeGreaterThanOrEqual(400);
  });

  it('stops on pio undeploy', async () => {
    expect(await engine.undeploy()).toBe(0);
  });
});
