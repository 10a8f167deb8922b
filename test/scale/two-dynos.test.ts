import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineTestContext, deploy, query, waitFor, type DeployedEngine, type EngineTestContext } from '../engine/helpers.js';
import { startEventServerProcess, type EventServerProcess } from '../observability/helpers.js';

/**
 * Scaling out (CUSTOM.md "Scaling out"): event servers and engine servers keep no state of their own,
 * so two of each over one PostgreSQL behave as one. Real `pio eventserver` and `pio deploy` processes.
 */
describe('two event servers and two engine servers on one database', () => {
  let ctx: EngineTestContext;
  const eventServers: EventServerProcess[] = [];
  const engineServers: DeployedEngine[] = [];

  beforeAll(async () => {
    ctx = await createEngineTestContext();
  });
  afterAll(async () => {
    await Promise.all([...eventServers.splice(0).map((server) => server.stop()), ...engineServers.splice(0).map((server) => server.kill())]);
    await ctx?.close();
  });

  /** Posts `count` observe events of `value`, spread over the event servers by `client` workers. */
  async function postConcurrently(servers: EventServerProcess[], clients: number, perClient: number, value: number) {
    const acknowledged: string[] = [];
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let i = 0; i < perClient; i++) {
          const server = servers[(client + i) % servers.length]!;
          const body = JSON.stringify({
            event: 'observe',
            entityType: 'sensor',
            entityId: `c${client}-${i}`,
            properties: { value },
          });
          const response = await fetch(`${server.url}/events.json?accessKey=${ctx.accessKey}`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
          });
          const text = await response.text();
          if (response.status === 201) acknowledged.push((JSON.parse(text) as { eventId: string }).eventId);
          else failures.push(`${response.status} ${text}`);
        }
      }),
    );
    return { acknowledged, failures };
  }

  it('stores every acknowledged event once and both engine servers hot-swap the same new training', async () => {
    eventServers.push(...(await Promise.all([startEventServerProcess(ctx), startEventServerProcess(ctx)])));

    const first = await postConcurrently(eventServers, 8, 25, 1);
    expect(first.failures).toEqual([]);
    expect(first.acknowledged).toHaveLength(200);
    const rows = await ctx.query<{ id: string }>(`SELECT id FROM pio_event_${ctx.appId}`);
    expect(new Set(first.acknowledged).size).toBe(200);
    expect(rows.map((row) => row.id).sort()).toEqual([...first.acknowledged].sort());

    const trained = await ctx.run(['train', '--batch', 'first']);
    expect(trained.exitCode, trained.stdout + trained.stderr).toBe(0);
    engineServers.push(...(await Promise.all([deploy(ctx, ['--poll-interval', '200']), deploy(ctx, ['--poll-interval', '200'])])));
    for (const server of engineServers) {
      expect((await query(server.url, '{}')).json).toMatchObject({ mean: 1, majority: 1 });
    }

    // 300 more events of value 4 through both event servers: mean (200 + 1200) / 500 = 2.8, majority 4.
    const second = await postConcurrently(eventServers, 6, 50, 4);
    expect(second.failures).toEqual([]);
    const all = [...first.acknowledged, ...second.acknowledged];
    expect(new Set(all).size).toBe(500);
    expect(await ctx.storage.events.count({ appId: ctx.appId })).toBe(500);

    const retrained = await ctx.run(['train', '--batch', 'second']);
    expect(retrained.exitCode, retrained.stdout + retrained.stderr).toBe(0);
    const newInstance = /engine instance (\S+)\)/.exec(retrained.stdout)?.[1];
    expect(newInstance).toBeDefined();
    const swapped = await Promise.all(
      engineServers.map((server) =>
        waitFor(
          async () => {
            const answer = (await query(server.url, '{}')).json as { mean: number; majority: number };
            return Math.abs(answer.mean - 2.8) < 1e-9 && answer.majority === 4 ? answer : undefined;
          },
          20_000,
          `${server.url} to swap in the new training`,
        ),
      ),
    );
    expect(swapped).toHaveLength(2);
    for (const server of engineServers) {
      const swapLines = server.output().split('\n').filter((line) => line.includes('Swapped in engine instance'));
      expect(swapLines.some((line) => line.includes(newInstance!))).toBe(true);
    }
  });
});
