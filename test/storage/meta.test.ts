import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateAccessKey,
  openStorage,
  resolveStorageSettings,
  type EngineInstance,
  type EvaluationInstance,
} from '../../src/native/storage/index.js';
import { openTestStorage, pioEnvFor, type StorageFixture } from './helpers.js';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await openTestStorage();
});
afterAll(async () => {
  await fixture?.close();
});

describe('apps', () => {
  it('serial ids, explicit ids advance the sequence, lookups by id and name', async () => {
    const { apps } = fixture.storage;
    const first = await apps.insert({ name: 'first', description: 'desc' });
    expect(first).toBe(1);
    expect(await apps.insert({ id: 10, name: 'explicit' })).toBe(10);
    expect(await apps.insert({ name: 'after' })).toBe(11);
    expect(await apps.insert({ id: 0, name: 'zero-means-auto' })).toBe(12);
    await expect(apps.insert({ id: 10, name: 'taken' })).rejects.toThrow(/duplicate key/);
    expect(await apps.get(1)).toEqual({ id: 1, name: 'first', description: 'desc' });
    expect(await apps.getByName('explicit')).toEqual({ id: 10, name: 'explicit', description: undefined });
    expect(await apps.getByName('missing')).toBeUndefined();
    await apps.update({ id: 10, name: 'renamed', description: 'now described' });
    expect(await apps.get(10)).toEqual({ id: 10, name: 'renamed', description: 'now described' });
    await apps.delete(11);
    expect((await apps.getAll()).map((a) => a.id)).toEqual([1, 10, 12]);
    await apps.delete(12);
    expect(await apps.insert({ id: 5, name: 'low explicit id' })).toBe(5);
    expect(await apps.insert({ name: 'no reuse of deleted ids' })).toBe(13);
  });
});

describe('access keys', () => {
  it('generates 64-char URL-safe keys never starting with "-"', () => {
    for (let i = 0; i < 500; i++) {
      const key = generateAccessKey();
      expect(key).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{63}$/);
    }
  });

  it('stores given or generated keys, comma-joined event whitelist, NULL for all events', async () => {
    const { accessKeys } = fixture.storage;
    const generated = await accessKeys.insert({ appId: 1 });
    expect(generated).toHaveLength(64);
    expect(await accessKeys.insert({ key: 'custom-key', appId: 1, events: ['rate', 'buy'] })).toBe('custom-key');
    expect(await accessKeys.insert({ key: '', appId: 2, events: [] })).toHaveLength(64);
    const rows = await fixture.sql(`SELECT accesskey, appid, events FROM pio_meta_accesskeys WHERE appid = 1 ORDER BY events NULLS FIRST`);
    expect(rows).toEqual([
      { accesskey: generated, appid: 1, events: null },
      { accesskey: 'custom-key', appid: 1, events: 'rate,buy' },
    ]);
    expect(await accessKeys.get('custom-key')).toEqual({ key: 'custom-key', appId: 1, events: ['rate', 'buy'] });
    expect((await accessKeys.getByAppId(1)).map((k) => k.key)).toEqual([generated, 'custom-key']);
    await accessKeys.update({ key: 'custom-key', appId: 1, events: [] });
    expect((await accessKeys.get('custom-key'))!.events).toEqual([]);
    await accessKeys.delete('custom-key');
    expect(await accessKeys.get('custom-key')).toBeUndefined();
    expect((await accessKeys.getAll()).length).toBe(2);
  });
});

describe('channels', () => {
  it('serial ids per table, listed per app', async () => {
    const { channels } = fixture.storage;
    const a = await channels.insert({ name: 'mobile', appId: 1 });
    const b = await channels.insert({ name: 'web', appId: 1 });
    await channels.insert({ name: 'other', appId: 2 });
    expect(b).toBe(a + 1);
    expect(await channels.getByAppId(1)).toEqual([
      { id: a, name: 'mobile', appId: 1 },
      { id: b, name: 'web', appId: 1 },
    ]);
    expect(await channels.get(b)).toEqual({ id: b, name: 'web', appId: 1 });
    await channels.delete(a);
    expect((await channels.getByAppId(1)).map((c) => c.name)).toEqual(['web']);
  });
});

const engineInstance = (overrides: Partial<EngineInstance>): Omit<EngineInstance, 'id'> => ({
  status: 'INIT',
  startTime: new Date('2020-01-01T00:00:00.000Z'),
  endTime: new Date('2020-01-01T00:00:00.000Z'),
  engineId: 'org.example.Engine',
  engineVersion: 'a'.repeat(40),
  engineVariant: 'default',
  engineFactory: 'org.example.Engine',
  batch: '',
  env: { PIO_STORAGE_SOURCES_PGSQL_TYPE: 'jdbc', PIO_HOME: '/app/PredictionIO-dist' },
  sparkConf: { 'spark.executor.extraClassPath': '.' },
  dataSourceParams: '{"":{"appName":"MyApp1"}}',
  preparatorParams: '{"":{}}',
  algorithmsParams: '[{"als":{"rank":10,"numIterations":10,"lambda":0.01,"seed":3}}]',
  servingParams: '{"":{}}',
  ...overrides,
});

describe('engine instances (BEHAVIOUR.md#engine-instances-and-models)', () => {
  it('stores the upstream encodings and finds the latest completed instance by start time', async () => {
    const repo = fixture.storage.engineInstances;
    const oldDone = await repo.insert(engineInstance({ status: 'COMPLETED', startTime: new Date('2020-01-01T00:00:00Z') }));
    const newDone = await repo.insert(engineInstance({ status: 'COMPLETED', startTime: new Date('2020-02-01T00:00:00Z') }));
    await repo.insert(engineInstance({ status: 'INIT', startTime: new Date('2020-03-01T00:00:00Z') }));
    await repo.insert(engineInstance({ status: 'COMPLETED', startTime: new Date('2020-04-01T00:00:00Z'), engineVariant: 'other' }));
    expect(oldDone).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const latest = await repo.getLatestCompleted('org.example.Engine', 'a'.repeat(40), 'default');
    expect(latest?.id).toBe(newDone);
    expect((await repo.getCompleted('org.example.Engine', 'a'.repeat(40), 'default')).map((i) => i.id)).toEqual([newDone, oldDone]);
    expect(await repo.getLatestCompleted('org.example.Engine', 'b'.repeat(40), 'default')).toBeUndefined();

    const [row] = await fixture.sql(
      `SELECT env, sparkconf, datasourceparams, algorithmsparams, starttime::text AS starttime FROM pio_meta_engineinstances WHERE id = $1`,
      [newDone],
    );
    expect(row).toEqual({
      env: 'PIO_STORAGE_SOURCES_PGSQL_TYPE=jdbc,PIO_HOME=/app/PredictionIO-dist',
      sparkconf: 'spark.executor.extraClassPath=.',
      datasourceparams: '{"":{"appName":"MyApp1"}}',
      algorithmsparams: '[{"als":{"rank":10,"numIterations":10,"lambda":0.01,"seed":3}}]',
      starttime: '2020-02-01 00:00:00',
    });
    const fetched = (await repo.get(newDone))!;
    expect(fetched).toEqual({ id: newDone, ...engineInstance({ status: 'COMPLETED', startTime: new Date('2020-02-01T00:00:00Z') }) });
  });

  it('update moves INIT to COMPLETED; empty env encodes as empty string; delete', async () => {
    const repo = fixture.storage.engineInstances;
    const id = await repo.insert(engineInstance({ engineId: 'upd', env: {}, sparkConf: {} }));
    const [raw] = await fixture.sql(`SELECT env FROM pio_meta_engineinstances WHERE id = $1`, [id]);
    expect(raw).toEqual({ env: '' });
    const instance = (await repo.get(id))!;
    const endTime = new Date('2020-01-01T01:02:03.456Z');
    await repo.update({ ...instance, status: 'COMPLETED', endTime });
    expect(await repo.get(id)).toMatchObject({ status: 'COMPLETED', endTime, env: {} });
    expect((await repo.getLatestCompleted('upd', 'a'.repeat(40), 'default'))?.id).toBe(id);
    expect(await repo.insert(engineInstance({ id: 'given-id' }))).toBe('given-id');
    await repo.delete(id);
    expect(await repo.get(id)).toBeUndefined();
  });
});

describe('evaluation instances', () => {
  it('round-trips and lists EVALCOMPLETED newest first', async () => {
    const repo = fixture.storage.evaluationInstances;
    const base: Omit<EvaluationInstance, 'id'> = {
      status: '',
      startTime: new Date('2020-01-01T00:00:00Z'),
      endTime: new Date('2020-01-01T00:00:00Z'),
      evaluationClass: 'org.example.Eval',
      engineParamsGeneratorClass: 'org.example.Gen',
      batch: 'b',
      env: { A: '1' },
      sparkConf: {},
      evaluatorResults: '',
      evaluatorResultsHTML: '',
      evaluatorResultsJSON: '',
    };
    const a = await repo.insert(base);
    const b = await repo.insert({ ...base, startTime: new Date('2020-05-01T00:00:00Z') });
    await repo.update({ ...(await repo.get(a))!, status: 'EVALCOMPLETED', evaluatorResults: 'best: 0.9', evaluatorResultsJSON: '{"x":1}' });
    await repo.update({ ...(await repo.get(b))!, status: 'EVALCOMPLETED' });
    expect((await repo.getCompleted()).map((i) => i.id)).toEqual([b, a]);
    expect(await repo.get(a)).toMatchObject({ evaluatorResults: 'best: 0.9', evaluatorResultsJSON: '{"x":1}', env: { A: '1' } });
    await repo.delete(a);
    expect((await repo.getAll()).map((i) => i.id)).toEqual([b]);
  });
});

describe('models', () => {
  it('stores blobs as bytea keyed by engine instance id', async () => {
    const blob = new Uint8Array([0, 1, 2, 255, 128, 10]);
    await fixture.storage.models.insert({ id: 'inst-1', models: blob });
    expect(await fixture.storage.models.get('inst-1')).toEqual({ id: 'inst-1', models: blob });
    const [row] = await fixture.sql<{ hex: string }>(`SELECT encode(models, 'hex') AS hex FROM pio_model_models WHERE id = 'inst-1'`);
    expect(row!.hex).toBe('000102ff800a');
    expect(await fixture.storage.models.get('nope')).toBeUndefined();
    await fixture.storage.models.delete('inst-1');
    expect(await fixture.storage.models.get('inst-1')).toBeUndefined();
  });

  it('a localfs model repository writes <namespace><id> files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pio-models-'));
    const storage = await openStorage(
      resolveStorageSettings(
        pioEnvFor(fixture.database.url, {
          PIO_STORAGE_REPOSITORIES_MODELDATA_SOURCE: 'LOCALFS',
          PIO_STORAGE_SOURCES_LOCALFS_TYPE: 'localfs',
          PIO_STORAGE_SOURCES_LOCALFS_PATH: dir,
        }),
      ),
    );
    try {
      await storage.models.insert({ id: 'abc', models: new Uint8Array([7, 8, 9]) });
      expect(await readdir(dir)).toEqual(['pio_modelabc']);
      expect([...(await readFile(join(dir, 'pio_modelabc')))]).toEqual([7, 8, 9]);
      expect(await storage.models.get('abc')).toEqual({ id: 'abc', models: new Uint8Array([7, 8, 9]) });
      await storage.models.delete('abc');
      expect(await storage.models.get('abc')).toBeUndefined();
    } finally {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
