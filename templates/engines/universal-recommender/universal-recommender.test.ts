import { execa, type ResultPromise } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/lib/net.js';
import { renderPredictionJson } from '../../../src/native/engine/java-double.js';
import { templateInfo } from '../../../src/lifecycle/templates.js';
import { createEngineWorkspace, templateEventLines, type DeployedEngine, type EngineWorkspace } from '../engine-e2e.js';
import { handmadeEvents, pythonIso, type ImportEvent } from './test/handmade-import.js';
import { memoryEventStore, testContext } from './test/memory-event-store.js';
import { expectedAnswers, fixture, handmadeQueries, handmadeStore, trainHandmade } from './test/handmade-engine.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

type Answer = { itemScores: Array<{ item: string; score: number; ranks?: Record<string, number> }> };

/** The parts of an engine.json these tests change. */
interface EngineJsonFixture {
  engineFactory?: string;
  datasource: { params: Record<string, unknown> };
  algorithms: Array<{ params: Record<string, unknown> }>;
}

/** UR's own integration test (examples/integration-test): 28 answers compared byte for byte. */
describe('UR integration test, in process', () => {
  let engine: Awaited<ReturnType<typeof trainHandmade>>;
  let queries: string[];
  let expected: string[];

  beforeAll(async () => {
    const now = Date.now();
    engine = await trainHandmade(await handmadeStore(now));
    queries = await handmadeQueries(now);
    expected = await expectedAnswers();
  });

  it('gives all 28 expected answers byte for byte', async () => {
    expect(queries).toHaveLength(28);
    const answers = [];
    for (const body of queries) answers.push(await engine.answer(body));
    expect(answers).toEqual(expected);
  });

  const ask = async (query: object) => JSON.parse(await engine.answer(JSON.stringify(query))) as Answer;
  const items = (answer: Answer) => answer.itemScores.map((s) => s.item);

  it('uses the itemSet as should clause and excludes its items', async () => {
    const answer = await ask({ itemSet: ['Iphone 4'] });
    expect(items(answer)).not.toContain('Iphone 4');
    expect(answer.itemScores[0]).toEqual({ item: 'Ipad-retina', score: expect.any(Number) });
    expect(answer.itemScores[0]!.score).toBeGreaterThan(0);
    const dropped = await ask({ itemSet: ['Iphone 4'], itemSetBias: 0 });
    expect(dropped.itemScores.every((s) => s.score === 0)).toBe(true);
  });

  it('applies blacklistItems and returnSelf', async () => {
    expect(items(await ask({ item: 'Iphone 4', blacklistItems: ['Nexus'] }))).not.toContain('Nexus');
    expect(items(await ask({ item: 'Nexus', returnSelf: true, num: 10 }))).toContain('Nexus');
    expect(items(await ask({ item: 'Nexus', num: 10 }))).not.toContain('Nexus');
  });

  it('filters by currentDate against available/expire dates', async () => {
    const farFuture = await ask({ currentDate: pythonIso(Date.now() + 30 * 86_400_000) });
    expect(farFuture.itemScores).toEqual([]);
    const later = await ask({ currentDate: pythonIso(Date.now() + 2 * 86_400_000), num: 10 });
    expect(items(later)).toContain('Iphone 5');
  });

  it('pages with from and num', async () => {
    const all = items(await ask({ user: 'u5', num: 5 }));
    expect(items(await ask({ user: 'u5', from: 1, num: 2 }))).toEqual(all.slice(1, 3));
    expect(items(await ask({ user: 'u5', from: 10 }))).toEqual([]);
  });

  it('returns ranks with withRanks', async () => {
    const answer = await ask({ withRanks: true, num: 1 });
    expect(answer.itemScores[0]).toEqual({ item: 'Galaxy', score: 0, ranks: { popRank: 8 } });
  });

  it("answers without the user's history, and logs why, when reading it fails or stalls", async () => {
    const withoutHistory = await engine.answer('{"user": "nobody-at-all"}');
    expect(await engine.answer('{"user": "u1"}')).not.toBe(withoutHistory);
    const failing = () => Promise.reject(new Error('connection reset'));
    const stalling = () => new Promise<never>(() => undefined);
    for (const latestTargets of [failing, stalling]) {
      const lines: string[] = [];
      const ctx = { ...testContext({ ...memoryEventStore([]), latestTargets }, lines), mode: 'deploy' as const };
      const prediction = await engine.algorithm.predict(engine.served, engine.algorithm.queryFromJson({ user: 'u1' }), ctx);
      expect(renderPredictionJson(engine.algorithm.predictionToJson(prediction))).toBe(withoutHistory);
      expect(lines).toEqual([expect.stringMatching(/^(Error|Timeout) when reading recent events of user u1/)]);
    }
  });

  it('a user bias boosts the user history clauses', async () => {
    const plain = await ask({ user: 'U 2' });
    const boosted = await ask({ user: 'U 2', userBias: 2 });
    expect(boosted.itemScores[0]!.score).toBeCloseTo(2 * plain.itemScores[0]!.score, 5);
  });
});

describe('UR rankings', () => {
  it('sorts equal scores by the configured ranking (userDefined defaultRank)', async () => {
    const engineJson = JSON.parse(await fixture('handmade-engine.json')) as EngineJsonFixture;
    engineJson.algorithms[0]!.params.rankings = [{ name: 'defaultRank', type: 'userDefined' }];
    const engine = await trainHandmade(await handmadeStore(Date.now()), engineJson);
    const answer = JSON.parse(await engine.answer('{"num": 10, "withRanks": true}')) as Answer;
    // Available items only (Iphone 6 expired, Iphone 5 not yet available), highest defaultRank first.
    expect(answer.itemScores.map((s) => s.item)).toEqual(['Iphone 4', 'Nexus', 'Ipad-retina', 'Galaxy', 'Surface']);
    expect(answer.itemScores[0]!.ranks).toEqual({ defaultRank: 5 });
  });

  it('computes trending and hot from halves and thirds of the window', async () => {
    const engineJson = JSON.parse(await fixture('handmade-engine.json')) as EngineJsonFixture;
    engineJson.algorithms[0]!.params.rankings = [
      { name: 'trendRank', type: 'trending', eventNames: ['purchase', 'view'], duration: '100 days' },
      { name: 'hotRank', type: 'hot', eventNames: ['purchase', 'view'], duration: '100 days' },
    ];
    delete engineJson.algorithms[0]!.params.availableDateName;
    const engine = await trainHandmade(await handmadeStore(Date.now()), engineJson);
    const ranks = engine.served.model.ranks.map((r) => r.name);
    expect(ranks).toEqual(['trendRank', 'hotRank']);
    const answer = JSON.parse(await engine.answer('{"num": 20, "withRanks": true}')) as Answer;
    expect(answer.itemScores.length).toBeGreaterThan(0);
    const trend = answer.itemScores.map((s) => s.ranks?.trendRank ?? Number.NEGATIVE_INFINITY);
    expect([...trend].sort((a, b) => b - a)).toEqual(trend);
  });
});

/**
 * The same integration test through the real `pio` on PostgreSQL and the engine server over HTTP,
 * with an Event Server on the same database for the user's realtime history.
 */
describe('UR integration test on PostgreSQL via pio', () => {
  let workspace: EngineWorkspace;
  let engine: DeployedEngine;
  let appId: number;
  let now: number;
  let eventServer: ResultPromise | undefined;

  beforeAll(async () => {
    workspace = await createEngineWorkspace('universal-recommender');
    now = Date.now();
    const engineJson = JSON.parse(await fixture('handmade-engine.json')) as EngineJsonFixture;
    engineJson.engineFactory = 'src/engine.ts#createEngine';
    engineJson.datasource.params.appName = workspace.appName;
    engineJson.algorithms[0]!.params.appName = workspace.appName;
    await writeFile(join(workspace.engineDir, 'engine.json'), JSON.stringify(engineJson, null, 2));
    appId = await workspace.createApp();
    const events = handmadeEvents(await fixture('sample-handmade-data.txt'), now).map((e) => ({ eventTime: pythonIso(now), ...e }));
    await workspace.importEvents(appId, events.map((e) => JSON.stringify(e)));
    await workspace.pio(['build']);
    await workspace.pio(['train']);
    engine = await workspace.deploy();
  }, 240_000);

  afterAll(async () => {
    eventServer?.kill('SIGTERM');
    await eventServer;
    await workspace?.cleanup();
  }, 60_000);

  /** The answer's bytes, the body sent exactly as given. */
  const ask = async (body: string) => {
    const response = await fetch(`${engine.url}/queries.json`, { method: 'POST', body });
    return { status: response.status, text: await response.text() };
  };

  it('answers the 28 queries byte for byte as UR does, lenient bodies sent as they are', async () => {
    const queries = await handmadeQueries(now);
    const expected = await expectedAnswers();
    // Some of UR's bodies are json4s' dialect only (`{"user": "u5" "from": 0}`).
    expect(queries.filter((body) => !isStrictJson(body)).length).toBeGreaterThan(0);
    for (let i = 0; i < queries.length; i++) {
      const { status, text } = await ask(queries[i]!);
      expect(status, queries[i]).toBe(200);
      expect(text, queries[i]).toBe(expected[i]);
    }
  });

  it('refuses a malformed query with 400', async () => {
    const { status } = await engine.query({ num: 'four' });
    expect(status).toBe(400);
  });

  it("changes a user's next answer when an event arrives at the Event Server, without retraining", async () => {
    const { output } = await workspace.pio(['accesskey', 'new', workspace.appName]);
    const accessKey = /Created new access key: (\S+)/.exec(output)?.[1];
    expect(accessKey, output).toBeDefined();
    const eventsUrl = await startEventServer();
    const before = await ask('{"user": "newcomer"}');
    expect(before.status).toBe(200);
    expect(scoresOf(before.text).every((score) => score === 0)).toBe(true);

    const posted = await fetch(`${eventsUrl}/events.json?accessKey=${accessKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'purchase', entityType: 'user', entityId: 'newcomer', targetEntityType: 'item', targetEntityId: 'Iphone 4' }),
    });
    expect(posted.status, await posted.text()).toBe(201);
    const after = await ask('{"user": "newcomer"}');
    expect(after.status).toBe(200);
    expect(scoresOf(after.text)[0]).toBeGreaterThan(0);
    // UR's default blacklist: the primary event's items are not recommended back.
    expect(itemsOf(after.text)).not.toContain('Iphone 4');
  });

  it("answers without the user's history when reading it stalls past 200 ms, never with a 500", async () => {
    const withoutHistory = await ask('{"user": "nobody-at-all"}');
    const personalised = await ask('{"user": "u1"}');
    expect(personalised.text).not.toBe(withoutHistory.text);
    const client = new pg.Client(databaseConfig(workspace.env));
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`LOCK TABLE pio_event_${appId} IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      const stalled = await ask('{"user": "u1"}');
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(stalled).toEqual(withoutHistory);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
    expect(await ask('{"user": "u1"}')).toEqual(personalised);
  });

  /** `pio eventserver` on the workspace's database; resolves with its URL once it answers. */
  async function startEventServer(): Promise<string> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    eventServer = execa(join(projectRoot, 'bin', 'pio'), ['eventserver', '--ip', '127.0.0.1', '--port', String(port)], {
      cwd: workspace.engineDir,
      env: workspace.env,
      extendEnv: false,
      reject: false,
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const up = await fetch(`${url}/`).then((response) => response.ok, () => false);
      if (up) return url;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`pio eventserver did not answer on ${url}`);
  }
});

function isStrictJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const scoresOf = (text: string) => (JSON.parse(text) as Answer).itemScores.map((s) => s.score);
const itemsOf = (text: string) => (JSON.parse(text) as Answer).itemScores.map((s) => s.item);

/** node-postgres settings from the storage settings `pio` runs with (a JDBC URL plus user and password). */
function databaseConfig(env: NodeJS.ProcessEnv): pg.ClientConfig {
  const jdbc = new URL(env.PIO_STORAGE_SOURCES_PGSQL_URL!.replace(/^jdbc:/, ''));
  return {
    host: jdbc.hostname,
    port: Number(jdbc.port),
    database: jdbc.pathname.slice(1),
    user: env.PIO_STORAGE_SOURCES_PGSQL_USERNAME,
    password: env.PIO_STORAGE_SOURCES_PGSQL_PASSWORD,
  };
}

describe('UR template sample data', () => {
  it('trains the template engine.json on the sample events', async () => {
    const lines = await templateEventLines('universal-recommender');
    const store = memoryEventStore(lines.map((line) => JSON.parse(line) as ImportEvent));
    const engineJson = JSON.parse(await readFile(new URL('./engine.json', import.meta.url), 'utf8')) as EngineJsonFixture;
    engineJson.datasource.params.appName = 'sample';
    const engine = await trainHandmade(store, engineJson);
    const forUser = JSON.parse(await engine.answer('{"user": "100"}')) as Answer;
    expect(forUser.itemScores).toHaveLength(4);
    expect(forUser.itemScores[0]!.score).toBeGreaterThan(0);
    const filtered = JSON.parse(await engine.answer('{"fields": [{"name": "category", "values": ["case"], "bias": -1}]}')) as Answer;
    expect(filtered.itemScores.length).toBeGreaterThan(0);
  });

  it('ships the UR sample events', async () => {
    const lines = await templateEventLines('universal-recommender');
    expect(lines.length).toBe(93);
    expect(templateInfo('universal-recommender').queries.map((spec) => spec.query)).toContainEqual({ user: '100' });
  });
});
