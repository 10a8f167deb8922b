import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/net.js';
import { deploy, query, waitFor, type DeployedEngine, type EngineTestContext, eachTestWithEngine } from './helpers.js';

const MEAN = 14 / 6;

describe('engine server (pio deploy)', () => {
  let ctx: EngineTestContext;
  const servers: DeployedEngine[] = [];
  eachTestWithEngine(servers, (created) => (ctx = created));

  async function trained(batch = 'first'): Promise<void> {
    const result = await ctx.run(['train', '--batch', batch]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  }

  async function deployed(args: string[] = [], port?: number): Promise<DeployedEngine> {
    const server = await deploy(ctx, args, { port });
    servers.push(server);
    return server;
  }

  it('answers queries, rejects bad ones with JSON errors, serves the status page, reloads and stops', async () => {
    await trained();
    const server = await deployed();
    expect(server.output()).toContain('[INFO] [MasterActor] Undeploying any existing engine instance at');
    expect(server.output()).toMatch(/\[INFO\] \[MasterActor\] Engine is deployed and running\. Engine API is live at http:\/\/127\.0\.0\.1:\d+\./);

    const ok = await query(server.url, '{"offset": 1, "label": 42}');
    expect(ok).toMatchObject({ status: 200, json: { value: (MEAN + 1 + 2) / 2, mean: MEAN + 1, majority: 2, label: '42' } });
    expect(ok.contentType).toMatch(/^application\/json/);
    // Any content type: the body is read as text.
    const plain = await fetch(`${server.url}/queries.json`, { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(200);

    const badJson = await query(server.url, '{"offset": 1');
    expect(badJson.status).toBe(400);
    expect(badJson.json).toMatchObject({ message: expect.stringContaining('Invalid JSON') });
    const badField = await query(server.url, '{"offset": "one"}');
    expect(badField.status).toBe(400);
    expect(badField.json).toMatchObject({ message: expect.stringContaining('offset') });
    const wrongMethod = await fetch(`${server.url}/queries.json`);
    expect(wrongMethod.status).toBe(405);

    const html = await (await fetch(`${server.url}/`)).text();
    for (const label of ['Engine Information', 'Training Start Time', 'Instance ID', 'Request Count', 'Average Serving Time', 'Algorithms and Models', 'Feedback Loop Enabled?']) {
      expect(html).toContain(label);
    }
    expect(html).toContain('<title>src/engine.ts#createEngine (default) - PredictionIO Engine Server at 127.0.0.1:');
    const status = (await (await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })).json()) as {
      serverInformation: { requestCount: number };
      algorithms: Array<{ name: string }>;
    };
    expect(status.serverInformation.requestCount).toBe(2);
    expect(status.algorithms.map((algorithm) => algorithm.name)).toEqual(['mean', 'majority']);
    expect(await (await fetch(`${server.url}/plugins.json`)).json()).toEqual({ plugins: { outputblockers: {}, outputsniffers: {} } });

    const reload = await fetch(`${server.url}/reload`, { method: 'POST' });
    expect([reload.status, await reload.text()]).toEqual([200, 'Reloading...']);
    await waitFor(async () => (server.output().includes('"reason":"reload"') && server.output().includes('Swapped in engine instance') ? true : undefined), 20_000, 'reload');
    expect((await query(server.url, '{}')).status).toBe(200);

    const stop = await fetch(`${server.url}/stop`, { method: 'POST' });
    expect([stop.status, await stop.text()]).toEqual([200, 'Shutting down...']);
    expect(await server.exited).toBe(0);
    await expect(fetch(`${server.url}/`)).rejects.toThrow();
  });

  it('refuses to deploy without a trained instance or with an unknown instance id', async () => {
    const port = await freePort();
    const none = await ctx.run(['deploy', '--ip', '127.0.0.1', '--port', String(port)]);
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toMatch(/\[ERROR\] \[Engine\$\] No valid engine instance found for engine src\/engine\.ts#createEngine [0-9a-f]{40}\./);
    expect(none.stdout).toContain("Try running 'train' before 'deploy'. Aborting.");
    const unknown = await ctx.run(['deploy', '--ip', '127.0.0.1', '--port', String(port), '--engine-instance-id', 'nope']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stdout).toContain('[ERROR] [Engine$] Invalid engine instance ID nope. Aborting.');
  });

  it('undeploys, and a new deploy on the same port replaces a running server', async () => {
    await trained();
    const first = await deployed();
    const port = Number(new URL(first.url).port);
    // The second server enforces a server key on /stop and /reload (upstream key-auth-enforced).
    const second = await deploy(ctx, [], { port, env: { PIO_SERVER_ACCESS_KEY: 'server-secret' } });
    servers.push(second);
    expect(second.output()).not.toContain('Nothing at');
    expect(await first.exited).toBe(0);
    expect((await query(second.url, '{}')).status).toBe(200);

    const refused = await ctx.run(['undeploy', '--ip', '127.0.0.1', '--port', String(port)]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain('or an existing engine server is not responding properly (HTTP 401). Unable to undeploy.');
    expect((await fetch(`${second.url}/reload`, { method: 'POST' })).status).toBe(401);
    const undeploy = await ctx.run(['undeploy', '--ip', '127.0.0.1', '--port', String(port)], { env: { PIO_SERVER_ACCESS_KEY: 'server-secret' } });
    expect(undeploy.exitCode, undeploy.stdout).toBe(0);
    expect(undeploy.stdout).toContain(`[INFO] [Engine$] Undeploying any existing engine instance at http://127.0.0.1:${port}`);
    expect(await second.exited).toBe(0);
    const nothing = await ctx.run(['undeploy', '--ip', '127.0.0.1', '--port', String(port)]);
    expect(nothing.exitCode).toBe(1);
    expect(nothing.stdout).toContain(`[ERROR] [Engine$] Nothing at http://127.0.0.1:${port}`);
  });

  it('hot-swaps a newer training under continuous queries without a failed query', async () => {
    await trained();
    const server = await deployed(['--poll-interval', '200']);
    const before = (await query(server.url, '{}')).json as { value: number };
    expect(before.value).toBeCloseTo((MEAN + 1) / 2);

    const seen = new Map<number, number>();
    const failures: string[] = [];
    let running = true;
    let count = 0;
    const client = async () => {
      while (running) {
        try {
          const response = await query(server.url, '{}');
          if (response.status !== 200) failures.push(`${response.status} ${JSON.stringify(response.json)}`);
          else {
            const value = (response.json as { value: number }).value;
            seen.set(value, (seen.get(value) ?? 0) + 1);
          }
        } catch (error) {
          failures.push(String(error));
        }
        count++;
      }
    };
    const clients = Array.from({ length: 8 }, client);
    try {
      await ctx.observe([9, 9, 9, 9, 9, 9, 9, 9]);
      await trained('second');
      // After: mean of 14 values, majority 9.
      const newMean = (14 + 72) / 14;
      const expected = (newMean + 9) / 2;
      await waitFor(async () => ([...seen.keys()].some((value) => Math.abs(value - expected) < 1e-9) ? true : undefined), 20_000, 'the new model');
      const countAtSwap = count;
      await waitFor(async () => (count > countAtSwap + 200 ? true : undefined), 20_000, 'more queries after the swap');
      running = false;
      await Promise.all(clients);
      expect(failures).toEqual([]);
      const values = [...seen.keys()].sort((a, b) => a - b);
      expect(values).toHaveLength(2);
      expect(values[0]).toBeCloseTo((MEAN + 1) / 2);
      expect(values[1]).toBeCloseTo(expected);
      expect(count).toBeGreaterThan(300);
      expect(server.output()).toContain('Swapped in engine instance');
    } finally {
      running = false;
      await Promise.all(clients);
    }
  });

  it('keeps serving the previous model when a training fails', async () => {
    await trained();
    const server = await deployed(['--poll-interval', '100']);
    const before = await query(server.url, '{}');
    await ctx.observe([7, 7], { poison: true });
    const failed = await ctx.run(['train', '--batch', 'poisoned']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('[ERROR] [CoreWorkflow$] Training failed: poisoned observation in training data');
    const rows = await ctx.query<{ status: string }>("SELECT status FROM pio_meta_engineinstances WHERE batch = 'poisoned'");
    expect(rows.map((row) => row.status)).toEqual(['INIT']);

    // Several poll intervals and an explicit reload later, the answer is unchanged.
    await new Promise((resolve) => setTimeout(resolve, 800));
    await fetch(`${server.url}/reload`, { method: 'POST' });
    await waitFor(async () => (server.output().includes('"reason":"reload"') ? true : undefined), 10_000, 'reload');
    const after = await query(server.url, '{}');
    expect(after).toEqual(before);
    expect(server.output()).not.toContain('newer completed training');
  });

  it('sends feedback events to the Event Server without logging the access key', async () => {
    await trained();
    const eventServerPort = await freePort();
    const { execa } = await import('execa');
    const { PIO_BIN } = await import('../pio/helpers.js');
    const eventServer = execa(PIO_BIN, ['eventserver', '--ip', '127.0.0.1', '--port', String(eventServerPort)], {
      env: ctx.env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${eventServerPort}/`).then((r) => (r.ok ? true : undefined)).catch(() => undefined)),
        30_000,
        'the event server',
      );
      const server = await deployed([
        '--feedback',
        '--accesskey',
        ctx.accessKey,
        '--event-server-ip',
        '127.0.0.1',
        '--event-server-port',
        String(eventServerPort),
      ]);
      const answer = await query(server.url, '{"offset": 2}');
      expect(answer.status).toBe(200);
      const events = await waitFor(async () => {
        const found = await ctx.storage.events.find({ appId: ctx.appId }, { eventNames: ['predict'] });
        return found.length > 0 ? found : undefined;
      }, 20_000, 'the feedback event');
      expect(events[0]).toMatchObject({ event: 'predict', entityType: 'pio_pr' });
      expect(events[0]!.entityId).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(events[0]!.properties).toMatchObject({ query: { offset: 2 }, prediction: answer.json });
      expect(server.output()).not.toContain(ctx.accessKey);
    } finally {
      eventServer.kill('SIGTERM');
      await eventServer.catch(() => undefined);
    }
  });
});
