import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineWorkspace, templateEventLines, type DeployedEngine, type EngineWorkspace } from '../engine-e2e.js';

interface ItemScores {
  itemScores: Array<{ item: string; score: number }>;
}

/**
 * The recommendation template end to end on a real PostgreSQL with the real `bin/pio`:
 * app new, import (every 5th rating held out), build, train, deploy, queries, undeploy.
 */
describe('recommendation template', () => {
  let workspace: EngineWorkspace;
  let engine: DeployedEngine;
  let heldOut: Array<{ user: string; item: string; rating: number }>;
  let trainedItems: Set<string>;

  beforeAll(async () => {
    workspace = await createEngineWorkspace('recommendation');
    const lines = await templateEventLines('recommendation');
    const events = lines.map((line) => JSON.parse(line) as { entityId: string; targetEntityId: string; properties: { rating: number } });
    heldOut = events.filter((_, i) => i % 5 === 0).map((e) => ({ user: e.entityId, item: e.targetEntityId, rating: e.properties.rating }));
    trainedItems = new Set(events.filter((_, i) => i % 5 !== 0).map((e) => e.targetEntityId));
    const appId = await workspace.createApp();
    // A user known only from `buy` events (each counted as a rating of 4, as upstream does).
    const buys = ['2', '3'].map((item) =>
      JSON.stringify({ event: 'buy', entityType: 'user', entityId: 'buyer', targetEntityType: 'item', targetEntityId: item }),
    );
    await workspace.importEvents(appId, [...lines.filter((_, i) => i % 5 !== 0), ...buys]);
    const build = await workspace.pio(['build']);
    expect(build.output).toContain('Your engine is ready for training.');
    await workspace.pio(['train']);
    engine = await workspace.deploy();
  }, 240_000);

  afterAll(async () => {
    await workspace?.cleanup();
  }, 60_000);

  it('answers {"user":"1","num":4} with four scored items, best first', async () => {
    const { status, body } = await engine.query({ user: '1', num: 4 });
    expect(status).toBe(200);
    const { itemScores } = body as ItemScores;
    expect(itemScores).toHaveLength(4);
    for (const { item, score } of itemScores) {
      expect(trainedItems.has(item)).toBe(true);
      expect(Number.isFinite(score)).toBe(true);
    }
    for (let k = 1; k < itemScores.length; k++) expect(itemScores[k - 1]!.score).toBeGreaterThanOrEqual(itemScores[k]!.score);
    expect(new Set(itemScores.map((s) => s.item)).size).toBe(4);
  });

  it('accepts an integer user id like upstream', async () => {
    const asNumber = await engine.query({ user: 1, num: 4 });
    const asString = await engine.query({ user: '1', num: 4 });
    expect(asNumber.status).toBe(200);
    expect(asNumber.body).toEqual(asString.body);
  });

  it('answers an unknown user with no items', async () => {
    const { status, body } = await engine.query({ user: 'nobody-rated-anything', num: 4 });
    expect(status).toBe(200);
    expect(body).toEqual({ itemScores: [] });
  });

  it('ranks held-out well-rated items in the top part of the full ranking', async () => {
    const percentiles: number[] = [];
    const rankings = new Map<string, string[]>();
    for (const { user, item, rating } of heldOut) {
      if (rating < 4 || !trainedItems.has(item)) continue;
      if (!rankings.has(user)) {
        const { body } = await engine.query({ user, num: trainedItems.size });
        rankings.set(user, (body as ItemScores).itemScores.map((s) => s.item));
      }
      const ranking = rankings.get(user)!;
      expect(ranking).toHaveLength(trainedItems.size);
      percentiles.push(ranking.indexOf(item) / ranking.length);
    }
    expect(percentiles.length).toBeGreaterThan(20);
    const meanPercentile = percentiles.reduce((a, b) => a + b, 0) / percentiles.length;
    // Random order gives 0.5.
    expect(meanPercentile).toBeLessThan(0.35);
  });

  it('learns from buy events', async () => {
    const { status, body } = await engine.query({ user: 'buyer', num: trainedItems.size });
    expect(status).toBe(200);
    const { itemScores } = body as ItemScores;
    expect(itemScores).toHaveLength(trainedItems.size);
    // Fitted to two ratings of 4 (shrunk by the regularisation), far above a low rating.
    for (const item of ['2', '3']) expect(itemScores.find((s) => s.item === item)!.score).toBeGreaterThan(2.5);
  });

  it('rejects a query without num as a bad request', async () => {
    const { status } = await engine.query({ user: '1' });
    expect(status).toBe(400);
  });

  it('stops on pio undeploy', async () => {
    const exitCode = await engine.undeploy();
    expect(exitCode).toBe(0);
  });
});
