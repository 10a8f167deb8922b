import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedAnswers, fixture, handmadeQueries } from '../../templates/engines/universal-recommender/test/handmade-engine.js';
import { handmadeEvents, pythonIso } from '../../templates/engines/universal-recommender/test/handmade-import.js';
import { createApp } from '../pio/helpers.js';
import { createEngineTestContext, deploy, query, type DeployedEngine, type EngineTestContext } from './helpers.js';

const TEMPLATES = new URL('../../templates/engines/', import.meta.url).pathname;

/** The engine directory as an upstream Scala engine has it: engine.json, build.sbt, Scala sources. */
async function scalaEngineDir(ctx: EngineTestContext, engineJson: object): Promise<void> {
  for (const entry of await readdir(ctx.engineDir)) await rm(join(ctx.engineDir, entry), { recursive: true, force: true });
  await writeFile(join(ctx.engineDir, 'engine.json'), JSON.stringify(engineJson, null, 2));
  await writeFile(join(ctx.engineDir, 'build.sbt'), 'name := "universal-recommender"\nscalaVersion := "2.11.8"\n');
  await mkdir(join(ctx.engineDir, 'src', 'main', 'scala'), { recursive: true });
  await writeFile(join(ctx.engineDir, 'src', 'main', 'scala', 'Engine.scala'), 'package com.actionml\nobject RecommendationEngine\n');
}

async function importLines(ctx: EngineTestContext, appId: number, lines: string[]): Promise<void> {
  const input = join(ctx.home, 'events.json');
  await writeFile(input, `${lines.join('\n')}\n`);
  const result = await ctx.run(['import', '--appid', String(appId), '--input', input]);
  await rm(input, { force: true });
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
}

async function buildAndTrain(ctx: EngineTestContext, env?: Record<string, string>): Promise<string> {
  const build = await ctx.run(['build'], { env });
  expect(build.exitCode, build.stdout + build.stderr).toBe(0);
  const train = await ctx.run(['train'], { env });
  expect(train.exitCode, train.stdout + train.stderr).toBe(0);
  // The bundle pio build made is used as it is.
  expect(train.stdout).not.toContain('Building ');
  return build.stdout;
}

describe('an upstream UR engine directory (com.actionml.RecommendationEngine) on the native runtime', () => {
  let ctx: EngineTestContext;
  let server: DeployedEngine;
  let now: number;
  let buildOutput: string;

  beforeAll(async () => {
    ctx = await createEngineTestContext();
    // UR's own handmade engine.json as it is, appName "handmade" included.
    await scalaEngineDir(ctx, JSON.parse(await fixture('handmade-engine.json')) as object);
    const { id } = await createApp(ctx, 'handmade');
    now = Date.now();
    const events = handmadeEvents(await fixture('sample-handmade-data.txt'), now).map((e) => ({ eventTime: pythonIso(now), ...e }));
    await importLines(ctx, id, events.map((event) => JSON.stringify(event)));
    buildOutput = await buildAndTrain(ctx);
    server = await deploy(ctx);
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await ctx?.close();
  });

  it('pio build says it uses the port and ignores the Scala build', () => {
    expect(buildOutput).toContain(
      '[INFO] [Engine$] engineFactory com.actionml.RecommendationEngine (actionml/universal-recommender): ' +
        'using the native runtime\'s TypeScript port "universal-recommender" with the params of engine.json.',
    );
    expect(buildOutput).toContain('[INFO] [Engine$] Not used by the native runtime: build.sbt, src/main/scala/ (the upstream engine\'s Scala build).');
    expect(buildOutput).toContain('Engine com.actionml.RecommendationEngine (variant default): 1 algorithm(s) "ur"');
  });

  it('records upstream\'s factory name in the engine instance', async () => {
    const rows = await ctx.query<{ enginefactory: string; engineid: string }>('SELECT enginefactory, engineid FROM pio_meta_engineinstances');
    expect(rows).toEqual([{ enginefactory: 'com.actionml.RecommendationEngine', engineid: 'com.actionml.RecommendationEngine' }]);
  });

  it('answers UR\'s 28 integration-test queries as UR does', async () => {
    const queries = await handmadeQueries(now);
    const expected = await expectedAnswers();
    expect(queries).toHaveLength(28);
    for (let i = 0; i < queries.length; i++) {
      // Sent as UR's script sends them (three bodies are json4s-only), compared byte for byte.
      const answer = await query(server.url, queries[i]!);
      expect(answer.status, queries[i]).toBe(200);
      expect(answer.text, queries[i]).toBe(expected[i]);
    }
  });
});

describe('other upstream engine directories', () => {
  let ctx: EngineTestContext;

  beforeAll(async () => {
    ctx = await createEngineTestContext();
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it(
    'runs the Heroku UR fork (org.template.RecommendationEngine), whose engine.json has no appName, with PIO_EVENTSERVER_APP_NAME',
    async () => {
      // heroku/predictionio-engine-ur's engine.json (UR 0.5), as it is.
      await scalaEngineDir(ctx, {
        id: 'default',
        description: 'Default settings',
        engineFactory: 'org.template.RecommendationEngine',
        datasource: { params: { name: 'iOS vs Android demo (data/initial-events.json)', eventNames: ['purchase', 'bookmark'] } },
        sparkConf: { 'spark.serializer': 'org.apache.spark.serializer.KryoSerializer', 'es.index.auto.create': 'true' },
        algorithms: [
          {
            comment: 'simplest setup where all values are default, popularity based backfill, must add eventsNames',
            name: 'ur',
            params: { typeName: 'items', indicators: [{ name: 'purchase' }, { name: 'bookmark', maxCorrelatorsPerItem: 50 }], num: 4 },
          },
        ],
      });
      const { id } = await createApp(ctx, 'urfork');
      const lines = (await readFile(join(TEMPLATES, 'universal-recommender', 'data', 'initial-events.json'), 'utf8')).split('\n').filter(Boolean);
      await importLines(ctx, id, lines);
      const env = { PIO_EVENTSERVER_APP_NAME: 'urfork' };
      const output = await buildAndTrain(ctx, env);
      expect(output).toContain('engineFactory org.template.RecommendationEngine (heroku/predictionio-engine-ur): using');
      const server = await deploy(ctx, [], { env });
      try {
        const answer = await query(server.url, '{"user": "100"}');
        expect(answer.status).toBe(200);
        const { itemScores } = answer.json as { itemScores: Array<{ item: string; score: number }> };
        expect(itemScores).toHaveLength(4);
        expect(itemScores[0]!.score).toBeGreaterThan(0);
      } finally {
        await server.kill();
      }
      // Without the variable, training says where the app name comes from.
      const noApp = await ctx.run(['train']);
      expect(noApp.exitCode).not.toBe(0);
      expect(noApp.stdout + noApp.stderr).toContain('PIO_EVENTSERVER_APP_NAME');
    },
    240_000,
  );

  it(
    'runs the Apache recommendation template (org.example.recommendation.RecommendationEngine) with its engine.json params',
    async () => {
      // apache/predictionio-template-recommender's engine.json, with the app name set as its README says.
      await scalaEngineDir(ctx, {
        id: 'default',
        description: 'Default settings',
        engineFactory: 'org.example.recommendation.RecommendationEngine',
        datasource: { params: { appName: 'movies' } },
        algorithms: [{ name: 'als', params: { rank: 10, numIterations: 20, lambda: 0.01, seed: 3 } }],
      });
      const { id } = await createApp(ctx, 'movies');
      const lines = (await readFile(join(TEMPLATES, 'recommendation', 'data', 'initial-events.json'), 'utf8')).split('\n').filter(Boolean);
      await importLines(ctx, id, lines);
      const output = await buildAndTrain(ctx);
      expect(output).toContain('using the native runtime\'s TypeScript port "recommendation"');
      const server = await deploy(ctx);
      try {
        const answer = await query(server.url, '{"user": "1", "num": 4}');
        expect(answer.status).toBe(200);
        expect((answer.json as { itemScores: unknown[] }).itemScores).toHaveLength(4);
      } finally {
        await server.kill();
      }
    },
    240_000,
  );

  it('refuses a Scala engine factory it has no port of, saying what to do', async () => {
    await scalaEngineDir(ctx, { id: 'default', engineFactory: 'org.example.textclassification.TextClassificationEngine' });
    const result = await ctx.run(['build']);
    expect(result.exitCode).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain('engineFactory org.example.textclassification.TextClassificationEngine is a Scala/Java class');
    expect(output).toContain('PIO_DISTRIBUTION=apache');
  });
});
