import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  averageMetric,
  javaDoubleString,
  jsonString,
  optionAverageMetric,
  stdevMetric,
  sumMetric,
  type Algorithm,
  type EngineContext,
  type EngineDefinition,
  type EventStore,
} from '../../src/native/engine/index.js';
import { createModelWatcher } from '../../src/native/engineserver/hot-swap.js';
import type { ServingState } from '../../src/native/workflow/serving-state.js';
import type { EngineInstance } from '../../src/native/storage/index.js';
import { createEngineContext, pioEnvironment } from '../../src/native/workflow/context.js';
import { persistModels, predictBatch, predictQuery, restoreModels, trainEngine } from '../../src/native/workflow/dase-pipeline.js';
import { driverMemoryMb, parseSparkMemoryMb } from '../../src/native/workflow/driver-memory.js';
import {
  instantiateEngine,
  paramsColumns,
  QueryMappingError,
  settingsFromColumns,
  settingsFromEngineParams,
} from '../../src/native/workflow/engine-definition.js';
import { parseModuleReference } from '../../src/native/workflow/engine-module.js';
import { parseEngineVariant } from '../../src/native/workflow/engine-variant.js';
import { decodeModels, encodeModels } from '../../src/native/workflow/model-codec.js';

const noEvents: EventStore = {
  find: async () => [],
  stream: async function* () {},
  readColumns: async () => {
    throw new Error('no columns');
  },
  findByEntity: async () => [],
  latestTargets: async () => [],
  aggregateProperties: async () => new Map(),
};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const context = (overrides: Partial<EngineContext['workflow']> = {}) =>
  createEngineContext({ events: noEvents, log: silent, mode: 'train', engineInstanceId: 'inst-1', workflow: overrides });

/** A small engine built in-process: data = [1..n], algorithms sum/count/persistent, serving adds. */
function testEngine(counters: { reads: number; saved: Map<string, unknown> }): EngineDefinition {
  class SumAlgorithm implements Algorithm<number[], number, { x: number }, number> {
    static params = z.object({ factor: z.number().default(1) });
    constructor(readonly params: { factor: number }) {}
    train(_ctx: EngineContext, data: number[]) {
      return data.reduce((a, b) => a + b, 0) * this.params.factor;
    }
    predict(model: number, query: { x: number }) {
      return model + query.x;
    }
  }
  return {
    datasource: {
      params: z.object({ n: z.number().int().positive() }),
      create: (params: { n: number }) => ({
        readTraining: () => {
          counters.reads++;
          return Object.assign(Array.from({ length: params.n }, (_, i) => i + 1), {
            sanityCheck() {
              if (params.n > 100) throw new Error('too much data');
            },
          });
        },
      }),
    },
    algorithms: {
      sum: SumAlgorithm,
      // Not persisted: re-trained when deployed.
      count: {
        create: () => ({
          train: (_ctx: EngineContext, data: number[]) => data.length,
          predict: (model: number) => model,
          serializeModel: () => undefined,
        }),
      },
      // Saves itself (PersistentModel) and loads by model id.
      persistent: {
        create: () => ({
          train: (_ctx: EngineContext, data: number[]) => ({ max: Math.max(...data) }),
          predict: (model: { max: number }) => model.max,
          saveModel: (id: string, model: unknown) => {
            counters.saved.set(id, model);
            return true;
          },
          loadModel: (id: string) => counters.saved.get(id),
        }),
      },
    },
    serving: {
      create: () => ({ serve: (_q: unknown, predictions: number[]) => predictions.reduce((a, b) => a + b, 0) }),
    },
    query: z.object({ x: z.number() }),
  };
}

const variantJson = {
  id: 'default',
  engineFactory: 'src/engine.ts#createEngine',
  datasource: { params: { n: 4 } },
  algorithms: [
    { name: 'sum', params: { factor: 2 } },
    { name: 'count', params: {} },
    { name: 'persistent' },
  ],
};

describe('engine.json parsing', () => {
  it('fills defaults and flattens sparkConf', () => {
    const variant = parseEngineVariant({ ...variantJson, sparkConf: { spark: { executor: { memory: '4g' } }, 'a.b': 1 } }, '/e/engine.json', '/e');
    expect(variant.preparator).toEqual({ name: '', params: {} });
    expect(variant.serving).toEqual({ name: '', params: {} });
    expect(variant.algorithms[2]).toEqual({ name: 'persistent', params: {} });
    expect(variant.sparkConf).toEqual({ 'spark.executor.memory': '4g', 'a.b': '1' });
    expect(parseEngineVariant({ id: 'x', engineFactory: 'e.ts' }, 'p', '/e').algorithms).toEqual([{ name: '', params: {} }]);
  });

  it('reports upstream messages for missing fields', () => {
    expect(() => parseEngineVariant({ id: 'x' }, '/e/engine.json', '/e')).toThrow('unable to read engine factory from /e/engine.json. Aborting.');
    expect(() => parseEngineVariant({ engineFactory: 'e.ts' }, '/e/engine.json', '/e')).toThrow('Unable to read engine variant ID from /e/engine.json. Aborting.');
    expect(() => parseEngineVariant({ ...variantJson, serving: { foo: 1 } }, 'p', '/e')).toThrow(`Unable to find 'name' or 'params' fields in {"foo":1}.`);
    expect(() => parseEngineVariant({ ...variantJson, sparkConf: { a: [1] } }, 'p', '/e')).toThrow('sparkConf.a must not be an array');
  });

  it('names engine factory modules and exports', () => {
    expect(parseModuleReference('src/engine.ts#createEngine', 'f')).toMatchObject({ modulePath: 'src/engine.ts', exportName: 'createEngine' });
    expect(parseModuleReference('src/engine.ts', 'f')).toMatchObject({ modulePath: 'src/engine.ts', exportName: 'default' });
    expect(() => parseModuleReference('org.template.RecommendationEngine', 'engine factory')).toThrow(/e\.g\. "src\/engine\.ts#createEngine"/);
  });
});

describe('components and params', () => {
  const counters = () => ({ reads: 0, saved: new Map<string, unknown>() });

  it('validates params with the component schemas, filling defaults, and round-trips the params columns', () => {
    const variant = parseEngineVariant(variantJson, 'engine.json', '/e');
    const components = instantiateEngine(testEngine(counters()), variant, 'engine.json');
    const columns = paramsColumns(components);
    expect(columns).toEqual({
      dataSourceParams: '{"":{"n":4}}',
      preparatorParams: '{"":{}}',
      algorithmsParams: '[{"sum":{"factor":2}},{"count":{}},{"persistent":{}}]',
      servingParams: '{"":{}}',
    });
    expect(paramsColumns(instantiateEngine(testEngine(counters()), settingsFromColumns(columns), 'row'))).toEqual(columns);
  });

  it('names the file, field and component on bad params and unknown names', () => {
    const engine = testEngine(counters());
    const bad = parseEngineVariant({ ...variantJson, datasource: { params: { n: -1 } } }, 'engine.json', '/e');
    expect(() => instantiateEngine(engine, bad, 'engine.json')).toThrow(/Unable to extract parameters for datasource '' from JSON string: \{"n":-1\}\. Aborting workflow\.\n {2}engine\.json: datasource\.params\.n: /);
    const unknown = parseEngineVariant({ ...variantJson, algorithms: [{ name: 'als' }] }, 'engine.json', '/e');
    expect(() => instantiateEngine(engine, unknown, 'engine.json')).toThrow("Unable to find algorithm class with name 'als' defined in Engine.");
    const noServing = parseEngineVariant({ ...variantJson, serving: { name: 'weighted' } }, 'engine.json', '/e');
    expect(() => instantiateEngine(engine, noServing, 'engine.json')).toThrow("Unable to find serving class with name 'weighted' defined in Engine.");
  });

  it('parses queries with the engine query schema', () => {
    const components = instantiateEngine(testEngine(counters()), parseEngineVariant(variantJson, 'e', '/e'), 'e');
    expect(components.parseQuery({ x: 1 })).toEqual({ x: 1 });
    expect(() => components.parseQuery({ x: 'a' })).toThrow(QueryMappingError);
  });

  it('coerces JSON numbers to strings like upstream', () => {
    const schema = z.object({ user: jsonString() });
    expect(schema.parse({ user: 1 })).toEqual({ user: '1' });
    expect(schema.parse({ user: 1.5 })).toEqual({ user: '1.5' });
    expect(schema.safeParse({ user: true }).success).toBe(false);
    expect([javaDoubleString(1e-4), javaDoubleString(1e10), javaDoubleString(4.56), javaDoubleString(0)]).toEqual(['1.0E-4', '1.0E10', '4.56', '0.0']);
  });

  it('turns engine params from code into settings', () => {
    expect(settingsFromEngineParams({ algorithms: [{ name: 'sum', params: { factor: 3, skip: undefined } }] })).toEqual({
      datasource: { name: '', params: {} },
      preparator: { name: '', params: {} },
      algorithms: [{ name: 'sum', params: { factor: 3 } }],
      serving: { name: '', params: {} },
    });
  });
});

describe('training, model persistence and deploy-time restore', () => {
  it('stores JSON, persistent manifests and retrain markers, and restores them', async () => {
    const counters = { reads: 0, saved: new Map<string, unknown>() };
    const components = instantiateEngine(testEngine(counters), parseEngineVariant(variantJson, 'e', '/e'), 'e');
    const outcome = await trainEngine(components, context());
    expect(outcome).toEqual({ kind: 'trained', models: [20, 4, { max: 4 }] });
    if (outcome.kind !== 'trained') return;
    const stored = await persistModels(components, outcome.models, context());
    expect(stored).toEqual([{ kind: 'json', value: 20 }, { kind: 'retrain' }, { kind: 'persistent', modelId: 'inst-1-2-persistent' }]);
    const decoded = decodeModels(encodeModels(stored), 'inst-1');
    expect(decoded).toEqual(stored);

    const readsBefore = counters.reads;
    const restored = await restoreModels(components, decoded, context());
    expect(restored).toEqual([20, 4, { max: 4 }]);
    expect(counters.reads).toBe(readsBefore + 1);
    expect(await predictQuery(components, restored, { x: 1 }, context())).toBe(21 + 4 + 4);
    expect(await predictBatch(components, restored, [{ x: 0 }, { x: 2 }], context())).toEqual([28, 30]);
  });

  it('keeps binary models compact and rejects foreign blobs', () => {
    const bytes = new Uint8Array([0, 1, 2, 250]);
    expect(decodeModels(encodeModels([{ kind: 'binary', bytes }]), 'i')).toEqual([{ kind: 'binary', bytes }]);
    expect(() => decodeModels(new Uint8Array([0xac, 0xed, 0, 5]), 'abc')).toThrow(/engine instance abc is not in pio-ts-models\/1 format/);
  });

  it('aborts on a failed sanity check unless skipped, and honours stop-after flags', async () => {
    const engine = testEngine({ reads: 0, saved: new Map() });
    const big = instantiateEngine(engine, parseEngineVariant({ ...variantJson, datasource: { params: { n: 101 } } }, 'e', '/e'), 'e');
    await expect(trainEngine(big, context())).rejects.toThrow('too much data');
    expect((await trainEngine(big, context({ skipSanityCheck: true }))).kind).toBe('trained');
    expect(await trainEngine(big, context({ skipSanityCheck: true, stopAfterRead: true }))).toEqual({
      kind: 'interrupted',
      interruption: 'StopAfterReadInterruption',
    });
  });
});

describe('metrics', () => {
  const data: Array<[string, Array<[number, number, number]>]> = [
    ['a', [[0, 1, 1], [0, 2, 4]]],
    ['b', [[0, 3, 3]]],
  ];
  it('computes upstream metric kinds', () => {
    expect(averageMetric('m', (_q, p: number, a: number) => Math.abs(p - a)).calculate(data)).toBeCloseTo(2 / 3);
    expect(sumMetric('m', (_q, p: number) => p).calculate(data)).toBe(6);
    expect(stdevMetric('m', (_q, p: number) => p).calculate(data)).toBeCloseTo(Math.sqrt(2 / 3));
    expect(optionAverageMetric('m', (_q, p: number) => (p > 1 ? p : undefined)).calculate(data)).toBe(2.5);
  });
});

describe('Spark driver memory', () => {
  it('parses spark-submit memory arguments into MiB', () => {
    expect(parseSparkMemoryMb('2g')).toBe(2048);
    expect(parseSparkMemoryMb('512m')).toBe(512);
    expect(parseSparkMemoryMb('1024')).toBe(1024);
    expect(parseSparkMemoryMb('lots')).toBeUndefined();
    expect(driverMemoryMb(['--master', 'local', '--driver-memory', '3g'])).toBe(3072);
    expect(driverMemoryMb(['--driver-memory=700m'])).toBe(700);
    expect(driverMemoryMb(['--conf', 'spark.driver.memory=1g', '--conf', 'spark.executor.memory=8g'])).toBe(1024);
    expect(driverMemoryMb(['--executor-memory', '8g'])).toBeUndefined();
  });

  it('redacts secrets from the stored environment', () => {
    expect(
      pioEnvironment({
        PIO_STORAGE_SOURCES_PGSQL_PASSWORD: 'hunter2',
        PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://u:pw@db/pio?password=x&ssl=true',
        PIO_HOME: '/app',
        DATABASE_URL: 'postgres://secret',
      }),
    ).toEqual({
      PIO_HOME: '/app',
      PIO_STORAGE_SOURCES_PGSQL_PASSWORD: '<redacted>',
      PIO_STORAGE_SOURCES_PGSQL_URL: 'jdbc:postgresql://db/pio?password=<redacted>&ssl=true',
    });
  });
});

describe('model watcher (hot swap)', () => {
  const instance = (id: string, startTime: number) => ({ id, startTime: new Date(startTime) }) as EngineInstance;
  const state = (inst: EngineInstance) => ({ instance: inst }) as ServingState;
  const quietLog = { info() {}, warn() {}, error() {} };

  it('swaps in newer instances only, and does not retry one that failed to load', async () => {
    let current = state(instance('a', 1000));
    let latest: EngineInstance | undefined = instance('a', 1000);
    const loads: string[] = [];
    const watcher = createModelWatcher({
      intervalMs: 0,
      target: async () => latest && { instance: latest, pinned: false },
      load: async (next) => {
        loads.push(next.id);
        if (next.id === 'broken') throw new Error('bad model');
        return state(next);
      },
      current: () => current,
      swap: (next) => (current = next),
      log: quietLog,
    });
    expect(await watcher.check()).toBe('unchanged');
    latest = instance('b', 2000);
    expect(await watcher.check()).toBe('swapped');
    expect(current.instance.id).toBe('b');
    latest = instance('broken', 3000);
    expect(await watcher.check()).toBe('failed');
    expect(await watcher.check()).toBe('unchanged');
    expect(current.instance.id).toBe('b');
    latest = instance('old', 500);
    expect(await watcher.check()).toBe('unchanged');
    expect(loads).toEqual(['b', 'broken']);
    latest = undefined;
    expect(await watcher.reload()).toBe('none');
    expect(current.instance.id).toBe('b');
    watcher.stop();
  });
});
