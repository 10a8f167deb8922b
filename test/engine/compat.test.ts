import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/lib/net.js';
import { engineVersionOf } from '../../src/native/workflow/engine-variant.js';
import { deploy, query, waitFor, type DeployedEngine, type EngineTestContext, eachTestWithEngine } from './helpers.js';

/**
 * Where the native engine commands and engine server knowingly differ from Apache PredictionIO
 * (COMPATIBILITY.md cites these tests by name). Real bin/pio processes on a test database.
 */

const TOO_NEW = "This engine template requires at least PredictionIO 0.15.0. The template may not work with PredictionIO 0.14.0.";

describe('engine compatibility', () => {
  let ctx: EngineTestContext;
  const servers: DeployedEngine[] = [];
  eachTestWithEngine(servers, (created) => (ctx = created));

  it('template.json: a minimum above 0.14.0 is fatal for build, deploy and batchpredict, and ignored by train', async () => {
    await writeFile(join(ctx.engineDir, 'template.json'), '{"pio":{"version":{"min":"0.15.0"}}}');
    const port = String(await freePort());
    for (const args of [['build'], ['deploy', '--ip', '127.0.0.1', '--port', port], ['batchpredict']]) {
      const result = await ctx.run(args);
      expect(result.exitCode, args[0]).toBe(1);
      expect(result.lines, args[0]).toContain(`[ERROR] [Template$] ${TOO_NEW}`);
    }
    const train = await ctx.run(['train']);
    expect(train.exitCode, train.stdout + train.stderr).toBe(0);
    expect(train.stdout).not.toContain('Template$');

    await writeFile(join(ctx.engineDir, 'template.json'), '{"pio":{"version":{"min":"0.14.0"}}}');
    expect((await ctx.run(['build'])).exitCode).toBe(0);
  });

  it('engine server: JSON errors (400/500), integral doubles in string fields read as "1", GET /stop accepted', async () => {
    // Make one query fail inside predict, as an engine bug would.
    const algorithms = join(ctx.engineDir, 'src', 'algorithms.ts');
    const source = await readFile(algorithms, 'utf8');
    await writeFile(algorithms, source.replace('return model.mean + query.offset;', "if (query.offset === 13) throw new Error('unlucky offset');\n    return model.mean + query.offset;"));
    const train = await ctx.run(['train']);
    expect(train.exitCode, train.stdout + train.stderr).toBe(0);
    const server = await deploy(ctx);
    servers.push(server);

    // Upstream 0.12/0.13: application/json; charset=UTF-8 (0.14 regressed to text/plain).
    const ok = await query(server.url, '{"label": 1.0}');
    expect(ok.status).toBe(200);
    expect(ok.contentType).toBe('application/json; charset=UTF-8');
    // Upstream json4s renders the double 1.0 as "1.0"; JSON.parse cannot tell 1.0 from 1.
    expect((ok.json as { label: string }).label).toBe('1');
    expect(((await query(server.url, '{"label": 1.5}')).json as { label: string }).label).toBe('1.5');
    // Bodies in json4s-native's dialect are answered as upstream answers them (UR's example has no comma after "u5").
    const lenient = await query(server.url, '{"user": "u5" "from": 0, "label": "x",}');
    expect(lenient.status).toBe(200);
    expect((lenient.json as { label: string }).label).toBe('x');

    // Upstream: 500 text/plain "Query:\n…\n\nStack Trace:\n…"; here a JSON message with a request id,
    // and the error (which may name tables and constraints) only in the log line with that id.
    const failed = await query(server.url, '{"offset": 13}');
    expect(failed.status).toBe(500);
    expect(failed.contentType).toBe('application/json; charset=UTF-8');
    const { requestId } = failed.json as { requestId: string };
    expect(failed.json).toEqual({ message: `Query failed. The engine server's log has the error under request id ${requestId}.`, requestId });
    await waitFor(
      async () => (server.output().split('\n').some((line) => line.includes(`"reqId":"${requestId}"`) && line.includes('unlucky offset')) ? true : undefined),
      5000,
      'the log line of the failed query',
    );
    // Upstream: invalid JSON is a 500 (Gson also fails), a mapping error a text/plain 400.
    const invalid = await query(server.url, '{"offset": ');
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({ message: expect.stringMatching(/^Invalid JSON in query: /) });

    // Upstream `pio undeploy` sends GET /stop, which the 0.12–0.14 server rejects with 405.
    const stop = await fetch(`${server.url}/stop`);
    expect([stop.status, await stop.text()]).toEqual([200, 'Shutting down...']);
    expect(await server.exited).toBe(0);
  });

  it('refuses to deploy an instance whose model blob Apache PredictionIO wrote (Kryo): retrain', async () => {
    expect((await ctx.run(['build'])).exitCode).toBe(0);
    const id = await ctx.storage.engineInstances.insert({
      status: 'COMPLETED',
      startTime: new Date(),
      endTime: new Date(),
      engineId: 'src/engine.ts#createEngine',
      engineVersion: engineVersionOf(ctx.engineDir),
      engineVariant: 'default',
      engineFactory: 'src/engine.ts#createEngine',
      batch: '',
      env: {},
      sparkConf: {},
      dataSourceParams: '{"":{"appName":"MeanApp","evalK":3}}',
      preparatorParams: '{"":{}}',
      algorithmsParams: '[{"mean":{"scale":1}},{"majority":{}}]',
      servingParams: '{"average":{"meanWeight":0.5}}',
    });
    // A Kryo stream of a Scala list: class-name registrations and binary fields, not JSON.
    const kryo = Buffer.concat([Buffer.from([0x01, 0x00]), Buffer.from('scala.collection.immutable.$colon$colon'), Buffer.from([0x01, 0x02, 0xff, 0x7f])]);
    await ctx.storage.models.insert({ id, models: new Uint8Array(kryo) });
    const result = await ctx.run(['deploy', '--ip', '127.0.0.1', '--port', String(await freePort()), '--engine-instance-id', id]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      `[ERROR] [Engine$] The model of engine instance ${id} is not in pio-ts-models/1 format (trained by Apache PredictionIO?). Run 'pio train' with this runtime.`,
    );
  });
});
